#!/usr/bin/env bash
# Installs what the web board's browser test needs: headless Chromium and its
# driver from Debian (`chromium`, `chromium-driver`), and Selenium from PyPI in
# a venv under .tools/. Prints one line: the venv's python.
#
#   stdout: exactly one line, the absolute path of the venv's python
#   stderr: progress and errors
#   exit:   0 on success, non-zero with a message on failure
#
# Idempotent and quick when everything is there; safe to run concurrently (flock).
#
# Environment:
#   SELENIUM_VERSION   Selenium from PyPI (default below)
#   KANBOTS_TOOLS_DIR  where the venv goes (default: <repo>/.tools; gitignored)
#   PYTHON             interpreter to make the venv with (default: python3)
set -euo pipefail

# 4.50.0: the newest whose dependencies the offline PyPI mirror has (4.52 needs a newer certifi).
VERSION="${SELENIUM_VERSION:-4.50.0}"
say() { printf 'install-browser-test: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="${KANBOTS_TOOLS_DIR:-$ROOT/.tools}"
VENV="$TOOLS/selenium-$VERSION"
PY_BIN="$VENV/bin/python"

browser_ready() {
    command -v chromedriver >/dev/null 2>&1 && { command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; }
}
selenium_ready() { [ -x "$PY_BIN" ] && "$PY_BIN" -c "import selenium, sys; sys.exit(selenium.__version__ != '$VERSION')" 2>/dev/null; }

if browser_ready && selenium_ready; then
    printf '%s\n' "$PY_BIN"
    exit 0
fi

mkdir -p "$TOOLS"
exec 9>"$TOOLS/.browser-test.lock"
command -v flock >/dev/null 2>&1 && { flock -w 900 9 || die "timed out waiting for $TOOLS/.browser-test.lock"; }

if ! browser_ready; then
    if command -v apt-get >/dev/null 2>&1; then
        sudo=""
        [ "$(id -u)" = 0 ] || sudo="sudo"
        say "installing chromium and chromium-driver with apt-get"
        $sudo apt-get update -qq >&2 || say "apt-get update failed; trying the cached package lists"
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium chromium-driver >&2 \
            || die "apt-get could not install chromium and chromium-driver"
    elif command -v brew >/dev/null 2>&1; then
        say "installing chromium and chromedriver with Homebrew"
        brew install --cask chromium chromedriver >&2 || die "brew could not install chromium and chromedriver"
    else
        die "Chromium and chromedriver are missing and neither apt-get nor brew is available"
    fi
    browser_ready || die "chromium or chromedriver still not on PATH after installing"
fi

if ! selenium_ready; then
    PY="${PYTHON:-python3}"
    command -v "$PY" >/dev/null 2>&1 || die "$PY not found; install Python 3"
    TMP="$(mktemp -d "$TOOLS/.selenium.tmp.XXXXXX")"
    trap 'rm -rf "$TMP"' EXIT
    say "installing selenium==$VERSION into $VENV"
    "$PY" -m venv "$TMP" >&2 || die "cannot make a venv with $PY (Debian: apt-get install -y python3-venv)"
    "$TMP/bin/python" -m pip install --disable-pip-version-check --no-input -q "selenium==$VERSION" >&2 \
        || die "pip could not install selenium==$VERSION (is PyPI reachable?)"
    # A half-made venv is never used: it is moved into place only when complete
    # (python finds the venv from its pyvenv.cfg, so the move is safe; pip is run as `python -m pip`).
    rm -rf "$VENV"
    mv "$TMP" "$VENV" || die "cannot move the venv into $VENV"
    trap - EXIT
    selenium_ready || die "selenium==$VERSION does not import from $VENV"
fi
printf '%s\n' "$PY_BIN"
