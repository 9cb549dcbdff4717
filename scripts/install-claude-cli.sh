#!/usr/bin/env bash
# Installs the real Claude Code CLI for the tests, offline-capable after the first run.
#
# The `claude-agent-sdk` wheel on PyPI bundles the native `claude` binary
# (claude_agent_sdk/_bundled/claude). We install only that wheel (no Python
# dependencies: we never import the SDK) with `pip install --target` into a
# project-local folder, then print the absolute path of the binary.
#
#   stdout: exactly one line, the absolute path of the `claude` binary
#   stderr: progress and errors
#   exit:   0 on success, non-zero with a message on failure
#
# Idempotent: a second run finds the installed binary and only prints its path.
# Safe to run concurrently, and a half-finished install is never used
# (scripts/install-wheel-cli-lib.sh).
#
# Environment:
#   CLAUDE_AGENT_SDK_VERSION  wheel version (default below; verified with it)
#   KANBOTS_TOOLS_DIR         where to install (default: <repo>/.tools; must be gitignored)
#   PYTHON                    python interpreter with pip (default: python3)
set -euo pipefail

# 0.2.187 bundles Claude Code 2.1.330, the version docs/design facts were observed with.
VERSION="${CLAUDE_AGENT_SDK_VERSION:-0.2.187}"
EXPECTED_CLI_VERSION_0_2_187="2.1.330"

say() { printf 'install-claude-cli: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="${KANBOTS_TOOLS_DIR:-$ROOT/.tools}"
DEST="$TOOLS/claude-sdk-$VERSION"
BIN="$DEST/claude_agent_sdk/_bundled/claude"

check_bin() {
    # Succeeds when $1 is an executable claude binary that answers --version.
    [ -x "$1" ] || return 1
    local v
    v="$("$1" --version 2>/dev/null)" || return 1
    case "$v" in *"Claude Code"*) ;; *) return 1 ;; esac
    if [ "$VERSION" = "0.2.187" ]; then
        case "$v" in "$EXPECTED_CLI_VERSION_0_2_187"*) ;; *) return 1 ;; esac
    fi
    return 0
}

if check_bin "$BIN"; then
    printf '%s\n' "$BIN"
    exit 0
fi

case "$(uname -s)/$(uname -m)" in
    Linux/x86_64|Linux/aarch64|Darwin/x86_64|Darwin/arm64) ;;
    *) die "no claude-agent-sdk wheel with a bundled CLI is known for $(uname -s)/$(uname -m)" ;;
esac

source "$ROOT/scripts/install-wheel-cli-lib.sh"
install_wheel_cli "claude-agent-sdk==$VERSION" "$DEST" claude_agent_sdk/_bundled/claude "~170 MB"
