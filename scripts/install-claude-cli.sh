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
# Safe to run concurrently (flock), and a half-finished install is never used
# (it is built in a temporary folder and renamed into place).
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

PY="${PYTHON:-python3}"
command -v "$PY" >/dev/null 2>&1 || die "$PY not found; install Python 3 (Debian: apt-get install -y python3 python3-pip)"
"$PY" -m pip --version >/dev/null 2>&1 || die "pip is not available for $PY (Debian: apt-get install -y python3-pip)"

mkdir -p "$TOOLS" || die "cannot create $TOOLS"

# Serialise concurrent installs (test processes may race on a fresh machine).
LOCK="$TOOLS/.claude-sdk.lock"
if command -v flock >/dev/null 2>&1; then
    exec 9>"$LOCK"
    flock -w 600 9 || die "timed out waiting for the install lock $LOCK"
    if check_bin "$BIN"; then          # somebody else finished meanwhile
        printf '%s\n' "$BIN"
        exit 0
    fi
fi

TMP="$(mktemp -d "$TOOLS/.claude-sdk-$VERSION.tmp.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

say "installing claude-agent-sdk==$VERSION (bundles the claude CLI, ~170 MB download) into $DEST"
# --target skips the PEP 668 "externally managed" check and touches no site-packages;
# --no-deps: we only want the bundled binary, not the Python SDK's dependencies;
# --only-binary: the CLI is only in the platform wheels, never in an sdist.
if ! "$PY" -m pip install \
        --disable-pip-version-check --no-input --no-compile --no-deps \
        --only-binary=:all: --target "$TMP" \
        "claude-agent-sdk==$VERSION" 1>&2; then
    die "pip could not install claude-agent-sdk==$VERSION (is PyPI reachable? is there a wheel for $(uname -sm)?)"
fi

NEWBIN="$TMP/claude_agent_sdk/_bundled/claude"
[ -f "$NEWBIN" ] || die "the wheel has no bundled CLI at claude_agent_sdk/_bundled/claude"
chmod +x "$NEWBIN" 2>/dev/null || true
check_bin "$NEWBIN" || die "the bundled CLI does not run: $("$NEWBIN" --version 2>&1 | head -3)"

rm -rf "$DEST"
mv "$TMP" "$DEST" || die "cannot move the install into $DEST"
trap - EXIT
check_bin "$BIN" || die "installed CLI at $BIN does not run"
say "installed $("$BIN" --version 2>/dev/null)"
printf '%s\n' "$BIN"
