#!/usr/bin/env bash
# `git kanbots land --ready` of 20 compatible runs (each edits its own files,
# so all land; see bench-review-lib.sh) on a 5,000-file repository, against
# the same merges done by a plain loop of `git merge --no-edit BRANCH` in an
# identical copy of the repository, in the same run. Each sample starts from
# a fresh copy of the prepared repository (copying is not timed).
#
# Env: KANBOTS_BIN (binary; default: swift build -c release), BENCH_N (5),
#      BENCH_FILES (5000), BENCH_RUNS (20), BENCH_DIR or TMPDIR (where to build the
#      repositories; default /tmp: use /dev/shm to keep the disk out).
set -euo pipefail
source "$(dirname "$0")/bench-lib.sh"
source "$(dirname "$0")/bench-review-lib.sh"

N=${BENCH_N:-5}
FILES=${BENCH_FILES:-5000}
RUNS=${BENCH_RUNS:-20}
work=$(mktemp -d "$BENCH_TMP/kanbots-bench-land.XXXXXX")
trap '[ -n "${BENCH_KEEP:-}" ] && echo "kept $work" >&2 || rm -rf "$work"; bench_cleanup' EXIT

bench_log "generating $FILES files and $RUNS compatible runs in review in $work ..."
bench_make_review_repo "$work/template" "$FILES" "$RUNS" disjoint
branches=$(git -C "$work/template" for-each-ref --format='%(refname:short)' 'refs/heads/kanbots/' | sort -t- -k3,3n)

fresh() { rm -rf "$work/copy"; cp -a "$work/template" "$work/copy"; }
land_samples=() merge_samples=()
for ((i = 0; i < N; i++)); do
    fresh
    land_samples+=("$(bench_py time git -C "$work/copy" kanbots land --ready)") || bench_die "land --ready failed"
    landed=$(git -C "$work/copy" for-each-ref --format='%(contents)' refs/kanbots/runs/ | grep -c '^State: merged' || true)
    [ "$landed" -eq "$RUNS" ] || bench_die "land --ready landed $landed of $RUNS runs"
    land_tree=$(git -C "$work/copy" rev-parse 'main^{tree}')
    fresh
    # shellcheck disable=SC2086
    cat >"$BENCH_TMP/merge-loop.sh" <<SH
#!/bin/sh
cd "$work/copy" || exit 1
for branch in $(echo $branches); do git merge -q --no-edit "\$branch" >/dev/null || exit 1; done
SH
    chmod +x "$BENCH_TMP/merge-loop.sh"
    merge_samples+=("$(bench_py time "$BENCH_TMP/merge-loop.sh")") || bench_die "the git merge loop failed"
    [ "$(git -C "$work/copy" rev-parse 'main^{tree}')" = "$land_tree" ] || bench_die "land and git merge disagree on the result"
done
land=$(bench_py stats "${land_samples[@]}")
merge=$(bench_py stats "${merge_samples[@]}")
read -r l l_lo l_hi <<<"$land"; read -r m m_lo m_hi <<<"$merge"
echo
echo "bench-land: $RUNS compatible runs, $FILES files, repos in $BENCH_TMP, median of N=$N (ms), $(git --version)"
echo "both end on the same tree (checked every sample)"
bench_row "measurement" median min max "x git merge loop"
bench_row "git merge --no-edit loop ($RUNS branches)" "$m" "$m_lo" "$m_hi" "1.00"
bench_row "git kanbots land --ready" "$l" "$l_lo" "$l_hi" "$(bench_ratio "$l" "$m")"
