#!/usr/bin/env bash
# Runs the real Claude Code CLI once, offline, against the mock Anthropic API.
#
#   run-claude.sh SCENARIO.json WORKDIR [VAR=VALUE ...] [-- CLAUDE_ARGS...]
#
# Creates WORKDIR/{repo,home}, starts server.py on an ephemeral loopback port,
# runs `claude -p ...` inside WORKDIR/repo (a fresh git repository) with a
# throwaway HOME, and leaves behind:
#   WORKDIR/out.ndjson     the CLI's stdout (stream-json)
#   WORKDIR/cli.err        the CLI's stderr
#   WORKDIR/requests.jsonl every request the mock received (see README.md)
#   WORKDIR/server.err     the mock's stderr
# VAR=VALUE arguments before `--` are added to the CLI's environment.
# Default CLI arguments (when none are given after `--`):
#   -p "create hello.txt" --output-format stream-json --verbose
#   --permission-mode bypassPermissions --model claude-sonnet-4-5
# The CLI binary is $CLAUDE_BIN, else whatever scripts/install-claude-cli.sh prints.
# RUN_TIMEOUT (default 120 s) bounds the CLI; MOCK_ARGS adds arguments to server.py
# (e.g. MOCK_ARGS=--brief-log).
# Prints "exit=<cli exit code> ms=<wall time of the CLI>" on stdout; exits with the CLI's code.
set -euo pipefail

[ $# -ge 2 ] || { echo "usage: $0 SCENARIO.json WORKDIR [VAR=VALUE ...] [-- CLAUDE_ARGS...]" >&2; exit 2; }
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SCENARIO="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
WORK="$2"
shift 2
EXTRA_ENV=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do EXTRA_ENV+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
if [ $# -eq 0 ]; then
    set -- -p "create hello.txt" --output-format stream-json --verbose \
        --permission-mode bypassPermissions --model claude-sonnet-4-5
fi

CLAUDE_BIN="${CLAUDE_BIN:-$("$HERE/../../../scripts/install-claude-cli.sh")}"
TIMEOUT="${RUN_TIMEOUT:-120}"

mkdir -p "$WORK"
WORK="$(cd "$WORK" && pwd)"
rm -rf "$WORK/repo" "$WORK/home" "$WORK/out.ndjson" "$WORK/cli.err" "$WORK/requests.jsonl" "$WORK/server.err" "$WORK/port"
mkdir -p "$WORK/repo" "$WORK/home"
git -C "$WORK/repo" init -q
git -C "$WORK/repo" -c user.name=t -c user.email=t@example.invalid commit -q --allow-empty -m init

python3 "$HERE/server.py" --scenario "$SCENARIO" --log "$WORK/requests.jsonl" \
    --max-lifetime "$((TIMEOUT + 30))" --max-requests 500 ${MOCK_ARGS:-} >"$WORK/port" 2>"$WORK/server.err" &
SERVER_PID=$!
trap 'kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true' EXIT
PORT=""
for _ in $(seq 100); do
    PORT="$(awk '/^PORT /{print $2; exit}' "$WORK/port" 2>/dev/null || true)"
    [ -n "$PORT" ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.05
done
[ -n "$PORT" ] || { echo "mock server did not start:" >&2; cat "$WORK/server.err" >&2; exit 1; }

START=$(date +%s%N)
set +e
(
    cd "$WORK/repo"
    exec env -i \
        PATH="/usr/local/bin:/usr/bin:/bin" \
        HOME="$WORK/home" \
        LANG=C.UTF-8 \
        ANTHROPIC_BASE_URL="http://127.0.0.1:$PORT" \
        ANTHROPIC_API_KEY="test-key-not-secret" \
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 \
        IS_SANDBOX=1 \
        "${EXTRA_ENV[@]}" \
        timeout -k 5 "$TIMEOUT" "$CLAUDE_BIN" "$@"
) >"$WORK/out.ndjson" 2>"$WORK/cli.err" </dev/null
RC=$?
set -e
END=$(date +%s%N)
echo "exit=$RC ms=$(( (END - START) / 1000000 ))"
exit $RC
