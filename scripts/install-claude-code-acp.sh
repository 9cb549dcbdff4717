#!/usr/bin/env bash
# Installs claude-code-acp (PyPI), an Agent Client Protocol agent that drives
# the Claude Code CLI, for the tests of the ACP adapter; prints its path.
#
# Why this one: it needs Python >= 3.10 (Mistral Vibe needs 3.12), and the
# CLI it drives is the one the tests already mock (Tests/Fixtures/mock-anthropic):
# the claude-agent-sdk wheel bundles it, the version install-claude-cli.sh uses.
# claude-code-acp 0.5.1 imports names agent-client-protocol 0.12 no longer has.
set -euo pipefail
exec "$(dirname "${BASH_SOURCE[0]}")/install-python-tool.sh" claude-code-acp-0.5.1 claude-code-acp \
    claude_code_acp,claude_agent_sdk \
    claude-code-acp==0.5.1 claude-agent-sdk==0.2.187 agent-client-protocol==0.9.0
