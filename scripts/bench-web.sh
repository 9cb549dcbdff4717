#!/usr/bin/env bash
# The web board (`git kanbots serve`) measured in headless Chromium:
#   page load with 1,000 runs to a rendered board (in the browser), against
#   `board --json` by the CLI; a ref update to the event in the page (median
#   of 20); dispatch latency with and without the server running; the
#   server's CPU and RSS with 20 open pages while 20 runs stream.
#
# The runs are written straight into git (scripts/bench-records.py, as
# bench-board.sh does). Chromium, chromedriver and Selenium come from
# scripts/install-browser-test.sh. Run it in /dev/shm (TMPDIR=/dev/shm) on
# machines whose disk stalls.
#
# Env: KANBOTS_BIN (binary; default: swift build -c release), BENCH_N (5),
#      BENCH_RUNS (1000). Targets: page load < 300 ms, event median < 250 ms,
#      dispatch with the server within 1.1x of without.
set -euo pipefail
source "$(dirname "$0")/bench-lib.sh"

N=${BENCH_N:-5}
RUNS=${BENCH_RUNS:-1000}
[ "$N" -ge 1 ] && [ "$N" -le 50 ] || bench_die "BENCH_N must be 1..50"
[ "$RUNS" -ge 100 ] && [ "$RUNS" -le 100000 ] || bench_die "BENCH_RUNS must be 100..100000"
PYTHON=$("$BENCH_ROOT/scripts/install-browser-test.sh") || bench_die "Chromium/Selenium could not be installed"

repo=$BENCH_TMP/repo
bench_make_runs_repo "$repo" "$RUNS"
git -C "$repo" config kanbots.agent demo

"$PYTHON" "$BENCH_ROOT/scripts/bench-web.py" "$repo" "$KB" "$N"
