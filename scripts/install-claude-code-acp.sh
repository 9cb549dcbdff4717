#!/usr/bin/env bash
# Installs claude-code-acp (PyPI), an Agent Client Protocol agent that drives
# the Claude Code CLI, for the tests of git-kanbots' ACP adapter; prints the
# absolute path of its `claude-code-acp` program.
#
# Why this one: it needs Python >= 3.10 (Mistral Vibe needs 3.12), and the
# CLI it drives is the one the tests already mock (Tests/Fixtures/mock-anthropic):
# the claude-agent-sdk wheel bundles it, the same version scripts/install-claude-cli.sh uses.
#
#   stdout: exactly one line, the path of claude-code-acp
#   stderr: progress and errors
#
# Idempotent (a second run only prints the path), safe to run concurrently
# (flock), never leaves a half-finished install in place.
#
# Environment:
#   KANBOTS_TOOLS_DIR  where to install (default: <repo>/.tools; gitignored)
#   PYTHON             interpreter with the venv module (default: python3)
set -euo pipefail

ACP_VERSION=0.5.1
SDK_VERSION=0.2.187
# claude-code-acp 0.5.1 imports names that agent-client-protocol 0.12 no longer has.
PROTOCOL_VERSION=0.9.0

say() { printf 'install-claude-code-acp: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="${KANBOTS_TOOLS_DIR:-$ROOT/.tools}"
DEST="$TOOLS/claude-code-acp-$ACP_VERSION"
BIN="$DEST/bin/claude-code-acp"

installed() { [ -x "$BIN" ] && "$DEST/bin/python" -c 'import claude_code_acp, claude_agent_sdk' 2>/dev/null; }

if installed; then
    printf '%s\n' "$BIN"
    exit 0
fi

PY="${PYTHON:-python3}"
command -v "$PY" >/dev/null 2>&1 || die "$PY not found; install Python 3.10 or newer"
"$PY" -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
    || die "claude-code-acp needs Python >= 3.10; $PY is $("$PY" --version 2>&1); set PYTHON"
"$PY" -c 'import venv' 2>/dev/null || die "$PY has no venv module (Debian: apt-get install -y python3-venv)"

mkdir -p "$TOOLS"
if command -v flock >/dev/null 2>&1; then
    exec 9>"$TOOLS/.claude-code-acp.lock"
    flock -w 900 9 || die "timed out waiting for the install lock"
    if installed; then printf '%s\n' "$BIN"; exit 0; fi
fi

# A venv records its own path, so it is built where it will live, under a
# marker that says "unfinished" until the last step.
rm -rf "$DEST"
trap 'rm -rf "$DEST"' EXIT
say "installing claude-code-acp==$ACP_VERSION with claude-agent-sdk==$SDK_VERSION into $DEST"
"$PY" -m venv "$DEST" >&2 || die "cannot create a venv in $DEST"
"$DEST/bin/python" -m pip install --disable-pip-version-check --no-input -q \
    "claude-code-acp==$ACP_VERSION" "claude-agent-sdk==$SDK_VERSION" \
    "agent-client-protocol==$PROTOCOL_VERSION" >&2 \
    || die "pip could not install claude-code-acp (is PyPI reachable?)"
installed || die "claude-code-acp does not import after the install"
trap - EXIT
printf '%s\n' "$BIN"
