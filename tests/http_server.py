"""A loopback HTTP server for tests: real sockets, scripted answers, no network.

Import it explicitly (``from http_server import LoopbackServer, Reply``); the
``server`` fixture below starts one per test.
"""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Reply:
    """One scripted answer. ``drip`` sends the body one chunk per ``drip`` seconds."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drip: float | None = None
    chunk: int = 1024


@dataclass(frozen=True)
class Request:
    path: str
    headers: dict[str, str]


Route = Reply | Callable[[Request], Reply]


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default (5) drops bursts of connections for a second

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that hang up on purpose (size caps, timeouts) are expected


class LoopbackServer:
    """A threaded HTTP server on 127.0.0.1 with routes set by the test."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        self.connections = 0  # TCP connections accepted (keep-alive reuses one)
        self._server = _QuietServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def route(self, path: str, reply: Route) -> str:
        self.routes[path] = reply
        return self.url(path)

    def hits(self, path: str) -> int:
        return sum(1 for r in self.requests if r.path == path)

    def start(self) -> LoopbackServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                server.connections += 1
                super().setup()

            def do_GET(self) -> None:
                request = Request(self.path, {k.lower(): v for k, v in self.headers.items()})
                server.requests.append(request)
                route = server.routes.get(self.path.split("?", 1)[0])
                if route is None:
                    reply = Reply(404, b"not found")
                else:
                    reply = route(request) if callable(route) else route
                self._send(reply)

            def _send(self, reply: Reply) -> None:
                if reply.delay:
                    time.sleep(reply.delay)
                self.send_response(reply.status)
                headers = {"Content-Length": str(len(reply.body))} | reply.headers
                for name, value in headers.items():
                    if value:  # an empty value leaves the header out (e.g. no Content-Length)
                        self.send_header(name, value)
                self.end_headers()
                try:
                    if reply.drip is None:
                        self.wfile.write(reply.body)
                        return
                    for start in range(0, len(reply.body), reply.chunk):
                        self.wfile.write(reply.body[start : start + reply.chunk])
                        self.wfile.flush()
                        time.sleep(reply.drip)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler


def with_etag(body: bytes, etag: str, content_type: str = "application/rss+xml") -> Route:
    """A resource that answers 304 when the client already has ``etag``."""

    def answer(request: Request) -> Reply:
        if request.headers.get("if-none-match") == etag:
            return Reply(304, headers={"ETag": etag})
        return Reply(200, body, {"ETag": etag, "Content-Type": content_type})

    return answer


def gzipped(body: bytes, content_type: str = "application/rss+xml") -> Reply:
    return Reply(
        200, gzip.compress(body), {"Content-Encoding": "gzip", "Content-Type": content_type}
    )


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    running = LoopbackServer().start()
    yield running
    running.stop()


class ConcurrencyProbe:
    """A route handler that counts how many requests it serves at once.

    Each request holds its slot for ``hold`` seconds; ``peak`` is the most
    served at the same time, which is what per-host politeness must bound.
    """

    def __init__(self, reply: Reply, hold: float = 0.1) -> None:
        self.reply = reply
        self.hold = hold
        self.active = 0
        self.peak = 0
        self._lock = threading.Lock()

    def __call__(self, request: object) -> Reply:
        with self._lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
        time.sleep(self.hold)
        with self._lock:
            self.active -= 1
        return self.reply
