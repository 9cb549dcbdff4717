#!/usr/bin/env python3
"""Scripted mock of the OpenAI Responses API, for running the real Codex CLI
offline in tests.  Python 3 standard library only.  Loopback only.

Usage:
    responses-server.py --scenario SCENARIO.json [--log REQUESTS.jsonl]
              [--max-requests 500] [--max-lifetime 300] [--port 0]

The first line on stdout is `PORT <n>` (flushed); everything else goes to
stderr.  The server exits by itself after --max-lifetime seconds or after
--max-requests requests, and on SIGTERM/SIGINT.

See README.md beside this file for the scenario format.
"""

import argparse
import http.server
import json
import signal
import sys
import threading
import time
import uuid

LOOPBACK = "127.0.0.1"
DEFAULT_USAGE = {"input_tokens": 100, "cached_input_tokens": 0, "output_tokens": 20, "reasoning_tokens": 0}
TURN_TYPES = ("text", "exec", "function_call", "error")


def log(msg):
    sys.stderr.write("[mock-openai] %s\n" % msg)
    sys.stderr.flush()


class Scenario:
    """Turns consumed one per `POST /v1/responses`, per conversation (the
    `session_id` header Codex sends, which `codex exec resume` keeps)."""

    def __init__(self, data):
        if isinstance(data, list):
            data = {"turns": data}
        if not isinstance(data, dict) or not isinstance(data.get("turns"), list):
            raise ValueError("scenario must be a list of turns or an object with 'turns'")
        for i, turn in enumerate(data["turns"]):
            if not isinstance(turn, dict) or turn.get("type") not in TURN_TYPES:
                raise ValueError("turn %d: 'type' must be one of %s" % (i, ", ".join(TURN_TYPES)))
        self.turns = data["turns"]
        self.after_last = data.get("after_last", "end")
        self.lock = threading.Lock()
        self.cursors = {}

    def next_turn(self, conversation):
        with self.lock:
            cursor = self.cursors.setdefault(conversation, [0, 0])
            while cursor[0] < len(self.turns):
                turn = self.turns[cursor[0]]
                repeat = turn.get("repeat", 1)
                if repeat == "forever" or cursor[1] < int(repeat):
                    cursor[1] += 1
                    return turn, "turn[%d]#%d" % (cursor[0], cursor[1])
                cursor[0] += 1
                cursor[1] = 0
            if self.after_last == "repeat_last" and self.turns:
                return self.turns[-1], "turn[%d]+repeat" % (len(self.turns) - 1)
            return {"type": "text", "text": "(mock scenario exhausted)",
                    "usage": {"input_tokens": 10, "output_tokens": 5}}, "exhausted"


def find_cwd(body):
    """The working directory Codex states in its environment context."""
    text = json.dumps(body.get("input", []))
    for marker in ("<cwd>", "cwd>"):
        start = text.find(marker)
        if start >= 0:
            start += len(marker)
            end = text.find("<", start)
            if end > start:
                return text[start:end]
    return None


def function_outputs(body):
    """The outputs of tool calls sent back in this request, newest last."""
    outputs = []
    for item in body.get("input", []) or []:
        if isinstance(item, dict) and item.get("type") in ("function_call_output", "custom_tool_call_output"):
            output = item.get("output")
            outputs.append(output if isinstance(output, str) else json.dumps(output))
    return outputs


def substitute(value, cwd):
    if isinstance(value, str):
        return value.replace("${CWD}", cwd or ".")
    if isinstance(value, dict):
        return {k: substitute(v, cwd) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, cwd) for v in value]
    return value


def output_items(turn, cwd):
    """The items one turn produces: an optional message, then tool calls."""
    items = []
    text = turn.get("text")
    if text:
        items.append({"type": "message", "id": "msg_" + uuid.uuid4().hex[:12], "role": "assistant",
                      "status": "completed",
                      "content": [{"type": "output_text", "text": substitute(text, cwd), "annotations": []}]})
    calls = []
    if turn["type"] == "exec":
        calls.append(("exec_command", {"cmd": turn["cmd"], "yield_time_ms": turn.get("yield_time_ms", 10000)}))
    elif turn["type"] == "function_call":
        calls.append((turn["name"], turn.get("arguments", {})))
    for name, arguments in calls:
        item = {"type": "function_call", "id": "fc_" + uuid.uuid4().hex[:12], "status": "completed",
                "call_id": "call_" + uuid.uuid4().hex[:12], "name": name,
                "arguments": json.dumps(substitute(arguments, cwd))}
        if turn.get("namespace"):
            item["namespace"] = turn["namespace"]  # an MCP server's tools: {"type": "namespace", "name": "mcp__<server>"}
        items.append(item)
    return items


def usage_object(turn):
    usage = dict(DEFAULT_USAGE)
    usage.update(turn.get("usage") or {})
    return {"input_tokens": usage["input_tokens"],
            "input_tokens_details": {"cached_tokens": usage["cached_input_tokens"]},
            "output_tokens": usage["output_tokens"],
            "output_tokens_details": {"reasoning_tokens": usage["reasoning_tokens"]},
            "total_tokens": usage["input_tokens"] + usage["output_tokens"]}


def sse_events(response_id, model, items, usage):
    base = {"id": response_id, "object": "response", "model": model, "created_at": int(time.time())}
    yield "response.created", {"type": "response.created", "response": dict(base, status="in_progress")}
    for index, item in enumerate(items):
        yield "response.output_item.added", {"type": "response.output_item.added", "output_index": index,
                                             "item": dict(item, status="in_progress")}
        if item["type"] == "message":
            text = item["content"][0]["text"]
            for start in range(0, len(text), 40):
                yield "response.output_text.delta", {"type": "response.output_text.delta", "output_index": index,
                                                     "item_id": item["id"], "content_index": 0,
                                                     "delta": text[start:start + 40]}
        yield "response.output_item.done", {"type": "response.output_item.done", "output_index": index,
                                            "item": item}
    yield "response.completed", {"type": "response.completed",
                                 "response": dict(base, status="completed", output=items, usage=usage)}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def send_json(self, status, obj, headers=None):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def record(self, entry):
        server = self.server
        with server.log_lock:
            server.seq += 1
            entry = dict({"seq": server.seq, "time": round(time.time(), 3), "method": self.command,
                          "path": self.path}, **entry)
            if server.log_path:
                with open(server.log_path, "a", encoding="utf-8") as f:
                    f.write(json.dumps(entry) + "\n")
            if server.max_requests and server.seq >= server.max_requests:
                log("max requests (%d) reached; stopping" % server.max_requests)
                server.stop.set()

    def do_GET(self):
        self.record({"kind": "get"})
        if self.path.split("?")[0].startswith("/v1/models"):
            self.send_json(200, {"object": "list", "data": [], "models": []})
        else:
            self.send_json(200, {"ok": True})

    def do_POST(self):
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = None
        path = self.path.split("?", 1)[0]
        if path != "/v1/responses" or not isinstance(body, dict):
            self.record({"kind": "unknown"})
            self.send_json(404, {"error": {"type": "invalid_request_error", "message": "mock: no POST " + path}})
            return
        conversation = (self.headers.get("session_id") or self.headers.get("conversation_id")
                        or body.get("prompt_cache_key") or "*")
        turn, label = self.server.scenario.next_turn(conversation)
        cwd = find_cwd(body)
        outputs = function_outputs(body)
        entry = {"kind": "responses", "turn": label, "conversation": conversation, "model": body.get("model"),
                 "cwd": cwd, "tools": [t.get("name") or t.get("type") for t in body.get("tools", [])
                                       if isinstance(t, dict)],
                 "function_outputs": outputs,
                 "authorization": "<%d chars>" % len(self.headers.get("authorization") or "")}
        expect = turn.get("expect") or {}
        if "output_contains" in expect:
            entry["expectation_met"] = any(expect["output_contains"] in o for o in outputs[-1:])
        if turn["type"] == "error":
            status = int(turn.get("status", 500))
            headers = {"retry-after": str(turn["retry_after"])} if turn.get("retry_after") is not None else {}
            entry["response"] = {"status": status}
            self.record(entry)
            self.send_json(status, {"error": {"type": turn.get("error_type", "rate_limit_exceeded"),
                                              "code": turn.get("code"), "message": turn.get("message", "mock %d" % status)}},
                           headers)
            return
        items = output_items(turn, cwd)
        usage = usage_object(turn)
        entry["response"] = {"status": 200, "items": items, "usage": usage}
        self.record(entry)
        time.sleep(float(turn.get("delay_before_ms", 0)) / 1000)
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("cache-control", "no-cache")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        delay = float(turn.get("delay_ms", 0)) / 1000
        try:
            response_id = "resp_" + uuid.uuid4().hex[:16]
            for name, data in sse_events(response_id, body.get("model") or "gpt-5", items, usage):
                chunk = ("event: %s\ndata: %s\n\n" % (name, json.dumps(data))).encode()
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.flush()
                if delay:
                    time.sleep(delay)
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            log("client went away during the stream (%s)" % label)
            self.close_connection = True


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scenario", required=True)
    parser.add_argument("--log")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--max-requests", type=int, default=500)
    parser.add_argument("--max-lifetime", type=float, default=300.0)
    args = parser.parse_args()
    try:
        with open(args.scenario, encoding="utf-8") as f:
            scenario = Scenario(json.load(f))
    except (OSError, ValueError) as error:
        log("bad scenario %s: %s" % (args.scenario, error))
        return 2
    httpd = Server((LOOPBACK, args.port), Handler)
    httpd.scenario, httpd.log_path, httpd.max_requests = scenario, args.log, args.max_requests
    httpd.seq, httpd.log_lock, httpd.stop = 0, threading.Lock(), threading.Event()
    sys.stdout.write("PORT %d\n" % httpd.server_address[1])
    sys.stdout.flush()
    signal.signal(signal.SIGTERM, lambda *_: httpd.stop.set())
    signal.signal(signal.SIGINT, lambda *_: httpd.stop.set())
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    httpd.stop.wait(args.max_lifetime)
    time.sleep(0.2)
    httpd.shutdown()
    httpd.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
