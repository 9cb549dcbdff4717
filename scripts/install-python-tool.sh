#!/usr/bin/env bash
# Installs a Python command-line tool from PyPI into its own venv under
# .tools/ and prints the absolute path of its program. Used by
# install-claude-code-acp.sh and install-aider.sh (the tests' real agents).
#
#   scripts/install-python-tool.sh NAME PROGRAM IMPORTS REQUIREMENT...
#
# NAME is the folder (.tools/NAME), PROGRAM the console script to print,
# IMPORTS the comma-separated modules that must import for the install to
# count, REQUIREMENT... what pip installs (pinned).
#
#   stdout: exactly one line, the program's path; stderr: progress and errors
#
# Idempotent (a second run only prints the path), safe to run concurrently
# (flock), never leaves a half-finished install in place.
#
# Environment:
#   KANBOTS_TOOLS_DIR  where to install (default: <repo>/.tools; gitignored)
#   PYTHON             interpreter with the venv module (default: python3; needs >= 3.10)
set -euo pipefail

[ $# -ge 4 ] || { echo "usage: $0 NAME PROGRAM IMPORTS REQUIREMENT..." >&2; exit 2; }
NAME="$1"; PROGRAM="$2"; IMPORTS="$3"; shift 3

say() { printf 'install %s: %s\n' "$NAME" "$*" >&2; }
die() { say "error: $*"; exit 1; }

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="${KANBOTS_TOOLS_DIR:-$ROOT/.tools}"
DEST="$TOOLS/$NAME"
BIN="$DEST/bin/$PROGRAM"

installed() { [ -x "$BIN" ] && "$DEST/bin/python" -c "import $IMPORTS" 2>/dev/null; }

if installed; then
    printf '%s\n' "$BIN"
    exit 0
fi

PY="${PYTHON:-python3}"
command -v "$PY" >/dev/null 2>&1 || die "$PY not found; install Python 3.10 or newer"
"$PY" -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
    || die "$NAME needs Python >= 3.10; $PY is $("$PY" --version 2>&1); set PYTHON"
"$PY" -c 'import venv' 2>/dev/null || die "$PY has no venv module (Debian: apt-get install -y python3-venv)"

mkdir -p "$TOOLS"
if command -v flock >/dev/null 2>&1; then
    exec 9>"$TOOLS/.$NAME.lock"
    flock -w 900 9 || die "timed out waiting for the install lock"
    if installed; then printf '%s\n' "$BIN"; exit 0; fi
fi

# A venv records its own path, so it is built where it will live and
# removed again unless every step succeeds.
rm -rf "$DEST"
trap 'rm -rf "$DEST"' EXIT
say "installing $* into $DEST"
"$PY" -m venv "$DEST" >&2 || die "cannot create a venv in $DEST"
"$DEST/bin/python" -m pip install --disable-pip-version-check --no-input -q "$@" >&2 \
    || die "pip could not install $* (is PyPI reachable?)"
installed || die "$IMPORTS does not import after the install"
trap - EXIT
printf '%s\n' "$BIN"
