#!/usr/bin/env bash
# Installs the real Codex CLI for the tests, offline-capable after the first run.
#
# The `openai-codex-cli-bin` wheel on PyPI bundles the native `codex` binary
# (codex_cli_bin/bin/codex). We install only that wheel (no Python
# dependencies) with `pip install --target` into a project-local folder, then
# print the absolute path of the binary.
#
#   stdout: exactly one line, the absolute path of the `codex` binary
#   stderr: progress and errors
#   exit:   0 on success, non-zero with a message on failure
#
# Idempotent (a second run only prints the path), safe to run concurrently
# (flock), and a half-finished install is never used (built in a temporary
# folder, renamed into place).
#
# Environment:
#   CODEX_CLI_VERSION   wheel version (default below; verified with it)
#   KANBOTS_TOOLS_DIR   where to install (default: <repo>/.tools; must be gitignored)
#   PYTHON              python interpreter with pip (default: python3)
set -euo pipefail

VERSION="${CODEX_CLI_VERSION:-0.163.0}"

say() { printf 'install-codex-cli: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="${KANBOTS_TOOLS_DIR:-$ROOT/.tools}"
DEST="$TOOLS/codex-cli-$VERSION"
BIN="$DEST/codex_cli_bin/bin/codex"

check_bin() {
    # Succeeds when $1 is an executable codex binary of the wanted version.
    [ -x "$1" ] || return 1
    local v
    v="$("$1" --version 2>/dev/null)" || return 1
    case "$v" in *"$VERSION"*) return 0 ;; *) return 1 ;; esac
}

if check_bin "$BIN"; then
    printf '%s\n' "$BIN"
    exit 0
fi

PY="${PYTHON:-python3}"
command -v "$PY" >/dev/null 2>&1 || die "$PY not found; install Python 3 (Debian: apt-get install -y python3 python3-pip)"
"$PY" -m pip --version >/dev/null 2>&1 || die "pip is not available for $PY (Debian: apt-get install -y python3-pip)"

mkdir -p "$TOOLS" || die "cannot create $TOOLS"
LOCK="$TOOLS/.codex-cli.lock"
if command -v flock >/dev/null 2>&1; then
    exec 9>"$LOCK"
    flock -w 600 9 || die "timed out waiting for the install lock $LOCK"
    if check_bin "$BIN"; then
        printf '%s\n' "$BIN"
        exit 0
    fi
fi

TMP="$(mktemp -d "$TOOLS/.codex-cli-$VERSION.tmp.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

say "installing openai-codex-cli-bin==$VERSION (bundles the codex CLI, ~140 MB download) into $DEST"
if ! "$PY" -m pip install \
        --disable-pip-version-check --no-input --no-compile --no-deps \
        --only-binary=:all: --target "$TMP" \
        "openai-codex-cli-bin==$VERSION" 1>&2; then
    die "pip could not install openai-codex-cli-bin==$VERSION (is PyPI reachable? is there a wheel for $(uname -sm)?)"
fi

NEWBIN="$TMP/codex_cli_bin/bin/codex"
[ -f "$NEWBIN" ] || die "the wheel has no bundled CLI at codex_cli_bin/bin/codex"
chmod +x "$NEWBIN" 2>/dev/null || true
check_bin "$NEWBIN" || die "the bundled CLI does not run: $("$NEWBIN" --version 2>&1 | head -3)"

rm -rf "$DEST"
mv "$TMP" "$DEST" || die "cannot move the install into $DEST"
trap - EXIT
check_bin "$BIN" || die "installed CLI at $BIN does not run"
say "installed $("$BIN" --version 2>/dev/null)"
printf '%s\n' "$BIN"
