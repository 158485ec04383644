"""A raw TCP server for tests that answers HTTP one byte at a time (real sockets, loopback).

``http.server`` writes a status line and headers in one go; a hostile or broken
server can instead drip them a byte per second, which per-operation read
timeouts never notice. ``DripServer`` does that, for every connection, until the
client hangs up.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

RESPONSE = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n"
    + b"".join(b"X-Padding-%d: %s\r\n" % (i, b"x" * 40) for i in range(200))
    + b"Content-Length: 6\r\n\r\n<rss/>"
)


class DripServer:
    """Accepts connections on 127.0.0.1 and sends ``RESPONSE`` one byte per ``interval``."""

    def __init__(self, interval: float = 0.2) -> None:
        self.interval = interval
        self.connections = 0
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.1)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def port(self) -> int:
        return int(self._sock.getsockname()[1])

    def url(self, path: str = "/feed") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> DripServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)
        self._sock.close()

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(65536)  # the request
                for i in range(len(RESPONSE)):
                    if self._stopping.is_set():
                        return
                    conn.sendall(RESPONSE[i : i + 1])
                    time.sleep(self.interval)
            except OSError:
                return  # the client gave up, as it should


@pytest.fixture
def drip_server() -> Iterator[DripServer]:
    running = DripServer().start()
    yield running
    running.stop()
