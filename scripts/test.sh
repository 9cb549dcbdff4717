#!/usr/bin/env bash
# The README's second command: the whole test suite.
#
# Installs what the tests need when missing (libgit2, the real Claude Code CLI
# from the claude-agent-sdk wheel and the real Codex CLI from the
# openai-codex-cli-bin wheel on PyPI, for the end-to-end agent tests),
# then runs `swift test`. Extra arguments go to `swift test`.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

scripts/install-deps.sh
scripts/install-bubblewrap.sh
if claude="$(scripts/install-claude-cli.sh)"; then
    export KANBOTS_TEST_CLAUDE="$claude"
else
    echo "test: the Claude Code CLI could not be installed; the real-CLI tests will fail" >&2
fi
if codex="$(scripts/install-codex-cli.sh)"; then
    export KANBOTS_TEST_CODEX="$codex"
else
    echo "test: the Codex CLI could not be installed; the real-Codex tests will fail" >&2
fi

swift build --build-tests
exec swift test --skip-build "$@"
