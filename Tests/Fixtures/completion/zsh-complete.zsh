# Completes command lines in a real interactive zsh, as a TAB would, and
# writes what zsh offers for each to a file; for ManualAndCompletionTests.
#
#   zsh -f zsh-complete.zsh FPATH_DIR OUT LINE...
#
# OUT gets, for each LINE: "== LINE", one offered word a line, "== done N".
# zsh completes only in its line editor, so this drives one in a pseudo
# terminal (zsh/zpty): compinit with FPATH_DIR first on fpath, compadd
# wrapped to note every match, TAB bound to complete-word, and a function
# run after each completion (comppostfuncs) to mark its end.
zmodload zsh/zpty || exit 2
fdir=$1 out=$2
shift 2
zpty z zsh -f -i
zpty -w z "PS1=''; fpath=(${(q)fdir} \$fpath); autoload -Uz compinit; compinit -u -d ${(q)out}.dump; integer done=0"
zpty -w z 'compadd() { local -a hits; builtin compadd -A hits "$@"; (( $#hits )) && print -rl -- "${hits[@]}" >> '${(q)out}'; builtin compadd "$@" }'
zpty -w z 'after() { print -r -- "== done $((++done))" >> '${(q)out}' }'
zpty -w z "bindkey '^I' complete-word"
integer n=0
for line in "$@"; do
    # comppostfuncs is emptied after each completion: set it every time.
    zpty -w z "comppostfuncs=(after); print -r -- ${(q):-== $line} >> ${(q)out}"
    zpty -w -n z "$line"$'\t'
    (( n++ ))
    # Up to a minute for a loaded machine; the line is cleared after.
    for i in {1..600}; do
        grep -qx "== done $n" $out 2>/dev/null && break
        sleep 0.1
    done
    zpty -w -n z $'\C-u'
done
zpty -d z
grep -qx "== done $n" $out
