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
# Idempotent (a second run only prints the path), safe to run concurrently,
# and a half-finished install is never used (scripts/install-wheel-cli-lib.sh).
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

source "$ROOT/scripts/install-wheel-cli-lib.sh"
install_wheel_cli "openai-codex-cli-bin==$VERSION" "$DEST" codex_cli_bin/bin/codex "~140 MB"
