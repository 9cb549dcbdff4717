#!/usr/bin/env bash
# The README's second command: the whole test suite.
#
# Installs what the tests need when missing (libgit2, bubblewrap, the real
# Claude Code CLI from the claude-agent-sdk wheel and the real Codex CLI from
# the openai-codex-cli-bin wheel on PyPI, claude-code-acp and aider-chat, for
# the end-to-end agent tests; man-db for the man page test; headless Chromium
# with Selenium for the web board's browser test; PostgreSQL for the
# services test),
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

if python="$(scripts/install-browser-test.sh)"; then
    export KANBOTS_TEST_BROWSER_PYTHON="$python"
else
    echo "test: Chromium or Selenium could not be installed; the browser test will fail" >&2
fi

# A real ACP agent for the ACP adapter's end-to-end test (Python >= 3.10, a venv in .tools).
if acp="$(scripts/install-claude-code-acp.sh)"; then
    export KANBOTS_TEST_CLAUDE_CODE_ACP="$acp"
else
    echo "test: claude-code-acp could not be installed; the real ACP agent test will fail" >&2
fi

if aider="$(scripts/install-aider.sh)"; then
    export KANBOTS_TEST_AIDER="$aider"
else
    echo "test: aider could not be installed; the aider test will fail" >&2
fi

# The Kubernetes executor's manifests are validated offline against the Job
# schema, and its stand-in kubectl runs with that venv's Python (PyYAML).
if validate="$(scripts/install-kubernetes-validate.sh)"; then
    export KANBOTS_TEST_KUBERNETES_VALIDATE="$validate"
else
    echo "test: kubernetes-validate could not be installed; the Kubernetes tests will fail" >&2
fi

# `git kanbots --help` and the completions are tested with the real man
# (man-db), git's bash completion, zsh and fish.
if ! command -v man >/dev/null 2>&1 || [ ! -f /usr/share/bash-completion/completions/git ] \
    || ! command -v zsh >/dev/null 2>&1 || ! command -v fish >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        packages="man-db git zsh fish"
        apt-get install -y -qq $packages >/dev/null || { apt-get update -qq && apt-get install -y -qq $packages >/dev/null; }
    else
        echo "test: man, git's bash completion, zsh or fish is missing; the man page and completion tests will fail" >&2
    fi
fi

# Runs' services are tested with real PostgreSQL servers, one per run
# (ServicesTests): initdb, postgres, pg_isready and psql.
if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        apt-get install -y -qq --no-install-recommends postgresql >/dev/null \
            || { apt-get update -qq && apt-get install -y -qq --no-install-recommends postgresql >/dev/null; }
    else
        echo "test: PostgreSQL is missing; the services test will fail (install postgresql)" >&2
    fi
fi

# The Slurm executor is tested against a private cluster the tests start
# themselves (Tests/KanbotsCLITests/Support/SlurmCluster.swift): munge and
# Slurm's daemons and client, no systemd needed.
if ! command -v slurmctld >/dev/null 2>&1 || ! command -v slurmd >/dev/null 2>&1 \
    || ! command -v sbatch >/dev/null 2>&1 || ! command -v munged >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        packages="slurmctld slurmd slurm-client munge"
        apt-get install -y -qq --no-install-recommends $packages >/dev/null \
            || { apt-get update -qq && apt-get install -y -qq --no-install-recommends $packages >/dev/null; }
    else
        echo "test: Slurm or munge is missing; the Slurm executor tests will fail (install slurmctld slurmd slurm-client munge)" >&2
    fi
fi

swift build --build-tests
# argument-parser's man page generator, for scripts/install-manual-and-completions.sh.
swift build --product generate-manual
exec swift test --skip-build "$@"
