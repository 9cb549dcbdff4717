#!/usr/bin/env bash
# Installs the system libraries git-kanbots builds and links against, when missing:
#
#   libgit2 (and pkg-config to find it)    every build: KanbotsGit wraps it
#   libcurl's development files            the static release link (scripts/build-release.sh):
#                                          FoundationNetworking's static archive, which the
#                                          web board and the GitHub client pull in, needs
#                                          libcurl.a's symbols (curl_multi_setopt and the rest)
#
# Debian/Ubuntu via apt-get (libgit2-dev, pkg-config, libcurl4-openssl-dev). On macOS,
# Homebrew's libgit2 and pkg-config; the system's libcurl serves Foundation there and
# the release build links Swift's runtime dynamically, so nothing else is needed.
set -euo pipefail

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'install-deps: error: %s\n' "$*" >&2; exit 1; }

has_libgit2() { pkg-config --exists libgit2 2>/dev/null; }
# curl-config ships with every libcurl development package, whichever TLS flavour.
has_libcurl_dev() { [ "$(uname -s)" != Linux ] || command -v curl-config >/dev/null 2>&1; }

if has_libgit2 && has_libcurl_dev; then
    exit 0
fi

if command -v apt-get >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    packages=()
    has_libgit2 || packages+=(libgit2-dev pkg-config)
    has_libcurl_dev || packages+=(libcurl4-openssl-dev)
    say "installing ${packages[*]} with apt-get"
    # Try the cached package lists first; an outdated list is the usual cause
    # of "unable to locate package", so update and try once more.
    if ! DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >&2; then
        $sudo apt-get update -qq >&2 || say "apt-get update failed; trying the cached package lists"
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >&2
    fi
elif command -v brew >/dev/null 2>&1; then
    say "installing libgit2 and pkg-config with Homebrew"
    brew install libgit2 pkg-config >&2
else
    die "libgit2 (with its headers) or libcurl's development files are missing, and neither apt-get nor brew is available; install them and pkg-config"
fi

has_libgit2 || die "libgit2 is still not found by pkg-config; install libgit2's development package"
has_libcurl_dev || die "libcurl's development files are still missing; install libcurl4-openssl-dev (or libcurl4-gnutls-dev)"
