"""Collect benchmark: feeds x entries from a loopback server, twice, at one or more sizes.

Targets (issue 4): first pass (feeds only, no page fetches) <= 10 s including
parsing and storing; second pass, every feed answering 304, <= 2 s; peak RSS
<= 300 MB. The server runs in its own process so it does not share our GIL.

    .venv/bin/python benchmarks/collect.py [--feeds 200] [--entries 25]
    .venv/bin/python benchmarks/collect.py --sizes 200,2000 --entries 10   # scale (issue 15)

With ``--sizes``, each size gets: the first pass's peak Python heap
(tracemalloc, on a fresh database), and the all-304 pass timed ``--repeat``
times alternating with a same-run baseline, a bare httpx client making the
same conditional GETs from as many threads (no checks, no storing); medians
are printed, then the growth exponents from the smallest to the largest size
and the memory ratio. Issue 15 targets: all-304 at 2,000 feeds <= 2 s; first
pass peak memory at 2,000 feeds <= 1.5 x that at 200.

Beside each pass it prints a baseline measured in the same run (machines
here are noisy): the same feeds fetched one after the other with a bare httpx
client and parsed with plain feedparser, with none of our checks, sanitising
or storing.

Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from briefing.collect import collect
from briefing.config import parse_config
from briefing.store import Store

WORDS = [
    "council",
    "harbour",
    "bridge",
    "market",
    "school",
    "river",
    "station",
    "library",
    "museum",
    "budget",
    "mayor",
    "storm",
    "ferry",
    "festival",
    "hospital",
    "garden",
    "road",
    "tram",
    "bakery",
    "election",
]


def feed_xml(number: int, entries: int) -> bytes:
    items = []
    for i in range(entries):
        words = " ".join(WORDS[(number * 7 + i * 3 + k) % len(WORDS)] for k in range(12))
        paragraphs = "".join(
            f"<p>Story {number}-{i} paragraph {p}: the {words} were discussed at length "
            f"by residents, officials and visitors on day {p} of the week.</p>"
            for p in range(6)
        )
        items.append(
            f"<item><title>Story {number}-{i}: {words[:40]}</title>"
            f"<link>https://feed{number}.example.com/story/{i}?utm_source=rss</link>"
            f"<guid isPermaLink='false'>feed{number}-story{i}</guid>"
            f"<pubDate>Mon, 02 Jun 2025 {i % 24:02d}:00:00 GMT</pubDate>"
            f"<description><![CDATA[{paragraphs}]]></description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Feed {number}</title><link>https://feed{number}.example.com/</link>"
        + "".join(items)
        + "</channel></rss>"
    ).encode()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # The default listen backlog (5) drops bursts of connections: each drop costs the
    # client a 1 s SYN retransmit, which would measure the server, not us.
    request_queue_size = 256


def serve(feeds: int, entries: int, port_queue: Any) -> None:
    bodies = {f"/feed/{n}.xml": feed_xml(n, entries) for n in range(feeds)}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            body = bodies.get(self.path)
            etag = f'"{self.path}-v1"'
            if body is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
                self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = _Server(("127.0.0.1", 0), Handler)
    port_queue.put(server.server_address[1])
    server.serve_forever()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--entries", type=int, default=25)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--sizes", help="comma-separated feed counts, e.g. 200,2000 (scale mode)")
    parser.add_argument("--repeat", type=int, default=3, help="all-304 passes per size (scale)")
    args = parser.parse_args()
    if args.sizes:
        return scale(args)

    queue: Any = multiprocessing.Queue()
    server = multiprocessing.Process(target=serve, args=(args.feeds, args.entries, queue))
    server.start()
    try:
        port = queue.get(timeout=30)
        with tempfile.TemporaryDirectory() as folder:
            config = parse_config(
                {
                    "output_dir": folder,
                    "sources": [
                        {
                            "name": f"feed {n}",
                            "feed": f"http://127.0.0.1:{port}/feed/{n}.xml",
                            "full_text": False,
                        }
                        for n in range(args.feeds)
                    ],
                    # Every feed is on one loopback host here; in real use they are on many
                    # hosts, each limited to per_host (default 2) requests at once.
                    "fetch": {
                        "allow_private": True,
                        "concurrency": args.concurrency,
                        "per_host": args.concurrency,
                    },
                },
                path=Path(folder) / "briefing.toml",
            )
            baseline, _ = timed(lambda: naive_fetch_and_parse(port, args.feeds))
            with Store(config.database_path) as store:
                first, first_report = timed(lambda: collect(config, store))
                second, second_report = timed(lambda: collect(config, store))
                stored = store.article_count()
    finally:
        server.terminate()
        server.join()

    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    failed = [s for s in first_report.sources if s.error]
    unchanged = sum(1 for s in second_report.sources if s.not_modified)
    print(f"feeds: {args.feeds} x {args.entries} entries, concurrency {args.concurrency}")
    print(f"baseline:    {baseline:6.2f} s  (bare httpx + feedparser, one feed after another)")
    print(
        f"first pass:  {first:6.2f} s  = {first / baseline:4.2f} x baseline  "
        f"new={first_report.new} stored={stored} failed={len(failed)}   (target <= 10 s)"
    )
    print(
        f"second pass: {second:6.2f} s  = {second / baseline:4.2f} x baseline  "
        f"not modified={unchanged}/{args.feeds} new={second_report.new}   (target <= 2 s)"
    )
    print(f"peak RSS:    {rss_mb:6.1f} MB   (target <= 300 MB)")
    for report in failed[:5]:
        print(f"  failed: {report.name}: {report.error}")
    ok = (
        first <= 10
        and second <= 2
        and rss_mb <= 300
        and not failed
        and stored == args.feeds * args.entries
        and unchanged == args.feeds
    )
    return 0 if ok else 1


def make_config(port: int, feeds: int, concurrency: int, folder: str) -> Any:
    return parse_config(
        {
            "output_dir": folder,
            "sources": [
                {
                    "name": f"feed {n}",
                    "feed": f"http://127.0.0.1:{port}/feed/{n}.xml",
                    "full_text": False,
                }
                for n in range(feeds)
            ],
            "fetch": {"allow_private": True, "concurrency": concurrency, "per_host": concurrency},
        },
        path=Path(folder) / "briefing.toml",
    )


def scale(args: argparse.Namespace) -> int:
    """Memory and all-304 time at several sizes, each beside a same-run baseline."""
    sizes = sorted(int(n) for n in args.sizes.split(","))
    queue: Any = multiprocessing.Queue()
    server = multiprocessing.Process(target=serve, args=(max(sizes), args.entries, queue))
    server.start()
    rows: dict[int, tuple[float, float, float, float]] = {}
    try:
        port = queue.get(timeout=30)
        # Warm up: the parsers and sanitisers load on first use; that is not growth.
        with tempfile.TemporaryDirectory() as folder:
            config = make_config(port, 10, args.concurrency, folder)
            with Store(config.database_path) as store:
                collect(config, store)
        for feeds in sizes:
            rows[feeds] = measure_size(port, feeds, args)
    finally:
        server.terminate()
        server.join()
    print(
        f"entries per feed: {args.entries}, concurrency {args.concurrency}, "
        f"medians of {args.repeat}"
    )
    print(
        f"{'feeds':>6} {'first-pass heap':>16} {'first pass':>11} "
        f"{'all-304':>8} {'bare':>6} {'ratio':>6}"
    )
    for feeds, (heap, first, ours, bare) in rows.items():
        print(
            f"{feeds:6d} {heap:13.1f} MB {first:9.2f} s {ours:6.2f} s {bare:4.2f} s "
            f"{ours / bare:5.2f}x"
        )
    small, large = sizes[0], sizes[-1]
    ok = True
    if large > small:
        span = math.log(large / small)
        ours_exp = math.log(rows[large][2] / rows[small][2]) / span
        bare_exp = math.log(rows[large][3] / rows[small][3]) / span
        memory_ratio = rows[large][0] / rows[small][0]
        print(
            f"all-304 growth exponent {small}->{large}: {ours_exp:.2f} "
            f"(bare baseline {bare_exp:.2f})"
        )
        print(f"first-pass peak heap {large}/{small}: {memory_ratio:.2f}x   (target <= 1.5x)")
        ok = memory_ratio <= 1.5
    if 2000 in rows:
        print(f"all-304 at 2000 feeds: {rows[2000][2]:.2f} s   (target <= 2 s)")
        ok = ok and rows[2000][2] <= 2
    return 0 if ok else 1


def measure_size(
    port: int, feeds: int, args: argparse.Namespace
) -> tuple[float, float, float, float]:
    """(first-pass peak heap MB, first-pass s under tracemalloc, all-304 s, bare 304 s)."""
    with tempfile.TemporaryDirectory() as folder:
        config = make_config(port, feeds, args.concurrency, folder)
        with Store(config.database_path) as store:
            tracemalloc.start()
            first, report = timed(lambda: collect(config, store))
            heap = tracemalloc.get_traced_memory()[1] / 1e6
            tracemalloc.stop()
            assert not report.failed, report.failed[:3]
            ours: list[float] = []
            bare: list[float] = []
            for _ in range(args.repeat):
                seconds, again = timed(lambda: collect(config, store))
                assert sum(s.not_modified for s in again.sources) == feeds
                ours.append(seconds)
                bare.append(timed(lambda: bare_conditional_gets(port, feeds, args.concurrency))[0])
    return heap, first, statistics.median(ours), statistics.median(bare)


def bare_conditional_gets(port: int, feeds: int, workers: int) -> list[int]:
    """The same 304s with a bare httpx client from ``workers`` threads: the floor we build on."""
    import httpx

    limits = httpx.Limits(max_connections=workers * 2, max_keepalive_connections=workers)
    with httpx.Client(limits=limits) as client:

        def one(n: int) -> int:
            etag = f'"/feed/{n}.xml-v1"'
            url = f"http://127.0.0.1:{port}/feed/{n}.xml"
            return client.get(url, headers={"If-None-Match": etag}).status_code

        with ThreadPoolExecutor(workers) as pool:
            return list(pool.map(one, range(feeds)))


def naive_fetch_and_parse(port: int, feeds: int) -> int:
    """What a script without our safeguards would do: fetch and parse, nothing else."""
    import feedparser
    import httpx

    entries = 0
    with httpx.Client() as client:
        for n in range(feeds):
            body = client.get(f"http://127.0.0.1:{port}/feed/{n}.xml").content
            entries += len(feedparser.parse(body).entries)
    return entries


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


if __name__ == "__main__":
    sys.exit(main())
