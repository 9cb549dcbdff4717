#!/usr/bin/env bash
# The README's second command: the whole test suite.
#
# Installs what the tests need when missing (libgit2, the real Claude Code
# CLI from the claude-agent-sdk wheel on PyPI, for the end-to-end agent tests,
# and headless Chromium with Selenium for the web board's browser test),
# then runs `swift test`. Extra arguments go to `swift test`.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

scripts/install-deps.sh
if claude="$(scripts/install-claude-cli.sh)"; then
    export KANBOTS_TEST_CLAUDE="$claude"
else
    echo "test: the Claude Code CLI could not be installed; the real-CLI tests will fail" >&2
fi

if python="$(scripts/install-browser-test.sh)"; then
    export KANBOTS_TEST_BROWSER_PYTHON="$python"
else
    echo "test: Chromium or Selenium could not be installed; the browser test will fail" >&2
fi

swift build --build-tests
exec swift test --skip-build "$@"
