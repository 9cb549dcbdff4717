#!/usr/bin/env python3
"""A scripted mock of an OpenAI-compatible chat API (standard library only).

    server.py --scenario FILE [--log FILE] [--max-lifetime 300]

Binds 127.0.0.1 on an ephemeral port and prints `PORT <n>` first. Serves
POST /v1/chat/completions: the Nth request gets the scenario's Nth turn
(the last one repeats), streamed as server-sent events when the request
says "stream": true (content deltas, then a chunk with `usage`, then
[DONE]), else as one JSON body. GET /v1/models lists the scenario's model.

Scenario: {"model": "mock-model", "turns": [{"text": "...",
"usage": {"prompt_tokens": N, "completion_tokens": M}}]}. `${CWD}` is not
needed: the text is sent as is. Each request is logged as one JSON line.
"""
import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

parser = argparse.ArgumentParser()
parser.add_argument("--scenario", required=True)
parser.add_argument("--log")
parser.add_argument("--max-lifetime", type=float, default=300)
args = parser.parse_args()
with open(args.scenario) as handle:
    scenario = json.load(handle)
turns = scenario["turns"]
model = scenario.get("model", "mock-model")
lock = threading.Lock()
served = [0]


def log(entry):
    if args.log:
        with lock, open(args.log, "a") as handle:
            handle.write(json.dumps(entry) + "\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *rest):
        pass

    def send_json(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path.rstrip("/").endswith("/models"):
            return self.send_json(200, {"object": "list", "data": [{"id": model, "object": "model"}]})
        self.send_json(404, {"error": {"message": "not found: " + self.path}})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        if not self.path.rstrip("/").endswith("/chat/completions"):
            return self.send_json(404, {"error": {"message": "not found: " + self.path}})
        with lock:
            index = served[0]
            served[0] += 1
        turn = turns[min(index, len(turns) - 1)]
        log({"path": self.path, "model": body.get("model"), "stream": body.get("stream", False),
             "messages": len(body.get("messages", [])), "turn": index})
        usage = dict(turn.get("usage", {"prompt_tokens": 100, "completion_tokens": 20}))
        usage["total_tokens"] = usage.get("prompt_tokens", 0) + usage.get("completion_tokens", 0)
        ident = "chatcmpl-mock-%d" % index
        created = int(time.time())
        if not body.get("stream"):
            return self.send_json(200, {
                "id": ident, "object": "chat.completion", "created": created, "model": body.get("model", model),
                "choices": [{"index": 0, "message": {"role": "assistant", "content": turn["text"]},
                             "finish_reason": "stop"}],
                "usage": usage})
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()

        def event(payload):
            self.wfile.write(b"data: " + json.dumps(payload).encode() + b"\n\n")
            self.wfile.flush()

        def chunk(delta, finish=None, with_usage=None):
            payload = {"id": ident, "object": "chat.completion.chunk", "created": created,
                       "model": body.get("model", model),
                       "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
            if with_usage is not None:
                payload["choices"] = []
                payload["usage"] = with_usage
            event(payload)

        chunk({"role": "assistant", "content": ""})
        text = turn["text"]
        for start in range(0, len(text), 40):
            chunk({"content": text[start:start + 40]})
        chunk({}, finish="stop")
        chunk({}, with_usage=usage)
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()
        self.close_connection = True


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print("PORT %d" % server.server_address[1], flush=True)
threading.Timer(args.max_lifetime, server.shutdown).start()
try:
    server.serve_forever()
except KeyboardInterrupt:
    pass
sys.exit(0)
