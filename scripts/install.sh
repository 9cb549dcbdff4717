#!/usr/bin/env bash
# The README's first command: installs what git-kanbots needs, builds it,
# puts `git-kanbots` on PATH (so `git kanbots` works) and runs the demo.
#
#   scripts/install.sh            # install and run the demo
#   scripts/install.sh --no-demo  # install only
#
# Environment:
#   PREFIX   where the binary goes (default: /usr/local when writable, else ~/.local);
#            the man page and the bash, zsh and fish completions go under PREFIX/share
set -euo pipefail

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'install: error: %s\n' "$*" >&2; exit 1; }

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
run_demo=1
[ "${1:-}" = "--no-demo" ] && run_demo=0

command -v swift >/dev/null 2>&1 || die "the Swift toolchain is not on PATH (https://www.swift.org/install)"
command -v git >/dev/null 2>&1 || die "git is not installed"

"$ROOT/scripts/install-deps.sh"
"$ROOT/scripts/install-bubblewrap.sh"

say "building git-kanbots and kanbots-supervisor (release)"
# Two programs: the command line, and the lean one the long-lived processes
# run (a supervisor per run, an orchestrator per autopilot session), which
# dispatch finds next to git-kanbots.
bin_path="$("$ROOT/scripts/build-release.sh")"
binary="$bin_path/git-kanbots"
for program in git-kanbots kanbots-supervisor; do
    [ -x "$bin_path/$program" ] || die "the build did not produce $bin_path/$program"
done

if [ -n "${PREFIX:-}" ]; then
    bindir="$PREFIX/bin"
elif [ -w /usr/local/bin ] || { [ "$(id -u)" = 0 ] && mkdir -p /usr/local/bin; }; then
    bindir=/usr/local/bin
else
    bindir="$HOME/.local/bin"
fi
mkdir -p "$bindir"
# Copy to a temporary name and rename, so a running program is never half-overwritten.
for program in kanbots-supervisor git-kanbots; do
    cp "$bin_path/$program" "$bindir/.$program.tmp.$$"
    mv -f "$bindir/.$program.tmp.$$" "$bindir/$program"
    say "installed $bindir/$program"
done
# `git kanbots --help` is `git help kanbots`, i.e. `man git-kanbots`; man
# finds PREFIX/share/man from PREFIX/bin on PATH.
"$ROOT/scripts/install-manual-and-completions.sh" "$(dirname "$binary")" "$(dirname "$bindir")"
case ":$PATH:" in
    *":$bindir:"*) ;;
    *) say "note: $bindir is not on your PATH; add it (export PATH=\"$bindir:\$PATH\") to use \`git kanbots\`"
       export PATH="$bindir:$PATH" ;;
esac

if [ "$run_demo" = 1 ]; then
    say "running the demo: git kanbots demo"
    git kanbots demo
fi
