#!/usr/bin/env python3
"""A fake of the parts of GitHub's REST API that git-kanbots uses (issues,
labels, pull requests), for tests.  Python 3 standard library only; listens
on 127.0.0.1 only; state lives in memory.

Usage:
    server.py --repo OWNER/NAME [--repo ...] --token TOKEN [--token ...]
              [--max-per-page N] [--max-lifetime SECONDS]

The first line on stdout is `PORT <n>`.  Test-only endpoints (no auth):
    GET  /_state     everything: repos (issues, labels, pulls) and the request log
    POST /_control   JSON with any of:
        {"seed": {"repo": "o/n", "issues": [{"number", "title", "body", "state", "labels"}],
                  "labels": ["name", ...]}}
        {"fail": {"status": 401|403|404|422|500, "times": 1, "method": "GET",
                  "path": "/repos/o/n/issues", "rate_limit_reset": 1795000000}}
        {"merge": {"repo": "o/n", "number": 3}}       marks a pull request merged
        {"close": {"repo": "o/n", "number": 3}}       closes it without merging
        {"remote": "/path/to/bare.git"}   pull requests need their head branch there
See README.md beside this file.
"""

import argparse
import http.server
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.parse

LOOPBACK = "127.0.0.1"


class State:
    def __init__(self, repos, tokens, max_per_page):
        self.lock = threading.Lock()
        self.tokens = set(tokens)
        self.max_per_page = max_per_page
        self.repos = {r: {"issues": {}, "labels": {}, "pulls": {}} for r in repos}
        self.failures = []
        self.requests = []
        self.remote = None

    def next_number(self, repo):
        r = self.repos[repo]
        return max([0] + list(r["issues"]) + list(r["pulls"])) + 1

    def dump(self):
        out = {"repos": {}, "requests": self.requests}
        for name, r in self.repos.items():
            out["repos"][name] = {
                "issues": [r["issues"][n] for n in sorted(r["issues"])],
                "labels": sorted(r["labels"].values(), key=lambda l: l["name"]),
                "pulls": [r["pulls"][n] for n in sorted(r["pulls"])],
            }
        return out


def label_object(name, color="ededed", description=""):
    return {"name": name, "color": color, "description": description}


def issue_object(port, repo, number, title, body="", state="open", labels=()):
    return {
        "number": number, "title": title, "body": body, "state": state,
        "labels": [label_object(l) for l in labels],
        "html_url": "http://%s:%d/%s/issues/%d" % (LOOPBACK, port, repo, number),
    }


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-github/1"

    def log_message(self, fmt, *args):
        sys.stderr.write("[fake-github] " + (fmt % args) + "\n")

    # ---- plumbing -------------------------------------------------------

    def reply(self, status, body=None, headers=None):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def read_json(self):
        length = int(self.headers.get("Content-Length") or 0)
        if not length:
            return {}
        return json.loads(self.rfile.read(length).decode())

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PATCH(self):
        self.handle_any("PATCH")

    def do_DELETE(self):
        self.handle_any("DELETE")

    def handle_any(self, method):
        state = self.server.state
        url = urllib.parse.urlsplit(self.path)
        path = urllib.parse.unquote(url.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        try:
            body = self.read_json()
        except ValueError:
            return self.reply(400, {"message": "Problems parsing JSON"})
        if path.startswith("/_"):
            return self.control(method, path, body)
        with state.lock:
            state.requests.append({
                "method": method, "path": path, "query": query, "body": body,
                "auth": self.headers.get("Authorization", ""),
                "accept": self.headers.get("Accept", ""),
            })
            auth = self.headers.get("Authorization", "")
            token = auth.split(" ", 1)[1] if " " in auth else ""
            if token not in state.tokens:
                return self.reply(401, {"message": "Bad credentials"})
            for failure in state.failures:
                if failure.get("times", 1) <= 0:
                    continue
                if failure.get("method", method) != method or not path.startswith(failure.get("path", "")):
                    continue
                failure["times"] = failure.get("times", 1) - 1
                return self.scripted_failure(failure)
            match = re.match(r"^/repos/([^/]+)/([^/]+)(/.*)?$", path)
            if not match or "%s/%s" % (match.group(1), match.group(2)) not in state.repos:
                return self.reply(404, {"message": "Not Found"})
            repo = "%s/%s" % (match.group(1), match.group(2))
            return self.route(method, repo, match.group(3) or "", query, body)

    def scripted_failure(self, failure):
        status = failure["status"]
        if status == 403 and "rate_limit_reset" in failure:
            return self.reply(403, {"message": "API rate limit exceeded for user ID 1."}, {
                "X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": str(failure["rate_limit_reset"]),
            })
        messages = {401: "Bad credentials", 403: "Resource not accessible by integration", 404: "Not Found",
                    422: "Validation Failed"}
        body = {"message": failure.get("message", messages.get(status, "Server Error"))}
        if status == 422:
            body["errors"] = [{"resource": "Issue", "code": "invalid", "field": "labels",
                               "message": failure.get("detail", "scripted failure")}]
        return self.reply(status, body)

    def control(self, method, path, body):
        state = self.server.state
        with state.lock:
            if path == "/_state" and method == "GET":
                return self.reply(200, state.dump())
            if path != "/_control" or method != "POST":
                return self.reply(404, {"message": "no such control endpoint"})
            port = self.server.server_address[1]
            if "seed" in body:
                seed = body["seed"]
                repo = state.repos[seed["repo"]]
                for name in seed.get("labels", []):
                    repo["labels"][name] = label_object(name)
                for issue in seed.get("issues", []):
                    for name in issue.get("labels", []):
                        repo["labels"].setdefault(name, label_object(name))
                    repo["issues"][issue["number"]] = issue_object(
                        port, seed["repo"], issue["number"], issue["title"], issue.get("body", ""),
                        issue.get("state", "open"), issue.get("labels", []))
            if "fail" in body:
                state.failures.append(dict(body["fail"]))
            for key in ("merge", "close"):
                if key in body:
                    pull = state.repos[body[key]["repo"]]["pulls"][body[key]["number"]]
                    pull["state"] = "closed"
                    if key == "merge":
                        pull["merged"] = True
                        pull["merged_at"] = "2026-11-23T12:00:00Z"
                        pull["merge_commit_sha"] = "f" * 40
            if "remote" in body:
                state.remote = body["remote"]
            return self.reply(200, {"ok": True})

    # ---- the API --------------------------------------------------------

    def route(self, method, repo, rest, query, body):
        state = self.server.state
        r = state.repos[repo]
        port = self.server.server_address[1]
        if rest == "/issues" and method == "GET":
            wanted = query.get("state", "open")
            items = [dict(i) for _, i in sorted(r["issues"].items())
                     if wanted == "all" or i["state"] == wanted]
            if query.get("labels"):
                need = set(query["labels"].split(","))
                items = [i for i in items if need <= {l["name"] for l in i["labels"]}]
            for pull in r["pulls"].values():  # GitHub lists pull requests as issues too
                if wanted in ("all", pull["state"]):
                    items.append({"number": pull["number"], "title": pull["title"], "body": pull["body"],
                                  "state": pull["state"], "labels": [], "html_url": pull["html_url"],
                                  "pull_request": {"url": pull["html_url"]}})
            return self.paged(items, query, "/repos/%s/issues" % repo)
        m = re.match(r"^/issues/(\d+)$", rest)
        if m and method == "GET":
            issue = r["issues"].get(int(m.group(1)))
            return self.reply(200, issue) if issue else self.reply(404, {"message": "Not Found"})
        m = re.match(r"^/issues/(\d+)/labels$", rest)
        if m and method == "POST":
            issue = r["issues"].get(int(m.group(1)))
            if not issue:
                return self.reply(404, {"message": "Not Found"})
            names = body.get("labels", [])
            missing = [n for n in names if n not in r["labels"]]
            if missing:  # stricter than GitHub, so a client that forgets to create labels is caught
                return self.reply(422, {"message": "Validation Failed",
                                        "errors": [{"message": "label %s does not exist" % n} for n in missing]})
            have = [l["name"] for l in issue["labels"]]
            for n in names:
                if n not in have:
                    issue["labels"].append(r["labels"][n])
            return self.reply(200, issue["labels"])
        m = re.match(r"^/issues/(\d+)/labels/(.+)$", rest)
        if m and method == "DELETE":
            issue = r["issues"].get(int(m.group(1)))
            name = m.group(2)
            if not issue or name not in [l["name"] for l in issue["labels"]]:
                return self.reply(404, {"message": "Label does not exist"})
            issue["labels"] = [l for l in issue["labels"] if l["name"] != name]
            return self.reply(200, issue["labels"])
        m = re.match(r"^/labels/(.+)$", rest)
        if m and method == "GET":
            label = r["labels"].get(m.group(1))
            return self.reply(200, label) if label else self.reply(404, {"message": "Not Found"})
        if rest == "/labels" and method == "POST":
            name = body.get("name", "")
            if name in r["labels"]:
                return self.reply(422, {"message": "Validation Failed",
                                        "errors": [{"resource": "Label", "code": "already_exists", "field": "name"}]})
            r["labels"][name] = label_object(name, body.get("color", "ededed"), body.get("description", ""))
            return self.reply(201, r["labels"][name])
        if rest == "/pulls" and method == "GET":
            items = list(r["pulls"][n] for n in sorted(r["pulls"]))
            wanted = query.get("state", "open")
            items = [p for p in items if wanted == "all" or p["state"] == wanted]
            if query.get("head"):
                owner, _, branch = query["head"].partition(":")
                items = [p for p in items if p["head"]["ref"] == branch and repo.startswith(owner + "/")]
            return self.paged(items, query, "/repos/%s/pulls" % repo)
        if rest == "/pulls" and method == "POST":
            head, base = body.get("head", ""), body.get("base", "")
            if not head or not base or not body.get("title"):
                return self.reply(422, {"message": "Validation Failed",
                                        "errors": [{"resource": "PullRequest", "code": "missing_field"}]})
            if state.remote and not self.remote_has(state.remote, head):
                return self.reply(422, {"message": "Validation Failed",
                                        "errors": [{"resource": "PullRequest", "field": "head", "code": "invalid"}]})
            for p in r["pulls"].values():
                if p["head"]["ref"] == head and p["base"]["ref"] == base and p["state"] == "open":
                    return self.reply(422, {"message": "Validation Failed", "errors": [
                        {"message": "A pull request already exists for %s:%s." % (repo.split("/")[0], head)}]})
            number = state.next_number(repo)
            pull = {"number": number, "title": body["title"], "body": body.get("body", ""), "state": "open",
                    "draft": bool(body.get("draft", False)), "merged": False, "merged_at": None,
                    "merge_commit_sha": None, "head": {"ref": head}, "base": {"ref": base},
                    "html_url": "http://%s:%d/%s/pull/%d" % (LOOPBACK, port, repo, number)}
            r["pulls"][number] = pull
            return self.reply(201, pull)
        m = re.match(r"^/pulls/(\d+)$", rest)
        if m:
            pull = r["pulls"].get(int(m.group(1)))
            if not pull:
                return self.reply(404, {"message": "Not Found"})
            if method == "PATCH":
                for key in ("title", "body", "state", "base"):
                    if key in body:
                        pull[key] = body[key] if key != "base" else {"ref": body[key]}
            return self.reply(200, pull)
        return self.reply(404, {"message": "Not Found"})

    def paged(self, items, query, path):
        per_page = min(int(query.get("per_page", 30)), 100, self.server.state.max_per_page)
        page = int(query.get("page", 1))
        chunk = items[(page - 1) * per_page: page * per_page]
        headers = {}
        if page * per_page < len(items):
            next_query = dict(query, page=str(page + 1))
            headers["Link"] = '<http://%s:%d%s?%s>; rel="next"' % (
                LOOPBACK, self.server.server_address[1], path, urllib.parse.urlencode(next_query))
        return self.reply(200, chunk, headers)

    @staticmethod
    def remote_has(remote, branch):
        result = subprocess.run(["git", "--git-dir", remote, "rev-parse", "--verify", "-q", "refs/heads/" + branch],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return result.returncode == 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repo", action="append", default=[])
    parser.add_argument("--token", action="append", default=[])
    parser.add_argument("--max-per-page", type=int, default=100)
    parser.add_argument("--max-lifetime", type=float, default=300)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    server = http.server.ThreadingHTTPServer((LOOPBACK, args.port), Handler)
    server.daemon_threads = True
    server.state = State(args.repo, args.token, args.max_per_page)
    sys.stdout.write("PORT %d\n" % server.server_address[1])
    sys.stdout.flush()
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    threading.Timer(args.max_lifetime, lambda: os._exit(0)).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
