#!/usr/bin/env bash
# Installs the system libraries git-kanbots builds against, when missing:
# libgit2 (and pkg-config to find it). Debian/Ubuntu via apt-get, macOS via Homebrew.
set -euo pipefail

say() { printf '==> %s\n' "$*" >&2; }

if pkg-config --exists libgit2 2>/dev/null; then
    exit 0
fi

if command -v apt-get >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    say "installing libgit2-dev and pkg-config with apt-get"
    # An outdated package list is the usual cause of "unable to locate package".
    $sudo apt-get update -qq >&2 || say "apt-get update failed; trying the cached package lists"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq libgit2-dev pkg-config >&2
elif command -v brew >/dev/null 2>&1; then
    say "installing libgit2 and pkg-config with Homebrew"
    brew install libgit2 pkg-config >&2
else
    printf 'install-deps: error: libgit2 is missing and neither apt-get nor brew is available; install libgit2 (with its headers) and pkg-config\n' >&2
    exit 1
fi

pkg-config --exists libgit2 || { printf 'install-deps: error: libgit2 still not found by pkg-config\n' >&2; exit 1; }
