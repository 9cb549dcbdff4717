#!/usr/bin/env bash
# Installs Aider (aider-chat on PyPI) for the tests of the aider adapter;
# prints the path of its `aider` program.
set -euo pipefail
exec "$(dirname "${BASH_SOURCE[0]}")/install-python-tool.sh" aider-chat-0.86.2 aider aider aider-chat==0.86.2
