#!/usr/bin/env bash
# Installs git-kanbots' man page and its bash, zsh and fish completions,
# generated from the command definitions of the binary itself, so they
# always match it. Called by scripts/install.sh; tests call it with a
# temporary PREFIX.
#
#   scripts/install-manual-and-completions.sh BIN_DIR PREFIX
#
# BIN_DIR holds the built `git-kanbots` and argument-parser's
# `generate-manual` (built here when missing, from the same configuration).
# Installs:
#   PREFIX/share/man/man1/git-kanbots.1       man git-kanbots, git kanbots --help
#   PREFIX/share/bash-completion/completions/git-kanbots
#                                             git-kanbots <TAB> and git kanbots <TAB>
#   PREFIX/share/zsh/site-functions/_git-kanbots
#   PREFIX/share/fish/vendor_completions.d/git-kanbots.fish
#   PREFIX/share/fish/vendor_conf.d/git-kanbots.fish
#                                             fish's `git kanbots <TAB>`
set -euo pipefail

die() { printf 'install: error: %s\n' "$*" >&2; exit 1; }
[ $# -eq 2 ] || die "usage: $0 BIN_DIR PREFIX"
bin_dir="$1"
prefix="$2"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
binary="$bin_dir/git-kanbots"
[ -x "$binary" ] || die "no git-kanbots in $bin_dir; build it first (swift build)"

if [ ! -x "$bin_dir/generate-manual" ]; then
    case "$bin_dir" in
        */release) configuration=release ;;
        *) configuration=debug ;;
    esac
    (cd "$ROOT" && swift build -c "$configuration" --product generate-manual >&2) \
        || die "cannot build argument-parser's generate-manual"
fi

man_dir="$prefix/share/man/man1"
bash_dir="$prefix/share/bash-completion/completions"
zsh_dir="$prefix/share/zsh/site-functions"
fish_dir="$prefix/share/fish/vendor_completions.d"
fish_conf_dir="$prefix/share/fish/vendor_conf.d"
mkdir -p "$man_dir" "$bash_dir" "$zsh_dir" "$fish_dir" "$fish_conf_dir"

# Write to a temporary name and rename: a reader never sees half a file.
place() {  # place TARGET (content on stdin)
    cat > "$1.tmp.$$"
    mv -f "$1.tmp.$$" "$1"
}

"$bin_dir/generate-manual" "$binary" --output-directory - --section 1 \
    --authors 'the git-kanbots contributors' | sed 's/^$/.Pp/' | place "$man_dir/git-kanbots.1"

{
    "$binary" --generate-completion-script bash
    cat <<'BASH'

# `git kanbots …`: git's bash completion calls _git_kanbots (loading this
# file as "git-kanbots"); complete as if the line were `git-kanbots …`.
_git_kanbots() {
    local -i at=${__git_cmd_idx:-1}
    local head="${COMP_LINE%%kanbots*}kanbots"
    local COMP_LINE="git-kanbots${COMP_LINE#"$head"}"
    local -i COMP_POINT=$((COMP_POINT - ${#head} + 11))
    local -a COMP_WORDS=(git-kanbots "${COMP_WORDS[@]:at+1}")
    local -i COMP_CWORD=$((COMP_CWORD - at))
    _git-kanbots git-kanbots "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
}
BASH
} | place "$bash_dir/git-kanbots"

# zsh completes `git kanbots …` with _git-kanbots itself: its _git calls
# _git-<command> for a git-<command> on PATH.
"$binary" --generate-completion-script zsh | place "$zsh_dir/_git-kanbots"
"$binary" --generate-completion-script fish | place "$fish_dir/git-kanbots.fish"

# fish's git.fish (3.6, Debian's) means to hand `git <custom> …` to the
# custom command's completion, but registers it under the name `git-kanbots`
# and cannot see its list of custom commands, so `git kanbots <TAB>` gets
# nothing. Read at every fish start (vendor_conf.d); git.fish, loaded when
# `git` is first completed, defines the two functions used here.
place "$fish_conf_dir/git-kanbots.fish" <<'FISH'
# git-kanbots: `git kanbots <TAB>` completes like `git-kanbots <TAB>`.
complete -c git -f -n __fish_git_needs_command -a kanbots -d 'Run many coding agents in parallel (git-kanbots)'
complete -c git -f -n '__fish_git_using_command kanbots' -a '(__fish_git_complete_custom_command kanbots)'
FISH

printf '==> installed %s and completions for bash, zsh and fish under %s/share\n' \
    "$man_dir/git-kanbots.1" "$prefix" >&2
