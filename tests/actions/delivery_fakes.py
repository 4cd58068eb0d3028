"""Local HTTP servers for the delivery tests (real HTTP on 127.0.0.1): Jira, ServiceNow, webhooks, a
scripted flaky endpoint, a fake OpenAI-compatible endpoint; plus a findings fixture warehouse."""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import urllib.parse
from collections.abc import Callable
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import duckdb

from ml.findings import Finding, to_frame

Reply = tuple[int, Any, dict[str, str]]


class LocalServer:
    """A threaded HTTP server calling ``route(method, path, body, headers)``; records every request."""

    def __init__(self, route: Callable[[str, str, Any, dict[str, str]], Reply]):
        self.route = route
        self.requests: list[dict[str, Any]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _do(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                headers = {k: v for k, v in self.headers.items()}
                server.requests.append(
                    {"method": self.command, "path": self.path, "body": body, "raw": raw.decode(), "headers": headers,
                     "at": time.monotonic()}
                )  # fmt: skip
                status, out, extra = server.route(self.command, self.path, body, headers)
                data = b"" if out is None else (out if isinstance(out, bytes) else json.dumps(out).encode())
                self.send_response(status)
                for k, v in extra.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = _do

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> LocalServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def scripted(replies: list[Reply], then: Reply = (200, {"ok": True}, {})) -> Callable[..., Reply]:
    """A route answering ``replies`` in order, then ``then`` for ever (sleeping replies: status 0 = hang)."""
    queue = list(replies)

    def route(method: str, path: str, body: Any, headers: dict) -> Reply:
        reply = queue.pop(0) if queue else then
        if reply[0] == 0:  # simulate a hung upstream: sleep, then answer 200 too late
            time.sleep(float(reply[1]))
            return 200, {"late": True}, {}
        return reply

    return route


class FakeJira:
    """Just enough of Jira REST v2: create, update, label search; checks Basic auth."""

    def __init__(self, user: str, token: str):
        self.auth = "Basic " + base64.b64encode(f"{user}:{token}".encode()).decode()
        self.issues: dict[str, dict] = {}

    def __call__(self, method: str, path: str, body: Any, headers: dict) -> Reply:
        if headers.get("Authorization") != self.auth:
            return 401, {"errorMessages": ["unauthorized"]}, {}
        if method == "POST" and path == "/rest/api/2/issue":
            key = f"FIN-{len(self.issues) + 1}"
            self.issues[key] = body["fields"]
            return 201, {"id": str(10000 + len(self.issues)), "key": key, "self": f"/rest/api/2/issue/{key}"}, {}
        m = re.fullmatch(r"/rest/api/2/issue/([A-Z]+-\d+)", path)
        if method == "PUT" and m:
            self.issues[m.group(1)].update(body["fields"])
            return 204, None, {}
        if method == "GET" and path.startswith("/rest/api/2/search"):
            jql = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)["jql"][0]
            wanted = re.search(r'labels = "([^"]+)"', jql).group(1)
            hits = [{"key": k, "id": "1"} for k, f in self.issues.items() if wanted in f.get("labels", [])]
            return 200, {"issues": hits[:1], "total": len(hits)}, {}
        return 404, {"errorMessages": [f"no route {method} {path}"]}, {}


class FakeServiceNow:
    """Just enough of the Table API for incidents: insert, patch, query by correlation_id."""

    def __init__(self) -> None:
        self.rows: dict[str, dict] = {}

    def __call__(self, method: str, path: str, body: Any, headers: dict) -> Reply:
        if not headers.get("Authorization", "").startswith("Basic "):
            return 401, {"error": {"message": "User Not Authenticated"}}, {}
        base = "/api/now/table/incident"
        if method == "POST" and path == base:
            sys_id = f"{len(self.rows) + 1:032x}"
            self.rows[sys_id] = dict(body, sys_id=sys_id, number=f"INC{len(self.rows) + 1:07d}")
            return 201, {"result": self.rows[sys_id]}, {}
        if method == "PATCH" and path.startswith(base + "/"):
            sys_id = path.rsplit("/", 1)[1]
            self.rows[sys_id].update(body)
            return 200, {"result": self.rows[sys_id]}, {}
        if method == "GET" and path.startswith(base + "?"):
            q = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)["sysparm_query"][0]
            wanted = q.split("=", 1)[1]
            hits = [r for r in self.rows.values() if r.get("correlation_id") == wanted]
            return 200, {"result": [{"sys_id": r["sys_id"], "number": r["number"]} for r in hits[:1]]}, {}
        return 404, {"error": {"message": "no route"}}, {}


def node_pool_finding(impact: float = 412.0, team: str = "search") -> Finding:
    """A node-pool recommendation like the intelligence layer writes it."""
    return Finding(
        kind="node_pool_rightsizing",
        dimension="machine_pool",
        dimension_value="workers",
        window_start=date(2026, 10, 1),
        window_end=date(2026, 10, 31),
        expected=1100.0,
        actual=1100.0 + impact,
        impact_usd=impact,
        impact_pct=round(100 * impact / (1100.0 + impact), 1),
        title=f"Change m5.xlarge to m5.large in machine pool workers of prod-search-use1: saves ${impact:,.0f}/month",
        confidence=0.92,
        severity="medium",
        attributes={
            "provider": "aws", "cluster": "prod-search-use1", "machine_pool": "workers", "team": team,
            "current_instance_type": "m5.xlarge", "current_count": 3, "recommended_instance_type": "m5.large",
            "recommended_count": 3, "recommended_min": 2, "recommended_max": 6, "namespace": "search-api",
        },
    )  # fmt: skip


def anomaly_finding(team: str = "payments", impact: float = 260.78) -> Finding:
    """An anomaly finding on a team's namespace."""
    return Finding(
        kind="anomaly",
        dimension="namespace",
        dimension_value="ledger",
        window_start=date(2026, 10, 4),
        window_end=date(2026, 10, 7),
        expected=100.0,
        actual=100.0 + impact,
        impact_usd=impact,
        impact_pct=260.8,
        title=f"ledger cost {impact:,.2f} above expected on prod-commerce-use1",
        severity="medium",
        attributes={"provider": "aws", "cluster": "prod-commerce-use1", "namespace": "ledger", "team": team},
    )


def findings_warehouse(path: Path, findings: list[Finding], decisions: list[dict] | None = None) -> Path:
    """A DuckDB file holding ``ml.findings`` (and ``actions.decisions`` when given)."""
    frame = to_frame(findings)
    with duckdb.connect(str(path)) as con:
        con.execute("create schema if not exists ml")
        con.register("f", frame)
        con.execute("create or replace table ml.findings as select * from f")
        if decisions is not None:
            con.execute("create schema if not exists actions")
            con.execute(
                "create or replace table actions.decisions (finding_id varchar, status varchar, approval_tier varchar)"
            )
            for d in decisions:
                con.execute(
                    "insert into actions.decisions values (?, ?, ?)",
                    [d["finding_id"], d["status"], d.get("approval_tier")],
                )
    return path
