"""A careful HTTP client for fetching feeds and pages written by strangers.

Every request is bounded: a connect timeout, a read timeout and a total
deadline; a cap on the *decompressed* body (so a gzip bomb stops at the cap
instead of filling memory); a small number of redirects, each one checked
again. Only ``http`` and ``https`` are fetched, and addresses that are not on
the public internet (private, loopback, link-local, ...) are refused after DNS
resolution, at connection time, so neither a redirect nor a DNS answer can
point a feed at the machine's own network, unless the user allowed it.

Deadlines are wall-clock, whatever phase a request is in: httpx/httpcore
timeouts are per operation (a server that drips its status line or headers a
byte a second never trips them), so the network stream is wrapped and every
read and write is bounded by what is left of the request's deadline. A
request's clock starts when it gets its connection slots; the wait for a slot
is bounded separately, by the :class:`Budget` the request runs within (a
source and its pages, a run), which can also be stopped (SIGTERM): in-flight
requests then end within :data:`STOP_POLL_SECONDS`.

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
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from .config import FetchConfig
from .errors import SourceError
from .urls import split_url

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
# How often a blocked read, a wait for a slot or a backoff looks at the stop flag:
# this bounds how long a stopped run takes to abandon its requests.
STOP_POLL_SECONDS = 0.25
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


class FetchStopped(SourceError):
    """The request was abandoned because the run was asked to stop."""


# --- deadlines beyond one request -----------------------------------------------------


@dataclass(frozen=True)
class Budget:
    """A deadline shared by several requests (a source and its pages, a run), and a stop flag.

    ``deadline`` is on the ``time.monotonic()`` clock; ``limit`` names it for
    messages ("the source's time limit of 60 s ([fetch] source_timeout)").
    """

    deadline: float | None = None
    limit: str = ""
    stop: threading.Event | None = None

    def remaining(self) -> float:
        return float("inf") if self.deadline is None else self.deadline - time.monotonic()

    @property
    def stopped(self) -> bool:
        return self.stop is not None and self.stop.is_set()

    @property
    def expired(self) -> bool:
        return self.remaining() <= 0


_BUDGET: ContextVar[Budget | None] = ContextVar("briefing_http_budget", default=None)


@contextmanager
def within(budget: Budget | None) -> Iterator[None]:
    """Requests made in this context (this thread) end by ``budget``'s deadline or its stop.

    Context variables do not follow work into other threads: a worker started
    for part of a source's work enters the same budget itself.
    """
    token = _BUDGET.set(budget)
    try:
        yield
    finally:
        _BUDGET.reset(token)


def current_budget() -> Budget | None:
    return _BUDGET.get()


class _Stopped(Exception):
    """Raised from inside httpcore's stream reads when the budget's stop flag is set."""


@dataclass
class _Limits:
    """The limits of one ``get``: its own deadline (started at its first slot) and its budget."""

    total: float
    budget: Budget | None
    deadline: float | None = None

    def start(self) -> None:
        if self.deadline is None:
            self.deadline = time.monotonic() + self.total

    def end(self) -> float:
        own = self.deadline if self.deadline is not None else time.monotonic() + self.total
        shared = self.budget.deadline if self.budget and self.budget.deadline else own
        return min(own, shared)

    def remaining(self) -> float:
        return self.end() - time.monotonic()

    @property
    def stopped(self) -> bool:
        return self.budget is not None and self.budget.stopped

    def expired_message(self, detail: str = "") -> str:
        """Why the request ended: its own timeout, or the budget's limit if that came first."""
        budget = self.budget
        own = self.deadline if self.deadline is not None else float("inf")
        if budget and budget.deadline is not None and budget.deadline < own:
            return f"not finished: {budget.limit} was reached{detail}"
        return f"timed out after {self.total:g} s{detail}"


# The limits of the request this thread is making, read by the stream wrapper below.
_ACTIVE: ContextVar[_Limits | None] = ContextVar("briefing_http_active", default=None)


class _DeadlineStream(httpcore.NetworkStream):
    """A network stream whose reads and writes end at the request's deadline, or its stop.

    httpcore gives each read the whole read timeout again, so a server that
    sends one byte a second holds a request forever; here each read waits at
    most what is left of the deadline, in steps of STOP_POLL_SECONDS so that a
    stop is noticed while the server is silent.
    """

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        limits = _ACTIVE.get()
        if limits is None:
            return self._inner.read(max_bytes, timeout)
        own_end = time.monotonic() + timeout if timeout is not None else float("inf")
        while True:
            if limits.stopped:
                raise _Stopped()
            left = min(own_end, limits.end()) - time.monotonic()
            if left <= 0:
                raise httpcore.ReadTimeout("the request's deadline passed")
            step = min(left, STOP_POLL_SECONDS)
            try:
                # A timed-out recv consumed nothing, so reading again is safe (TLS too).
                return self._inner.read(max_bytes, step)
            except httpcore.ReadTimeout:
                continue

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        limits = _ACTIVE.get()
        if limits is not None:
            if limits.stopped:
                raise _Stopped()
            left = limits.remaining()
            if left <= 0:
                raise httpcore.WriteTimeout("the request's deadline passed")
            # Not in steps: a write that timed out may have sent part of the buffer.
            timeout = left if timeout is None else min(timeout, left)
        self._inner.write(buffer, timeout)

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        limits = _ACTIVE.get()
        if limits is not None:
            left = max(limits.remaining(), 0.001)
            timeout = left if timeout is None else min(timeout, left)
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


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
        addresses = _resolve(host, port, timeout)
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
                stream = super().connect_tcp(
                    address,
                    port,
                    timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
                return _DeadlineStream(stream)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
        assert last_error is not None
        raise last_error


def _resolve(host: str, port: int, timeout: float | None = None) -> list[str]:
    try:
        return [str(ipaddress.ip_address(host.strip("[]")))]
    except ValueError:
        pass
    try:
        infos = _bounded(
            lambda: socket.getaddrinfo(host, port, type=socket.SOCK_STREAM), timeout, host
        )
    except (socket.gaierror, UnicodeError) as exc:
        raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _bounded(call: Callable[[], Any], timeout: float | None, host: str) -> Any:
    """``call()`` in a helper thread, given up on after ``timeout`` (getaddrinfo has none)."""
    limits = _ACTIVE.get()
    if limits is not None:
        left = max(limits.remaining(), 0.0)
        timeout = left if timeout is None else min(timeout, left)
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append((True, call()))
        except BaseException as exc:  # handed back to the waiting thread
            outcome.append((False, exc))

    worker = threading.Thread(target=run, name="resolve", daemon=True)
    worker.start()
    worker.join(timeout)
    if not outcome:
        raise httpcore.ConnectTimeout(f"resolving {host} took too long")
    ok, value = outcome[0]
    if not ok:
        raise value
    return value


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
        limits = _Limits(total=timeout or self.fetch.timeout, budget=current_budget())
        try:
            return self._follow(url, headers, allowed, limits)
        except BlockedAddressError:
            raise
        except FetchStopped as exc:
            raise FetchStopped(f"{_shown(url)}: {exc}") from None
        except SourceError as exc:
            raise SourceError(f"{_shown(url)}: {exc}") from None

    def _follow(
        self, url: str, headers: dict[str, str], allowed: bool, limits: _Limits
    ) -> HttpResponse:
        current = url
        for _ in range(self.fetch.max_redirects + 1):
            _check_web_url(current)
            response = self._with_retries(current, headers, allowed, limits)
            if isinstance(response, HttpResponse):
                return response
            current = response
        raise SourceError(f"too many redirects (more than {self.fetch.max_redirects})")

    def _with_retries(
        self, url: str, headers: dict[str, str], allowed: bool, limits: _Limits
    ) -> HttpResponse | str:
        attempt = 0
        while True:
            try:
                return self._once(url, headers, allowed, limits)
            except _Retryable as exc:
                if attempt >= self.fetch.retries:
                    raise SourceError(exc.message) from None
                pause = exc.retry_after or BACKOFF_SECONDS * 2**attempt * random.uniform(0.8, 1.2)
                if time.monotonic() + pause >= limits.end():
                    raise SourceError(exc.message) from None
                log.info("retrying %s in %.1f s: %s", _shown(url), pause, exc.message)
                _pause(pause, limits)
                attempt += 1

    def _once(
        self, url: str, headers: dict[str, str], allowed: bool, limits: _Limits
    ) -> HttpResponse | str:
        host = (urlsplit(url).hostname or "").lower()  # checked by _check_web_url
        # The host slot first: a request waiting for a busy host must not hold a global slot.
        with self._slot(self._host_slot(host), host, limits), self._slot(self._all, "", limits):
            # The request's clock starts now that it may talk to the server (not while queued).
            limits.start()
            remaining = limits.remaining()
            if remaining <= 0:
                raise SourceError(limits.expired_message())
            timeout = httpx.Timeout(remaining, connect=min(self.fetch.connect_timeout, remaining))
            token = _ACTIVE.set(limits)
            try:
                with self._client(allowed).stream(
                    "GET", url, headers=headers, timeout=timeout
                ) as response:
                    return self._read(url, response, limits)
            except _Stopped:
                raise FetchStopped("stopped before it finished (the run was stopped)") from None
            except httpx.TimeoutException:
                if limits.stopped:
                    raise FetchStopped("stopped before it finished (the run was stopped)") from None
                raise _Retryable(limits.expired_message()) from None
            except (httpx.ConnectError, httpcore.ConnectError) as exc:
                raise _Retryable(f"cannot connect to {host}: {_reason(exc)}") from None
            except httpx.TransportError as exc:
                raise _Retryable(f"the connection failed: {_reason(exc)}") from None
            except httpx.InvalidURL as exc:
                raise SourceError(f"not a valid URL: {exc}") from None
            finally:
                _ACTIVE.reset(token)

    @contextmanager
    def _slot(self, slot: threading.BoundedSemaphore, host: str, limits: _Limits) -> Iterator[None]:
        """Hold ``slot``, waiting at most until the budget's deadline (or the stop)."""
        if not slot.acquire(blocking=False):
            self._wait_for(slot, host, limits)
        try:
            yield
        finally:
            slot.release()

    def _wait_for(self, slot: threading.BoundedSemaphore, host: str, limits: _Limits) -> None:
        budget = limits.budget
        # Queued behind slow requests to the same host: bounded by the source's (or
        # run's) limit, not by this request's own timeout, whose clock has not started.
        waited = budget.deadline if budget and budget.deadline else None
        until = waited if waited is not None else time.monotonic() + self.fetch.source_timeout
        while True:
            if limits.stopped:
                raise FetchStopped("stopped before it started (the run was stopped)")
            left = until - time.monotonic()
            if left <= 0:
                busy = f"a free connection to {host}" if host else "a free connection"
                why = (
                    budget.limit
                    if waited is not None and budget
                    else (f"{self.fetch.source_timeout:g} s")
                )
                raise SourceError(
                    f"not fetched: waited for {busy} until {why} was reached "
                    "(other requests were slow)"
                )
            if slot.acquire(timeout=min(left, STOP_POLL_SECONDS)):
                return

    def _read(self, url: str, response: httpx.Response, limits: _Limits) -> HttpResponse | str:
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
            # A 304 has no body, but httpcore only returns the connection to the pool
            # once it has read the (empty) end of the message: without this every
            # unchanged feed cost a new connection (and, on https, a TLS handshake).
            for _ in response.iter_raw():
                pass
            return _finished(url, response, b"")
        if status >= 400:
            raise SourceError(f"the server answered {status} {response.reason_phrase}".rstrip())
        if status != 200 and status != 203:
            raise SourceError(f"unexpected answer {status} {response.reason_phrase}".rstrip())
        return _finished(url, response, self._body(response, limits))

    def _body(self, response: httpx.Response, limits: _Limits) -> bytes:
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
            if time.monotonic() > limits.end():
                raise SourceError(limits.expired_message(" (the server sends too slowly)"))
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


def _pause(seconds: float, limits: _Limits) -> None:
    """Sleep before a retry, but end at once when the run is stopped."""
    stop = limits.budget.stop if limits.budget else None
    if stop is None:
        time.sleep(seconds)
    elif stop.wait(seconds):
        raise FetchStopped("stopped before it finished (the run was stopped)")


def _check_web_url(url: str) -> None:
    parts = split_url(url)
    if parts is None:  # an unclosed "[", a port of "abc" or 99999
        raise SourceError(f"not a valid URL: {_shown(url)}")
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
