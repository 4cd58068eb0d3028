"""Shared plumbing for the local API emulators: a threaded HTTP server, fault injection, request log.

Stdlib only. Each emulator subclasses :class:`EmulatorServer` and implements :meth:`handle`.
"""

from __future__ import annotations

import contextlib
import json
import signal
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Fault:
    """Fail the next ``count`` matching requests with ``status`` and/or delay them by ``delay`` s."""

    count: int = 1
    status: int | None = 503
    delay: float = 0.0
    path: str = ""  # only requests whose path starts with this prefix
    retry_after: int | None = None

    def matches(self, path: str) -> bool:
        return self.count > 0 and path.startswith(self.path)


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass
class Response:
    status: int = 200
    body: Any = None
    headers: dict[str, str] | None = None
    content_type: str = "application/json"


def _exit_on_signal(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


class EmulatorServer:
    """Background HTTP server on 127.0.0.1. Use as a context manager or ``start()`` / ``stop()``.

    Admin endpoints (no auth, no faults, no rate limit), for tests and demos:
    ``POST /__admin/faults`` with a :class:`Fault` as JSON, ``DELETE /__admin/faults``,
    ``GET /__admin/requests`` (method, path, status of every request served).
    """

    name = "emulator"

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.host = host
        self.port = port
        self.faults: list[Fault] = []
        self.requests: list[tuple[str, str, int]] = []
        self.lock = threading.RLock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ----------------------------------------------------------------- lifecycle
    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError(f"{self.name} emulator is not running")
        return f"http://{self.host}:{self._httpd.server_address[1]}"

    def start(self) -> EmulatorServer:
        server = self

        class Handler(_Handler):
            emulator = server

        self._httpd = ThreadingHTTPServer((self.host, self.port), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name=f"{self.name}-emulator", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve until interrupted; SIGTERM stops it as cleanly as Ctrl-C (a supervisor's or test's terminate)."""
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, _exit_on_signal)
        self.start()
        print(f"{self.name} emulator listening on {self.url}", flush=True)
        try:
            with contextlib.suppress(KeyboardInterrupt):
                while True:
                    time.sleep(3600)
        finally:
            self.stop()

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------- faults
    def inject_fault(
        self,
        status: int | None = 503,
        count: int = 1,
        delay: float = 0.0,
        path: str = "",
        retry_after: int | None = None,
    ) -> None:
        """Fail (``status``) and/or stall (``delay`` seconds) the next ``count`` requests under ``path``."""
        with self.lock:
            self.faults.append(Fault(count, status, delay, path, retry_after))

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    def _take_fault(self, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.matches(path):
                    fault.count -= 1
                    if fault.count <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    # ------------------------------------------------------------------ routing
    def handle(self, req: Request) -> Response:
        """Answer one API request; each emulator overrides this (the base knows no routes)."""
        return Response(404, {"code": "NotFound", "message": req.path})

    def handle_admin(self, req: Request) -> Response | None:
        """Emulator-specific admin routes; ``None`` when not matched."""
        return None

    def fault_response(self, fault: Fault) -> Response:
        headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else None
        if fault.status == 429 and headers is None:
            headers = {"Retry-After": "1"}
        return Response(fault.status or 500, {"code": "InjectedFault", "message": "injected fault"}, headers)

    def dispatch(self, req: Request) -> Response:
        if req.path.startswith("/__admin/"):
            if req.path == "/__admin/faults" and req.method == "POST":
                self.inject_fault(**(req.body or {}))
                return Response(204)
            if req.path == "/__admin/faults" and req.method == "DELETE":
                self.clear_faults()
                return Response(204)
            if req.path == "/__admin/requests":
                with self.lock:
                    return Response(200, [list(r) for r in self.requests])
            return self.handle_admin(req) or Response(404, {"code": "NotFound", "message": req.path})
        fault = self._take_fault(req.path)
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.status:
                return self.fault_response(fault)
        return self.handle(req)


class _Handler(BaseHTTPRequestHandler):
    emulator: EmulatorServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet: never echo headers or keys
        pass

    def _serve(self) -> None:
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        query = parse_qs(split.query, keep_blank_values=True)
        ctype = self.headers.get("Content-Type", "")
        body: Any = None
        if raw:
            if "form-urlencoded" in ctype:
                query.update(parse_qs(raw.decode(), keep_blank_values=True))
            else:
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = None
        headers = {k.lower(): v for k, v in self.headers.items()}
        req = Request(self.command, split.path, query, headers, body)
        try:
            resp = self.emulator.dispatch(req)
        except Exception as exc:  # emulator bug: report as a 500, keep serving
            resp = Response(500, {"code": "InternalError", "message": str(exc).replace("\n", " ")})
        with self.emulator.lock:
            self.emulator.requests.append((req.method, req.path, resp.status))
        if resp.body is None:
            payload = b""
        elif isinstance(resp.body, bytes | str) and resp.content_type != "application/json":
            payload = resp.body.encode() if isinstance(resp.body, str) else resp.body
        else:
            payload = json.dumps(resp.body, separators=(",", ":")).encode()
        try:
            self.send_response(resp.status)
            if payload:
                self.send_header("Content-Type", resp.content_type)
            self.send_header("Content-Length", str(len(payload)))
            for key, value in (resp.headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            if payload and self.command != "HEAD":
                self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):  # client gave up (timeout test)
            pass

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve


def json_error(status: int, code: str, message: str) -> Response:
    return Response(status, {"code": code, "message": message})
