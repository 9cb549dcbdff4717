#!/usr/bin/env python3
"""Scripted mock of the Anthropic Messages API, for running the real Claude Code
CLI offline in tests.  Python 3 standard library only.  Loopback only.

Usage:
    server.py --scenario SCENARIO.json [--log REQUESTS.jsonl] [--brief-log]
              [--max-requests 500] [--max-lifetime 300] [--port 0]

The first line on stdout is `PORT <n>` (flushed); everything else goes to
stderr.  The server exits by itself after --max-lifetime seconds or after
--max-requests requests, whichever comes first (and on SIGTERM/SIGINT).

See README.md beside this file for the scenario format and what the CLI sends.
"""

import argparse
import http.server
import json
import os
import re
import signal
import sys
import threading
import time
import uuid

LOOPBACK = "127.0.0.1"

# Request headers worth recording (lower-case). API keys are never recorded
# verbatim: only whether they were present and their length.
HEADERS_OF_INTEREST = (
    "anthropic-version", "anthropic-beta", "user-agent", "x-app",
    "content-type", "accept", "x-stainless-retry-count", "x-stainless-timeout",
    "x-stainless-lang", "x-stainless-package-version", "x-claude-code-session-id",
    "anthropic-dangerous-direct-browser-access", "x-client-request-id",
    "content-encoding",
)
SECRET_HEADERS = ("x-api-key", "authorization")

DEFAULT_USAGE = {
    "input_tokens": 100,
    "output_tokens": 20,
    "cache_creation_input_tokens": 0,
    "cache_read_input_tokens": 0,
}


def log(msg):
    sys.stderr.write("[mock-anthropic] %s\n" % msg)
    sys.stderr.flush()


# --------------------------------------------------------------------------
# Scenario
# --------------------------------------------------------------------------

class Scenario:
    """A list of turns consumed one per *main* request.

    Scenario file: either a JSON list of turns, or an object
        {"turns": [...], "after_last": "end" | "repeat_last" | <turn>,
         "cursor": "per_session" | "global", "main_requests": "with_tools" | "all",
         "side_reply": "text", "model": "id", "chunk_size": 40}
    Each turn may carry "repeat": N (or "forever") to be served N times.
    With "cursor": "per_session" (the default) every Claude Code session (the
    x-claude-code-session-id header) walks the turns on its own, so one server
    can serve many concurrent CLIs; `--resume` keeps the session id and so
    continues where that session stopped.
    """

    def __init__(self, data):
        if isinstance(data, list):
            data = {"turns": data}
        if not isinstance(data, dict) or not isinstance(data.get("turns"), list):
            raise ValueError("scenario must be a list of turns or an object with 'turns'")
        self.turns = []
        for i, t in enumerate(data["turns"]):
            if not isinstance(t, dict):
                raise ValueError("turn %d is not an object" % i)
            validate_turn(t, i)
            self.turns.append(t)
        after = data.get("after_last", "end")
        if isinstance(after, dict):
            validate_turn(after, "after_last")
        elif after not in ("end", "repeat_last"):
            raise ValueError("after_last must be 'end', 'repeat_last' or a turn object")
        self.after_last = after
        self.cursor_mode = data.get("cursor", "per_session")
        if self.cursor_mode not in ("per_session", "global"):
            raise ValueError("cursor must be 'per_session' or 'global'")
        self.main_requests = data.get("main_requests", "with_tools")
        if self.main_requests not in ("with_tools", "all"):
            raise ValueError("main_requests must be 'with_tools' or 'all'")
        self.side_reply = data.get("side_reply", "OK")
        self.model = data.get("model")
        self.chunk_size = int(data.get("chunk_size", 40))
        self.lock = threading.Lock()
        self.cursors = {}       # key -> [index into turns, times served]

    def next_turn(self, session):
        """Return (turn, label) for the next main request of `session`; thread-safe."""
        key = session if self.cursor_mode == "per_session" else "*"
        with self.lock:
            cur = self.cursors.setdefault(key, [0, 0])
            while cur[0] < len(self.turns):
                t = self.turns[cur[0]]
                rep = t.get("repeat", 1)
                if rep == "forever" or cur[1] < int(rep):
                    cur[1] += 1
                    return t, "turn[%d]#%d" % (cur[0], cur[1])
                cur[0] += 1
                cur[1] = 0
            if self.after_last == "repeat_last" and self.turns:
                return self.turns[-1], "turn[%d]+repeat" % (len(self.turns) - 1)
            if isinstance(self.after_last, dict):
                return self.after_last, "after_last"
            return ({"type": "text", "text": "(mock scenario exhausted)",
                     "usage": {"input_tokens": 10, "output_tokens": 5}},
                    "exhausted")


def validate_turn(t, where):
    kind = t.get("type")
    if kind not in ("text", "tool_use", "error", "content"):
        raise ValueError("turn %s: type must be text, tool_use, error or content" % where)
    if kind == "error" and not isinstance(t.get("status"), int):
        raise ValueError("turn %s: error turn needs an integer 'status'" % where)
    if kind == "tool_use" and not (t.get("name") or t.get("tools")):
        raise ValueError("turn %s: tool_use turn needs 'name' (+ 'input') or 'tools'" % where)
    if "expect" in t and not isinstance(t["expect"], dict):
        raise ValueError("turn %s: expect must be an object" % where)
    rep = t.get("repeat", 1)
    if rep != "forever" and (not isinstance(rep, int) or rep < 1):
        raise ValueError("turn %s: repeat must be a positive integer or 'forever'" % where)


# --------------------------------------------------------------------------
# Request inspection helpers
# --------------------------------------------------------------------------

def system_text(body):
    s = body.get("system")
    if isinstance(s, str):
        return s
    if isinstance(s, list):
        return "\n".join(b.get("text", "") for b in s if isinstance(b, dict))
    return ""


def find_cwd(body):
    """The CLI states its working directory in a <system-reminder> of the first
    user message (2.1.330: " - Primary working directory: /path"), older
    versions in the system prompt; find it for ${CWD} substitution."""
    texts = []
    for m in (body.get("messages") or [])[:3]:
        c = m.get("content") if isinstance(m, dict) else None
        if isinstance(c, str):
            texts.append(c)
        elif isinstance(c, list):
            texts.extend(b.get("text", "") for b in c if isinstance(b, dict))
    texts.append(system_text(body))
    for t in texts:
        m = re.search(r"(?:Primary working directory|Working directory):\s*(\S+)", t)
        if m:
            return m.group(1)
    return None


def session_of(headers, body):
    """The Claude Code session a request belongs to."""
    sid = headers.get("x-claude-code-session-id")
    if sid:
        return sid
    try:
        return json.loads(body["metadata"]["user_id"])["session_id"]
    except (KeyError, TypeError, ValueError):
        return "-"


def is_main_request(body):
    """Main-conversation requests are the ones that offer tools to the model.

    Side requests the CLI makes (title / topic generation, quota probes,
    summaries) carry no `tools`.  A request is main iff it has a non-empty
    `tools` list.  (Sub-agents started by the Task tool also offer tools and
    therefore also consume turns.)"""
    tools = body.get("tools")
    return isinstance(tools, list) and len(tools) > 0


def substitute(value, env):
    if isinstance(value, str):
        for k, v in env.items():
            value = value.replace("${%s}" % k, v)
        return value
    if isinstance(value, list):
        return [substitute(v, env) for v in value]
    if isinstance(value, dict):
        return {k: substitute(v, env) for k, v in value.items()}
    return value


def tool_results_in(body):
    """tool_result blocks in the last user message (for the log)."""
    msgs = body.get("messages") or []
    if not msgs:
        return []
    last = msgs[-1]
    out = []
    if isinstance(last.get("content"), list):
        for b in last["content"]:
            if isinstance(b, dict) and b.get("type") == "tool_result":
                c = b.get("content")
                if isinstance(c, list):
                    c = "\n".join(x.get("text", "") for x in c if isinstance(x, dict))
                out.append({"tool_use_id": b.get("tool_use_id"),
                            "is_error": bool(b.get("is_error", False)),
                            "content": (c or "")[:500]})
    return out


def check_expectation(expect, body):
    """What a turn's "expect" says the request it answers must contain:
    "tool_result_contains": text in a tool_result of the last user message;
    "tools_include": a tool name (or list) offered in "tools". The result is
    logged with the request ("expectation": {"met", "failures"}) for tests."""
    failures = []
    wanted = expect.get("tool_result_contains")
    if wanted is not None:
        texts = [r["content"] for r in tool_results_in(body)]
        if not any(wanted in t for t in texts):
            failures.append("no tool_result contains %r (got %r)" % (wanted, texts))
    names = expect.get("tools_include")
    if names is not None:
        offered = [t.get("name") for t in body.get("tools") or [] if isinstance(t, dict)]
        for name in ([names] if isinstance(names, str) else names):
            if name not in offered:
                failures.append("tool %r not offered (offered: %r)" % (name, offered))
    return {"met": not failures, "failures": failures}


# --------------------------------------------------------------------------
# Building responses
# --------------------------------------------------------------------------

def make_content(turn, env):
    """Content blocks (API shape) and stop_reason for a text/tool_use turn."""
    kind = turn["type"]
    blocks = []
    if kind == "content":
        for b in turn.get("content", []):
            b = dict(substitute(b, env))
            if b.get("type") == "tool_use":
                b.setdefault("id", "toolu_mock_" + uuid.uuid4().hex[:20])
                b.setdefault("input", {})
            blocks.append(b)
        stop = turn.get("stop_reason") or (
            "tool_use" if any(b.get("type") == "tool_use" for b in blocks) else "end_turn")
        return blocks, stop
    if turn.get("text"):
        blocks.append({"type": "text", "text": substitute(turn["text"], env)})
    if kind == "tool_use":
        tools = turn.get("tools") or [{"name": turn["name"], "input": turn.get("input", {})}]
        for t in tools:
            blocks.append({
                "type": "tool_use",
                "id": t.get("id") or "toolu_mock_" + uuid.uuid4().hex[:20],
                "name": t["name"],
                "input": substitute(t.get("input", {}), env),
            })
        return blocks, turn.get("stop_reason", "tool_use")
    if not blocks:
        blocks.append({"type": "text", "text": ""})
    return blocks, turn.get("stop_reason", "end_turn")


def full_usage(turn):
    u = dict(DEFAULT_USAGE)
    u.update(turn.get("usage") or {})
    return u


def message_object(model, blocks, stop_reason, usage, msg_id):
    return {
        "id": msg_id,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": blocks,
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": usage,
    }


def chunks(s, n):
    n = max(1, n)
    return [s[i:i + n] for i in range(0, len(s), n)] or [""]


def sse_events(model, blocks, stop_reason, usage, msg_id, chunk_size):
    """Yield (event_name, data_dict) in the order the real API streams them."""
    start_usage = {
        "input_tokens": usage["input_tokens"],
        "cache_creation_input_tokens": usage["cache_creation_input_tokens"],
        "cache_read_input_tokens": usage["cache_read_input_tokens"],
        "output_tokens": 1,
    }
    msg = message_object(model, [], None, start_usage, msg_id)
    yield "message_start", {"type": "message_start", "message": msg}
    yield "ping", {"type": "ping"}
    for i, b in enumerate(blocks):
        if b["type"] == "text":
            yield "content_block_start", {"type": "content_block_start", "index": i,
                                          "content_block": {"type": "text", "text": ""}}
            for piece in chunks(b["text"], chunk_size):
                yield "content_block_delta", {"type": "content_block_delta", "index": i,
                                              "delta": {"type": "text_delta", "text": piece}}
        elif b["type"] == "tool_use":
            yield "content_block_start", {"type": "content_block_start", "index": i,
                                          "content_block": {"type": "tool_use", "id": b["id"],
                                                            "name": b["name"], "input": {}}}
            js = json.dumps(b.get("input", {}))
            for piece in chunks(js, chunk_size):
                yield "content_block_delta", {"type": "content_block_delta", "index": i,
                                              "delta": {"type": "input_json_delta",
                                                        "partial_json": piece}}
        elif b["type"] == "thinking":
            yield "content_block_start", {"type": "content_block_start", "index": i,
                                          "content_block": {"type": "thinking", "thinking": "",
                                                            "signature": ""}}
            for piece in chunks(b.get("thinking", ""), chunk_size):
                yield "content_block_delta", {"type": "content_block_delta", "index": i,
                                              "delta": {"type": "thinking_delta",
                                                        "thinking": piece}}
            yield "content_block_delta", {"type": "content_block_delta", "index": i,
                                          "delta": {"type": "signature_delta",
                                                    "signature": b.get("signature", "mocksig")}}
        else:
            raise ValueError("cannot stream block type %r" % b["type"])
        yield "content_block_stop", {"type": "content_block_stop", "index": i}
    yield "message_delta", {"type": "message_delta",
                            "delta": {"stop_reason": stop_reason, "stop_sequence": None},
                            "usage": {
                                "input_tokens": usage["input_tokens"],
                                "cache_creation_input_tokens": usage["cache_creation_input_tokens"],
                                "cache_read_input_tokens": usage["cache_read_input_tokens"],
                                "output_tokens": usage["output_tokens"]}}
    yield "message_stop", {"type": "message_stop"}


ERROR_TYPES = {
    400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
    404: "not_found_error", 413: "request_too_large", 429: "rate_limit_error",
    500: "api_error", 529: "overloaded_error",
}


# --------------------------------------------------------------------------
# HTTP server
# --------------------------------------------------------------------------

class State:
    def __init__(self, scenario, log_path, max_requests, brief_log=False):
        self.brief_log = brief_log
        self.scenario = scenario
        self.log_path = log_path
        self.max_requests = max_requests
        self.lock = threading.Lock()
        self.seq = 0
        self.log_file = open(log_path, "a", encoding="utf-8") if log_path else None
        self.stop = threading.Event()

    def next_seq(self):
        with self.lock:
            self.seq += 1
            return self.seq

    def write_log(self, record):
        if not self.log_file:
            return
        line = json.dumps(record, ensure_ascii=False)
        with self.lock:
            self.log_file.write(line + "\n")
            self.log_file.flush()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "mock-anthropic/1"
    sys_version = ""

    def log_message(self, fmt, *args):  # quiet; we keep our own JSONL log
        pass

    # -- plumbing ---------------------------------------------------------

    @property
    def state(self):
        return self.server.state

    def read_body(self):
        n = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(n) if n > 0 else b""
        if self.headers.get("content-encoding", "").lower() == "gzip" and raw:
            import gzip
            raw = gzip.decompress(raw)
        if not raw:
            return raw, None
        try:
            return raw, json.loads(raw)
        except ValueError:
            return raw, None

    def send_json(self, status, obj, extra_headers=None):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.send_header("request-id", "req_mock_" + uuid.uuid4().hex[:16])
        for k, v in (extra_headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def write_chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def record(self, seq, raw, body, kind, extra):
        hdrs = {}
        for k in HEADERS_OF_INTEREST:
            v = self.headers.get(k)
            if v is not None:
                hdrs[k] = v
        for k in SECRET_HEADERS:
            v = self.headers.get(k)
            if v is not None:
                hdrs[k] = "<redacted %d chars>" % len(v)
        rec = {
            "seq": seq,
            "time": round(time.time(), 3),
            "method": self.command,
            "path": self.path,
            "kind": kind,
            "headers": hdrs,
        }
        rec.update(extra)
        if body is not None:
            if self.state.brief_log and isinstance(body, dict):
                body = dict(body)
                if "system" in body:
                    body["system"] = "<%d chars>" % len(system_text(body))
                if isinstance(body.get("tools"), list):
                    body["tools"] = [t.get("name") for t in body["tools"] if isinstance(t, dict)]
            rec["body"] = body
        elif raw:
            rec["raw_body"] = raw[:10000].decode("utf-8", "replace")
        self.state.write_log(rec)

    def count_and_maybe_stop(self):
        seq = self.state.next_seq()
        if self.state.max_requests and seq == self.state.max_requests:
            log("max requests (%d) reached; stopping" % self.state.max_requests)
            self.state.stop.set()
        return seq

    # -- verbs ------------------------------------------------------------

    def do_GET(self):
        seq = self.count_and_maybe_stop()
        path = self.path.split("?", 1)[0]
        self.record(seq, b"", None, "get", {})
        if path in ("/", "/health", "/v1"):
            self.send_json(200, {"ok": True})
        elif path.startswith("/v1/models"):
            model = self.state.scenario.model or "claude-sonnet-4-5-20250929"
            self.send_json(200, {"data": [{"type": "model", "id": model,
                                           "display_name": model,
                                           "created_at": "2025-01-01T00:00:00Z"}],
                                 "has_more": False, "first_id": model, "last_id": model})
        else:
            self.send_json(404, {"type": "error", "error": {"type": "not_found_error",
                                                            "message": "mock: no " + path}})

    def do_HEAD(self):
        seq = self.count_and_maybe_stop()
        self.record(seq, b"", None, "head", {})
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def do_POST(self):
        seq = self.count_and_maybe_stop()
        path = self.path.split("?", 1)[0]
        raw, body = self.read_body()
        if path == "/v1/messages/count_tokens":
            n = max(1, len(raw) // 4)
            self.record(seq, raw, body, "count_tokens", {"response": {"status": 200, "input_tokens": n}})
            self.send_json(200, {"input_tokens": n})
            return
        if path != "/v1/messages" or not isinstance(body, dict):
            self.record(seq, raw, body, "unknown", {"response": {"status": 404}})
            self.send_json(404, {"type": "error", "error": {"type": "not_found_error",
                                                            "message": "mock: no POST " + path}})
            return
        sc = self.state.scenario
        model = body.get("model") or sc.model or "claude-sonnet-4-5-20250929"
        stream = bool(body.get("stream"))
        main = sc.main_requests == "all" or is_main_request(body)
        session = session_of(self.headers, body)
        env = {"CWD": find_cwd(body) or os.getcwd(), "SESSION_ID": session}
        if main:
            turn, label = sc.next_turn(session)
        else:
            turn, label = {"type": "text", "text": sc.side_reply,
                           "usage": {"input_tokens": 10, "output_tokens": 2}}, "side"
        info = {"stream": stream, "model": model, "session": session, "turn": label,
                "tool_results": tool_results_in(body), "cwd": env["CWD"]}
        if main and isinstance(turn.get("expect"), dict):
            info["expectation"] = check_expectation(turn["expect"], body)
            if not info["expectation"]["met"]:
                log("expectation of %s unmet: %s" % (label, info["expectation"]["failures"]))

        if turn["type"] == "error":
            status = turn["status"]
            headers = {}
            if turn.get("retry_after") is not None:
                headers["retry-after"] = str(turn["retry_after"])
            if turn.get("retry_after_ms") is not None:
                headers["retry-after-ms"] = str(turn["retry_after_ms"])
            if turn.get("should_retry") is not None:
                headers["x-should-retry"] = "true" if turn["should_retry"] else "false"
            headers.update(turn.get("headers") or {})
            etype = turn.get("error_type") or ERROR_TYPES.get(status, "api_error")
            info["response"] = {"status": status, "error_type": etype}
            self.record(seq, raw, body, "main" if main else "side", info)
            delay = float(turn.get("delay_before_ms", 0)) / 1000.0
            if delay:
                time.sleep(delay)
            self.send_json(status, {"type": "error", "error": {
                "type": etype, "message": turn.get("message", "mock %d" % status)}}, headers)
            return

        before = float(turn.get("delay_before_ms", 0)) / 1000.0
        if before:
            time.sleep(before)
        blocks, stop_reason = make_content(turn, env)
        usage = full_usage(turn)
        msg_id = "msg_mock_" + uuid.uuid4().hex[:20]
        info["response"] = {"status": 200, "stop_reason": stop_reason, "usage": usage,
                            "content": blocks}
        self.record(seq, raw, body, "main" if main else "side", info)

        if not stream:
            self.send_json(200, message_object(model, blocks, stop_reason, usage, msg_id))
            return

        delay = float(turn.get("delay_ms", 0)) / 1000.0
        self.send_response(200)
        self.send_header("content-type", "text/event-stream; charset=utf-8")
        self.send_header("cache-control", "no-cache")
        self.send_header("transfer-encoding", "chunked")
        self.send_header("request-id", "req_mock_" + uuid.uuid4().hex[:16])
        self.end_headers()
        try:
            for name, data in sse_events(model, blocks, stop_reason, usage, msg_id,
                                         int(turn.get("chunk_size", sc.chunk_size))):
                self.write_chunk(("event: %s\ndata: %s\n\n" % (name, json.dumps(data))).encode())
                if delay:
                    time.sleep(delay)
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            log("client went away during stream (seq %d)" % seq)
            self.close_connection = True


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scenario", required=True, help="JSON scenario file")
    ap.add_argument("--log", help="append one JSON line per request to this file")
    ap.add_argument("--brief-log", action="store_true",
                    help="log `system` as its length and `tools` as their names (bodies are ~90 KB otherwise)")
    ap.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default 0: ephemeral)")
    ap.add_argument("--max-requests", type=int, default=500,
                    help="stop after this many requests (default 500; 0 = no limit)")
    ap.add_argument("--max-lifetime", type=float, default=300.0,
                    help="stop after this many seconds (default 300)")
    args = ap.parse_args()

    try:
        with open(args.scenario, encoding="utf-8") as f:
            scenario = Scenario(json.load(f))
    except (OSError, ValueError) as e:
        log("bad scenario %s: %s" % (args.scenario, e))
        return 2

    httpd = Server((LOOPBACK, args.port), Handler)
    httpd.state = State(scenario, args.log, args.max_requests, args.brief_log)
    port = httpd.server_address[1]
    sys.stdout.write("PORT %d\n" % port)
    sys.stdout.flush()
    log("listening on http://%s:%d (max %d requests, %.0f s)"
        % (LOOPBACK, port, args.max_requests, args.max_lifetime))

    def on_signal(signum, frame):
        httpd.state.stop.set()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    t = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    t.start()
    deadline = time.monotonic() + args.max_lifetime
    while not httpd.state.stop.is_set() and time.monotonic() < deadline:
        httpd.state.stop.wait(0.2)
    if not httpd.state.stop.is_set():
        log("max lifetime (%.0f s) reached; stopping" % args.max_lifetime)
    # Give an in-flight response (e.g. the request that hit max-requests) a moment.
    time.sleep(0.2)
    httpd.shutdown()
    httpd.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
