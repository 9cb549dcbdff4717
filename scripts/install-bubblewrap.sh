#!/usr/bin/env bash
# Installs bubblewrap (`bwrap`), which git-kanbots uses to confine agents
# (kanbots.sandbox, docs/agents.md "Confinement"), when it is missing.
# Linux only: on macOS confinement is off and this does nothing. Quick and
# silent when bwrap is already there; a failed install is a warning, not an
# error (agents then run unconfined under `kanbots.sandbox auto`).
set -euo pipefail

say() { printf '==> %s\n' "$*" >&2; }

[ "$(uname -s)" = Linux ] || exit 0
command -v bwrap >/dev/null 2>&1 && exit 0

if command -v apt-get >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    say "installing bubblewrap with apt-get (confines agents to their worktree)"
    $sudo apt-get update -qq >&2 || say "apt-get update failed; trying the cached package lists"
    if DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq bubblewrap >&2; then
        exit 0
    fi
fi
say "warning: could not install bubblewrap; agents will run unconfined (install the bubblewrap package to confine them)"
