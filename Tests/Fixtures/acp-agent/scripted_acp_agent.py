#!/usr/bin/env python3
"""A scripted Agent Client Protocol agent for git-kanbots' tests.

It speaks ACP (JSON-RPC 2.0, one message a line on stdio) well enough to
drive the edges of `git-kanbots acp-client`. ACP_SCRIPT picks what a prompt
does; ACP_LOG (optional) gets one line per message received.

  write       streams text, a plan, a tool call that writes acp.txt, a cost
              (usage_update) and tokens (usage), then ends the turn
  unmetered   like write, but reports neither cost nor tokens
  malformed   writes garbage lines between well-formed messages, then writes
  crash       sends one chunk, then exits 3 in the middle of the prompt
  permission  asks session/request_permission to write acp.txt (tool kind
              ACP_TOOL_KIND, default edit); writes it only if allowed
  hang        waits for session/cancel, then answers stopReason cancelled
  ignore-cancel  waits forever, even after session/cancel

ACP_INTRUDE (optional, paths joined by ":"): files every prompt first tries
to write, as an agent escaping its worktree would; refusals go to stderr.
"""
import json
import os
import sys
import threading
import time

SCRIPT = os.environ.get("ACP_SCRIPT", "write")
LOG = os.environ.get("ACP_LOG")
lock = threading.Lock()
pending = {}
cancelled = threading.Event()
next_id = [1000]


def log(text):
    if LOG:
        with open(LOG, "a") as handle:
            handle.write(text + "\n")


def send(message):
    with lock:
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()


def raw(text):
    with lock:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()


def update(session, body):
    send({"jsonrpc": "2.0", "method": "session/update", "params": {"sessionId": session, "update": body}})


def request(method, params):
    next_id[0] += 1
    ident = next_id[0]
    event = threading.Event()
    pending[ident] = [event, None]
    send({"jsonrpc": "2.0", "id": ident, "method": method, "params": params})
    event.wait()
    return pending.pop(ident)[1]


def write_file(cwd, session, tool_id="call_1"):
    update(session, {"sessionUpdate": "tool_call", "toolCallId": tool_id, "title": "Write acp.txt",
                     "kind": "edit", "status": "pending"})
    with open(os.path.join(cwd, "acp.txt"), "w") as handle:
        handle.write("written over ACP\n")
    update(session, {"sessionUpdate": "tool_call_update", "toolCallId": tool_id, "status": "completed",
                     "content": [{"type": "content", "content": {"type": "text", "text": "wrote acp.txt"}}]})


def intrude():
    for path in filter(None, os.environ.get("ACP_INTRUDE", "").split(":")):
        try:
            with open(path, "w") as handle:
                handle.write("evil\n")
        except OSError as error:
            print("refused: %s" % error, file=sys.stderr, flush=True)


def prompt(ident, params, cwd):
    session = params["sessionId"]
    intrude()
    usage = None
    if SCRIPT == "malformed":
        raw("this is not json")
        raw('{"jsonrpc": "2.0", "method": "session/update", "params": {')
        raw("[1, 2, 3]")
    if SCRIPT in ("write", "unmetered", "malformed"):
        update(session, {"sessionUpdate": "plan", "entries": [
            {"content": "write acp.txt", "priority": "high", "status": "pending"}]})
        for chunk in ["Writing ", "the file", " now."]:
            update(session, {"sessionUpdate": "agent_message_chunk", "content": {"type": "text", "text": chunk}})
        write_file(cwd, session)
        if SCRIPT == "write":
            update(session, {"sessionUpdate": "usage_update", "used": 5000, "size": 200000,
                             "cost": {"amount": 0.25, "currency": "USD"}})
            usage = {"inputTokens": 4000, "outputTokens": 1000, "totalTokens": 5000}
    elif SCRIPT == "crash":
        update(session, {"sessionUpdate": "agent_message_chunk", "content": {"type": "text", "text": "Starting"}})
        sys.stdout.flush()
        os._exit(3)
    elif SCRIPT == "permission":
        answer = request("session/request_permission", {
            "sessionId": session,
            "toolCall": {"toolCallId": "call_p", "title": "Write acp.txt",
                         "kind": os.environ.get("ACP_TOOL_KIND", "edit")},
            "options": [{"optionId": "yes-once", "name": "Allow once", "kind": "allow_once"},
                        {"optionId": "no-once", "name": "Reject", "kind": "reject_once"}]})
        log("permission outcome " + json.dumps(answer))
        outcome = (answer or {}).get("result", {}).get("outcome", {})
        if outcome.get("optionId") == "yes-once":
            write_file(cwd, session)
    elif SCRIPT in ("hang", "ignore-cancel"):
        update(session, {"sessionUpdate": "agent_message_chunk", "content": {"type": "text", "text": "Thinking"}})
        while not cancelled.is_set() or SCRIPT == "ignore-cancel":
            time.sleep(0.05)
        send({"jsonrpc": "2.0", "id": ident, "result": {"stopReason": "cancelled"}})
        return
    result = {"stopReason": "end_turn"}
    if usage:
        result["usage"] = usage
    send({"jsonrpc": "2.0", "id": ident, "result": result})


def main():
    # `--tag X` only marks the command line, so a test can find the process.
    if "--version" in sys.argv:
        print("scripted-acp-agent 1.0")
        return
    cwd = os.getcwd()
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        message = json.loads(line)
        method = message.get("method")
        log("received " + (method or "response %s" % message.get("id")))
        if method is None:
            entry = pending.get(message.get("id"))
            if entry:
                entry[1] = message
                entry[0].set()
            continue
        ident = message.get("id")
        params = message.get("params", {})
        if method == "initialize":
            send({"jsonrpc": "2.0", "id": ident, "result": {
                "protocolVersion": 1, "agentCapabilities": {"loadSession": False}, "authMethods": []}})
        elif method == "session/new":
            cwd = params.get("cwd", cwd)
            send({"jsonrpc": "2.0", "id": ident, "result": {"sessionId": "sess-" + str(os.getpid())}})
        elif method == "session/set_model":
            log("model " + params.get("modelId", ""))
            send({"jsonrpc": "2.0", "id": ident, "result": {}})
        elif method == "session/prompt":
            threading.Thread(target=prompt, args=(ident, params, cwd), daemon=True).start()
        elif method == "session/cancel":
            cancelled.set()
        elif ident is not None:
            send({"jsonrpc": "2.0", "id": ident, "error": {"code": -32601, "message": "unknown " + method}})
    # stdin closed: the client is gone.


if __name__ == "__main__":
    main()
