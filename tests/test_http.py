"""The HTTP client against a real loopback server: limits, redirects, retries, 304s."""

from __future__ import annotations

import gzip
import threading
import time
import zlib

import pytest
from http_server import ConcurrencyProbe, LoopbackServer, Reply, gzipped, server, with_etag
from slow_server import DripServer, drip_server

from briefing.config import FetchConfig
from briefing.errors import SourceError
from briefing.http import Budget, FetchStopped, HttpClient, fetch_url, is_public_address, within

__all__ = ["drip_server", "server"]  # the fixtures, imported for pytest

FAST = FetchConfig(timeout=3.0, connect_timeout=1.0, retries=1, allow_private=True)


def client(**changes: object) -> HttpClient:
    settings = {**FAST.__dict__, **changes}
    return HttpClient(FetchConfig(**settings))  # type: ignore[arg-type]


def test_plain_get_returns_body_type_and_validators(server: LoopbackServer) -> None:
    url = server.route(
        "/feed", Reply(200, b"<rss/>", {"Content-Type": "application/rss+xml", "ETag": '"v1"'})
    )
    with client() as http:
        response = http.get(url)
    assert response.content == b"<rss/>"
    assert response.content_type == "application/rss+xml"
    assert response.etag == '"v1"'


def test_user_agent_names_the_project(server: LoopbackServer) -> None:
    url = server.route("/ua", Reply(200, b"ok"))
    with client() as http:
        http.get(url)
    assert server.requests[-1].headers["user-agent"].startswith("briefing/")


def test_loopback_is_refused_unless_allowed(server: LoopbackServer) -> None:
    url = server.route("/private", Reply(200, b"secret"))
    with client(allow_private=False) as http, pytest.raises(SourceError, match="private or local"):
        http.get(url)
    assert server.hits("/private") == 0
    with client(allow_private=False) as http:
        assert http.get(url, allow_private=True).content == b"secret"


def test_localhost_name_is_refused_after_dns_resolution(server: LoopbackServer) -> None:
    url = server.route("/named", Reply(200, b"secret")).replace("127.0.0.1", "localhost")
    with client(allow_private=False) as http, pytest.raises(SourceError, match="localhost"):
        http.get(url)


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("192.168.0.1", False),
        ("169.254.169.254", False),
        ("::1", False),
        ("fe80::1", False),
        ("::ffff:127.0.0.1", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("93.184.216.34", True),
        ("2606:4700::1111", True),
    ],
)
def test_address_classification(address: str, public: bool) -> None:
    assert is_public_address(address) is public


def test_redirects_are_followed_and_the_final_url_reported(server: LoopbackServer) -> None:
    final = server.route("/new", Reply(200, b"moved here", {"Content-Type": "text/plain"}))
    start = server.route("/old", Reply(301, headers={"Location": "/new"}))
    body, content_type, final_url = fetch_url(start, fetch=FAST, allow_private=True)
    assert (body, content_type, final_url) == (b"moved here", "text/plain", final)


def test_redirect_loops_stop_after_the_limit(server: LoopbackServer) -> None:
    url = server.route("/loop", Reply(302, headers={"Location": "/loop"}))
    with client(max_redirects=3) as http, pytest.raises(SourceError, match="too many redirects"):
        http.get(url)
    assert server.hits("/loop") == 4


def test_redirect_to_another_scheme_is_refused(server: LoopbackServer) -> None:
    url = server.route("/file", Reply(302, headers={"Location": "file:///etc/passwd"}))
    with client() as http, pytest.raises(SourceError, match="only http and https"):
        http.get(url)


def test_redirect_to_a_port_out_of_range_is_refused_not_wrapped(server: LoopbackServer) -> None:
    # Port 99999 was taken modulo 65536 by the socket layer: the client connected to 34463.
    url = server.route("/far", Reply(302, headers={"Location": "http://127.0.0.1:99999/"}))
    with client() as http, pytest.raises(SourceError, match="not a valid URL"):
        http.get(url)


def test_redirect_to_a_private_address_is_refused(server: LoopbackServer) -> None:
    # The first hop is allowed by name here only because the whole server is on loopback:
    # what matters is that each hop is checked again, so a 127.0.0.1 target is refused.
    target = server.route("/inside", Reply(200, b"secret"))
    url = server.route("/hop", Reply(302, headers={"Location": target}))
    with client(allow_private=False) as http, pytest.raises(SourceError, match="private"):
        http.get(url)


def test_conditional_get_turns_into_304(server: LoopbackServer) -> None:
    url = server.route("/etag", with_etag(b"<rss/>", '"abc"'))
    with client() as http:
        first = http.get(url)
        second = http.get(url, etag=first.etag)
    assert not first.not_modified and second.not_modified and second.content == b""
    assert server.requests[-1].headers["if-none-match"] == '"abc"'


def test_last_modified_is_sent_back(server: LoopbackServer) -> None:
    stamp = "Mon, 02 Jun 2025 10:00:00 GMT"
    url = server.route(
        "/lm",
        lambda r: (
            Reply(304)
            if r.headers.get("if-modified-since") == stamp
            else Reply(200, b"x", {"Last-Modified": stamp})
        ),
    )
    with client() as http:
        assert http.get(url).last_modified == stamp
        assert http.get(url, last_modified=stamp).not_modified


def test_server_errors_are_retried_with_backoff(server: LoopbackServer) -> None:
    answers = iter([Reply(503, b"busy"), Reply(200, b"fine")])
    url = server.route("/flaky", lambda r: next(answers))
    with client(retries=2) as http:
        assert http.get(url).content == b"fine"
    assert server.hits("/flaky") == 2


def test_persistent_server_error_is_reported(server: LoopbackServer) -> None:
    url = server.route("/down", Reply(500, b"oops"))
    with client(retries=1) as http, pytest.raises(SourceError, match="500"):
        http.get(url)
    assert server.hits("/down") == 2


def test_not_found_is_not_retried(server: LoopbackServer) -> None:
    url = server.route("/gone", Reply(404, b"no"))
    with client(retries=3) as http, pytest.raises(SourceError, match="404"):
        http.get(url)
    assert server.hits("/gone") == 1


def test_slow_server_times_out(server: LoopbackServer) -> None:
    url = server.route("/slow", Reply(200, b"late", delay=2.0))
    started = time.monotonic()
    with client(timeout=0.5, retries=0) as http, pytest.raises(SourceError, match="timed out"):
        http.get(url)
    assert time.monotonic() - started < 1.5


def test_dripping_server_hits_the_total_deadline(server: LoopbackServer) -> None:
    # Each byte arrives quickly enough for the read timeout; only the total deadline stops it.
    url = server.route("/drip", Reply(200, b"x" * 200, drip=0.1, chunk=1))
    started = time.monotonic()
    with client(timeout=0.6, retries=0) as http, pytest.raises(SourceError, match="timed out"):
        http.get(url)
    assert time.monotonic() - started < 1.5


def test_huge_response_is_refused(server: LoopbackServer) -> None:
    url = server.route("/huge", Reply(200, b"a" * 300_000))
    with client(max_bytes=100_000) as http, pytest.raises(SourceError, match="larger than"):
        http.get(url)


def test_huge_response_without_length_is_cut_at_the_cap(server: LoopbackServer) -> None:
    url = server.route(
        "/chunked", Reply(200, b"a" * 300_000, {"Content-Length": "", "Connection": "close"})
    )
    with client(max_bytes=100_000) as http, pytest.raises(SourceError, match="larger than"):
        http.get(url)


def test_gzip_body_is_inflated(server: LoopbackServer) -> None:
    url = server.route("/gz", gzipped(b"<rss>" + b"hello " * 1000 + b"</rss>"))
    with client() as http:
        assert http.get(url).content.startswith(b"<rss>hello hello")


def test_deflate_without_zlib_header_is_inflated(server: LoopbackServer) -> None:
    raw = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    body = raw.compress(b"plain text " * 100) + raw.flush()
    url = server.route("/deflate", Reply(200, body, {"Content-Encoding": "deflate"}))
    with client() as http:
        assert http.get(url).content == b"plain text " * 100


def test_gzip_bomb_is_refused_without_inflating_it(server: LoopbackServer) -> None:
    bomb = gzip.compress(b"\0" * 50_000_000, compresslevel=9)  # ~50 KB on the wire
    url = server.route("/bomb", Reply(200, bomb, {"Content-Encoding": "gzip"}))
    with client() as http, pytest.raises(SourceError, match="compression bomb"):
        http.get(url)


def test_corrupt_gzip_is_reported(server: LoopbackServer) -> None:
    url = server.route("/bad-gz", Reply(200, b"not gzip at all", {"Content-Encoding": "gzip"}))
    with client() as http, pytest.raises(SourceError, match="compressed"):
        http.get(url)


def test_connection_refused_is_a_clear_error() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with client(retries=0) as http, pytest.raises(SourceError, match="cannot connect"):
        http.get(f"http://127.0.0.1:{port}/")


def test_only_web_urls_are_fetched() -> None:
    with client() as http, pytest.raises(SourceError, match="only http and https"):
        http.get("ftp://example.org/feed")


def test_per_host_limit_is_respected(server: LoopbackServer) -> None:
    answer = ConcurrencyProbe(Reply(200, b"ok"))

    server.route("/polite", answer)
    with client(per_host=2, concurrency=8) as http:
        threads = [
            threading.Thread(target=http.get, args=(server.url("/polite"),)) for _ in range(6)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert answer.peak == 2


def raw_server(answer: bytes) -> tuple[str, threading.Thread]:
    """A socket that answers every connection with ``answer`` and hangs up."""
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(5)

    def serve() -> None:
        with listener:
            for _ in range(2):
                try:
                    conn, _addr = listener.accept()
                except OSError:
                    return
                with conn:
                    conn.recv(65536)
                    conn.sendall(answer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return f"http://127.0.0.1:{listener.getsockname()[1]}/", thread


def test_a_garbage_answer_is_a_clear_error() -> None:
    url, _ = raw_server(b"this is not HTTP at all\r\n\r\n")
    with client(retries=0) as http, pytest.raises(SourceError, match="connection failed"):
        http.get(url)


def test_a_truncated_body_is_an_error() -> None:
    url, _ = raw_server(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nonly a little")
    with client(retries=0) as http, pytest.raises(SourceError, match="connection failed"):
        http.get(url)


# --- wall-clock deadlines ------------------------------------------------------------------


def test_a_server_dripping_its_headers_is_cut_at_the_whole_request_deadline(
    drip_server: DripServer,
) -> None:
    # A byte every 0.2 s never trips a per-read timeout; the request's deadline must.
    started = time.monotonic()
    with client(timeout=1.0, retries=0) as http, pytest.raises(SourceError, match="timed out"):
        http.get(drip_server.url())
    assert time.monotonic() - started < 2.0


def test_retries_share_the_one_deadline(drip_server: DripServer) -> None:
    started = time.monotonic()
    with client(timeout=1.0, retries=3) as http, pytest.raises(SourceError, match="timed out"):
        http.get(drip_server.url())
    assert time.monotonic() - started < 2.0


def test_a_request_queued_behind_slow_ones_to_the_same_host_gets_its_own_time(
    server: LoopbackServer,
) -> None:
    slow = server.route("/slow", Reply(200, b"slow", delay=0.7))
    fast = server.route("/fast", Reply(200, b"fast"))
    results: dict[str, str] = {}
    with client(timeout=1.0, retries=0, per_host=1) as http:

        def get(name: str, url: str) -> None:
            try:
                results[name] = http.get(url).content.decode()
            except SourceError as exc:
                results[name] = str(exc)

        first = threading.Thread(target=get, args=("slow1", slow))
        first.start()
        time.sleep(0.15)  # slow1 holds the host's only slot
        threads = [threading.Thread(target=get, args=("slow2", slow))]
        threads[0].start()
        time.sleep(0.15)  # slow2 waits first, then the fast one: it waits ~1.3 s in all
        threads.append(threading.Thread(target=get, args=("fast", fast)))
        threads[1].start()
        for thread in [first, *threads]:
            thread.join(10)
    assert results == {"slow1": "slow", "slow2": "slow", "fast": "fast"}


def test_the_wait_for_a_busy_host_is_bounded_by_the_budget(server: LoopbackServer) -> None:
    slow = server.route("/slow", Reply(200, b"slow", delay=1.5))
    fast = server.route("/fast", Reply(200, b"fast"))
    with client(timeout=3.0, retries=0, per_host=1) as http:
        holder = threading.Thread(target=http.get, args=(slow,))
        holder.start()
        time.sleep(0.15)
        budget = Budget(deadline=time.monotonic() + 0.5, limit="the test's limit of 0.5 s")
        started = time.monotonic()
        with within(budget), pytest.raises(SourceError, match=r"free connection.*test's limit"):
            http.get(fast)
        assert time.monotonic() - started < 1.0
        holder.join(5)


def test_a_stop_abandons_a_request_in_flight_at_once(drip_server: DripServer) -> None:
    stop = threading.Event()
    threading.Timer(0.3, stop.set).start()
    started = time.monotonic()
    with (
        client(timeout=30.0, retries=2) as http,
        within(Budget(stop=stop)),
        pytest.raises(FetchStopped, match="stopped"),
    ):
        http.get(drip_server.url())
    assert time.monotonic() - started < 1.0


def test_fetch_url_for_summarize_holds_the_deadline_too(drip_server: DripServer) -> None:
    started = time.monotonic()
    with pytest.raises(SourceError, match="timed out after 1 s"):
        fetch_url(drip_server.url(), fetch=FetchConfig(timeout=1.0, retries=0), allow_private=True)
    assert time.monotonic() - started < 2.0


def test_unchanged_feeds_reuse_one_connection(server: LoopbackServer) -> None:
    url = server.route("/feed", with_etag(b"<rss/>", '"v1"'))
    with client() as http:
        for _ in range(5):
            assert http.get(url, etag='"v1"').not_modified
    assert server.connections == 1  # a new connection (TLS handshake) per 304 before
