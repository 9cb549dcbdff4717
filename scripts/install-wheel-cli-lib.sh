# Shared by install-claude-cli.sh and install-codex-cli.sh: installs an agent
# CLI bundled in a PyPI wheel into a project-local folder, once.
#
#   install_wheel_cli REQUIREMENT DEST RELATIVE_BIN SIZE_NOTE
#
# The caller defines `say`, `die` and `check_bin PATH` (succeeds when PATH is
# the wanted CLI), and has already checked that DEST/RELATIVE_BIN is not there.
# Prints the binary's absolute path. Concurrent installs wait on a lock
# (flock), and a half-finished install is never used (it is built in a
# temporary folder and renamed into place).
install_wheel_cli() {
    local requirement=$1 dest=$2 relative=$3 size=$4
    local tools bin py name tmp newbin
    tools=$(dirname "$dest") bin="$dest/$relative" py="${PYTHON:-python3}" name=$(basename "$dest")
    command -v "$py" >/dev/null 2>&1 || die "$py not found; install Python 3 (Debian: apt-get install -y python3 python3-pip)"
    "$py" -m pip --version >/dev/null 2>&1 || die "pip is not available for $py (Debian: apt-get install -y python3-pip)"
    mkdir -p "$tools" || die "cannot create $tools"

    # Serialise concurrent installs (test processes may race on a fresh machine).
    if command -v flock >/dev/null 2>&1; then
        exec 9>"$tools/.$name.lock"
        flock -w 600 9 || die "timed out waiting for the install lock $tools/.$name.lock"
        if check_bin "$bin"; then          # somebody else finished meanwhile
            printf '%s\n' "$bin"
            return 0
        fi
    fi

    tmp="$(mktemp -d "$tools/.$name.tmp.XXXXXX")"
    trap 'rm -rf "$tmp"' EXIT
    say "installing $requirement ($size download) into $dest"
    # --target skips the PEP 668 "externally managed" check and touches no site-packages;
    # --no-deps: we only want the bundled binary, not the package's Python dependencies;
    # --only-binary: the CLI is only in the platform wheels, never in an sdist.
    if ! "$py" -m pip install \
            --disable-pip-version-check --no-input --no-compile --no-deps \
            --only-binary=:all: --target "$tmp" "$requirement" 1>&2; then
        die "pip could not install $requirement (is PyPI reachable? is there a wheel for $(uname -sm)?)"
    fi
    newbin="$tmp/$relative"
    [ -f "$newbin" ] || die "the wheel has no bundled CLI at $relative"
    chmod +x "$newbin" 2>/dev/null || true
    check_bin "$newbin" || die "the bundled CLI does not run: $("$newbin" --version 2>&1 | head -3)"

    rm -rf "$dest"
    mv "$tmp" "$dest" || die "cannot move the install into $dest"
    trap - EXIT
    check_bin "$bin" || die "installed CLI at $bin does not run"
    say "installed $("$bin" --version 2>/dev/null)"
    printf '%s\n' "$bin"
}
