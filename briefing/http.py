"""A careful HTTP client for fetching feeds and pages written by strangers.

Every request is bounded: a connect timeout, a read timeout and a total
deadline; a cap on the *decompressed* body (so a gzip bomb stops at the cap
instead of filling memory); a small number of redirects, each one checked
again. Only ``http`` and ``https`` are fetched, and addresses that are not on
the public internet (private, loopback, link-local, ...) are refused after DNS
resolution, at connection time, so neither a redirect nor a DNS answer can
point a feed at the machine's own network, unless the user allowed it.

Politeness: at most ``per_host`` requests in flight to one host and at most
``concurrency`` in all; 5xx answers and timeouts are retried with backoff;
a ``User-Agent`` names the project; conditional GET turns an unchanged feed
into one small 304.

Failures raise :class:`~briefing.errors.SourceError` with a message a user can
act on.
"""

from __future__ import annotations

import email.utils
import ipaddress
import logging
import random
import socket
import threading
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from .config import FetchConfig
from .errors import SourceError

log = logging.getLogger(__name__)

REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
RETRY_CODES = frozenset({429, 500, 502, 503, 504})
BACKOFF_SECONDS = 0.5
MAX_RETRY_AFTER = 10.0
# Feeds and pages compress 3-15x; a stream that inflates far beyond that is
# built to exhaust memory, whatever the size cap says.
BOMB_RATIO = 200
BOMB_MIN_BYTES = 1_000_000
# Inflate in steps this size, so the ratio is checked long before the cap is reached.
INFLATE_STEP = 262_144
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, "
    "text/xml;q=0.9, application/json;q=0.8, text/html;q=0.8, */*;q=0.5"
)


@dataclass(frozen=True)
class HttpResponse:
    """A finished response: the (decompressed) body and what to remember about it."""

    url: str
    status: int
    content: bytes
    content_type: str
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class BlockedAddressError(SourceError):
    """The URL leads to an address the user did not allow (private, loopback, ...)."""


# --- addresses ------------------------------------------------------------------


def is_public_address(address: str) -> bool:
    """True for addresses on the public internet; False for private, loopback, link-local..."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        mapped = ip.ipv4_mapped or ip.sixtofour
        if mapped is not None:
            return mapped.is_global
    return ip.is_global and not ip.is_multicast


class _GuardedBackend(httpcore.SyncBackend):
    """Resolves host names itself and connects only to the addresses it checked.

    Checking and connecting to the same resolved address leaves no window for
    a second DNS answer (DNS rebinding) to point the connection elsewhere.
    """

    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = _resolve(host, port)
        if not self.allow_private:
            for address in addresses:
                if not is_public_address(address):
                    raise BlockedAddressError(
                        f"refused: {host} is at {address}, a private or local address "
                        "(set allow_private = true on the source, or in [fetch], to allow it)"
                    )
        last_error: httpcore.ConnectError | httpcore.ConnectTimeout | None = None
        for address in addresses:
            try:
                return super().connect_tcp(
                    address,
                    port,
                    timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
        assert last_error is not None
        raise last_error


def _resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class _GuardedTransport(httpx.HTTPTransport):
    def __init__(self, *, allow_private: bool, limits: httpx.Limits) -> None:
        super().__init__(limits=limits, retries=0)
        pool = self._pool
        if not hasattr(pool, "_network_backend"):  # pragma: no cover - guards an httpcore upgrade
            raise RuntimeError("httpcore changed: cannot install the address guard")
        pool._network_backend = _GuardedBackend(allow_private)


# --- decompression ------------------------------------------------------------------


class _Inflater:
    """Decompresses gzip/deflate in bounded steps, so a bomb never inflates past the cap."""

    def __init__(self, encoding: str, max_bytes: int) -> None:
        self.encoding = encoding
        self.max_bytes = max_bytes
        self.produced = 0
        self.consumed = 0
        self._zlib: Any = self._new_decompressor()
        self._first = True

    def _new_decompressor(self) -> Any:
        if self.encoding in ("gzip", "x-gzip"):
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        if self.encoding == "deflate":
            return zlib.decompressobj()
        return None

    def feed(self, chunk: bytes) -> bytes:
        if self._zlib is None:
            self.consumed += len(chunk)
            self.produced += len(chunk)
            self._check()
            return chunk
        parts: list[bytes] = []
        data = chunk
        while data:
            step = min(self.max_bytes - self.produced + 1, INFLATE_STEP)
            try:
                out = self._zlib.decompress(data, step)
            except zlib.error:
                if self.encoding == "deflate" and self._first:
                    # Some servers send raw deflate without the zlib header.
                    self._zlib, self._first = zlib.decompressobj(-zlib.MAX_WBITS), False
                    continue
                raise SourceError("the response is not valid compressed data") from None
            self._first = False
            rest = self._zlib.unconsumed_tail or (self._zlib.unused_data if self._zlib.eof else b"")
            self.consumed += len(data) - len(rest)
            self.produced += len(out)
            parts.append(out)
            self._check()
            data = rest
            if self._zlib.eof and rest:
                # A gzip stream may hold several members, one after the other.
                self._zlib = self._new_decompressor()
        return b"".join(parts)

    def _check(self) -> None:
        if self.produced > self.max_bytes:
            raise SourceError(f"the response is larger than the limit of {_size(self.max_bytes)}")
        if self.produced > BOMB_MIN_BYTES and self.produced > BOMB_RATIO * max(self.consumed, 1):
            raise SourceError(
                "refused: the response inflates more than "
                f"{BOMB_RATIO} times when decompressed (a compression bomb)"
            )


def _size(n: int) -> str:
    return f"{n / 1_000_000:g} MB" if n >= 1_000_000 else f"{n:,} bytes"


# --- the client ------------------------------------------------------------------------


class HttpClient:
    """Fetches URLs under the limits of a :class:`FetchConfig`. Safe to share between threads."""

    def __init__(self, fetch: FetchConfig) -> None:
        self.fetch = fetch
        self._lock = threading.Lock()
        self._clients: dict[bool, httpx.Client] = {}
        self._hosts: dict[str, threading.BoundedSemaphore] = {}
        self._all = threading.BoundedSemaphore(fetch.concurrency)

    def close(self) -> None:
        with self._lock:
            for client in self._clients.values():
                client.close()
            self._clients.clear()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(
        self,
        url: str,
        *,
        allow_private: bool | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        timeout: float | None = None,
        accept: str = ACCEPT,
    ) -> HttpResponse:
        """GET ``url``, following redirects; a 304 comes back with ``not_modified``.

        ``allow_private=None`` uses the ``[fetch]`` setting. Raises SourceError
        for anything that is not a usable answer (4xx, 5xx after retries,
        timeouts, refused addresses, oversized bodies).
        """
        allowed = self.fetch.allow_private if allow_private is None else allow_private
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        total = timeout or self.fetch.timeout
        deadline = time.monotonic() + total
        try:
            return self._follow(url, headers, allowed, deadline, total)
        except BlockedAddressError:
            raise
        except SourceError as exc:
            raise SourceError(f"{_shown(url)}: {exc}") from None

    def _follow(
        self, url: str, headers: dict[str, str], allowed: bool, deadline: float, total: float
    ) -> HttpResponse:
        current = url
        for _ in range(self.fetch.max_redirects + 1):
            _check_web_url(current)
            response = self._with_retries(current, headers, allowed, deadline, total)
            if isinstance(response, HttpResponse):
                return response
            current = response
        raise SourceError(f"too many redirects (more than {self.fetch.max_redirects})")

    def _with_retries(
        self, url: str, headers: dict[str, str], allowed: bool, deadline: float, total: float
    ) -> HttpResponse | str:
        attempt = 0
        while True:
            try:
                return self._once(url, headers, allowed, deadline, total)
            except _Retryable as exc:
                if attempt >= self.fetch.retries:
                    raise SourceError(exc.message) from None
                pause = exc.retry_after or BACKOFF_SECONDS * 2**attempt * random.uniform(0.8, 1.2)
                if time.monotonic() + pause >= deadline:
                    raise SourceError(exc.message) from None
                log.info("retrying %s in %.1f s: %s", _shown(url), pause, exc.message)
                time.sleep(pause)
                attempt += 1

    def _once(
        self, url: str, headers: dict[str, str], allowed: bool, deadline: float, total: float
    ) -> HttpResponse | str:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise SourceError(f"timed out after {total:g} s")
        timeout = httpx.Timeout(remaining, connect=min(self.fetch.connect_timeout, remaining))
        host = (urlsplit(url).hostname or "").lower()
        # The host slot first: a request waiting for a busy host must not hold a global slot.
        with self._host_slot(host), self._all:
            try:
                with self._client(allowed).stream(
                    "GET", url, headers=headers, timeout=timeout
                ) as response:
                    return self._read(url, response, deadline, total)
            except httpx.TimeoutException:
                raise _Retryable(f"timed out after {total:g} s") from None
            except (httpx.ConnectError, httpcore.ConnectError) as exc:
                raise _Retryable(f"cannot connect to {host}: {_reason(exc)}") from None
            except httpx.TransportError as exc:
                raise _Retryable(f"the connection failed: {_reason(exc)}") from None
            except httpx.InvalidURL as exc:
                raise SourceError(f"not a valid URL: {exc}") from None

    def _read(
        self, url: str, response: httpx.Response, deadline: float, total: float
    ) -> HttpResponse | str:
        status = response.status_code
        if status in REDIRECT_CODES:
            location: str = response.headers.get("location", "")
            if not location:
                raise SourceError(f"redirect ({status}) without a Location")
            return urljoin(url, location.strip())
        if status in RETRY_CODES:
            raise _Retryable(
                f"the server answered {status} {response.reason_phrase}".rstrip(),
                _retry_after(response.headers.get("retry-after")),
            )
        if status == 304:
            return _finished(url, response, b"")
        if status >= 400:
            raise SourceError(f"the server answered {status} {response.reason_phrase}".rstrip())
        if status != 200 and status != 203:
            raise SourceError(f"unexpected answer {status} {response.reason_phrase}".rstrip())
        return _finished(url, response, self._body(response, deadline, total))

    def _body(self, response: httpx.Response, deadline: float, total: float) -> bytes:
        max_bytes = self.fetch.max_bytes
        length = response.headers.get("content-length", "")
        if length.isdigit() and int(length) > max_bytes:
            raise SourceError(f"the response is larger than the limit of {_size(max_bytes)}")
        encoding = response.headers.get("content-encoding", "identity").strip().lower()
        if encoding not in ("identity", "", "gzip", "x-gzip", "deflate"):
            raise SourceError(f"unsupported content encoding {encoding!r}")
        inflater = _Inflater(encoding, max_bytes)
        parts: list[bytes] = []
        for chunk in response.iter_raw():
            parts.append(inflater.feed(chunk))
            if time.monotonic() > deadline:
                raise SourceError(f"timed out after {total:g} s (the server sends too slowly)")
        return b"".join(parts)

    def _client(self, allow_private: bool) -> httpx.Client:
        with self._lock:
            client = self._clients.get(allow_private)
            if client is None:
                limits = httpx.Limits(
                    max_connections=self.fetch.concurrency * 2,
                    max_keepalive_connections=self.fetch.concurrency,
                )
                client = httpx.Client(
                    transport=_GuardedTransport(allow_private=allow_private, limits=limits),
                    headers={
                        "User-Agent": self.fetch.user_agent,
                        # Only encodings we can inflate in bounded steps.
                        "Accept-Encoding": "gzip, deflate",
                    },
                    follow_redirects=False,
                    # Proxies from the environment would hide the real address from the guard.
                    trust_env=False,
                )
                self._clients[allow_private] = client
            return client

    def _host_slot(self, host: str) -> threading.BoundedSemaphore:
        with self._lock:
            slot = self._hosts.get(host)
            if slot is None:
                slot = self._hosts[host] = threading.BoundedSemaphore(self.fetch.per_host)
            return slot


class _Retryable(Exception):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


def _check_web_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise SourceError(f"only http and https addresses are fetched, not {_shown(url)}")
    if not parts.hostname:
        raise SourceError(f"not a valid URL: {_shown(url)}")


def _finished(url: str, response: httpx.Response, content: bytes) -> HttpResponse:
    return HttpResponse(
        url=url,
        status=response.status_code,
        content=content,
        content_type=response.headers.get("content-type", ""),
        etag=response.headers.get("etag"),
        last_modified=response.headers.get("last-modified"),
    )


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    if value.strip().isdigit():
        seconds = float(value.strip())
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    return text[:200] if text else type(exc).__name__


def _shown(url: str, limit: int = 200) -> str:
    return url if len(url) <= limit else url[:limit] + "…"


# --- shared clients and the one-URL helper --------------------------------------------------

_SHARED: dict[FetchConfig, HttpClient] = {}
_SHARED_LOCK = threading.Lock()


def shared_client(fetch: FetchConfig) -> HttpClient:
    """The process-wide client for ``fetch`` settings, so sources share connections and limits."""
    with _SHARED_LOCK:
        client = _SHARED.get(fetch)
        if client is None:
            client = _SHARED[fetch] = HttpClient(fetch)
        return client


def close_shared_clients() -> None:
    with _SHARED_LOCK:
        for client in _SHARED.values():
            client.close()
        _SHARED.clear()


def fetch_url(url: str, *, fetch: FetchConfig, allow_private: bool) -> tuple[bytes, str, str]:
    """Fetch one URL: ``(body, content type, final URL after redirects)``."""
    response = shared_client(fetch).get(url, allow_private=allow_private)
    return response.content, response.content_type, response.url
