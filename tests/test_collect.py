"""Collecting many sources at once: concurrency, failures, deduplication, 304s."""

from __future__ import annotations

import gc
import threading
import time
from pathlib import Path

import pytest
from http_server import ConcurrencyProbe, LoopbackServer, Reply, server, with_etag
from slow_server import DripServer, drip_server

from briefing.collect import collect
from briefing.config import parse_config
from briefing.errors import RunStopped
from briefing.sources.base import FetchResult
from briefing.store import Store

__all__ = ["drip_server", "server"]

FEEDS = Path(__file__).parent / "data" / "feeds"


def rss(*items: tuple[str, str, str]) -> bytes:
    body = "".join(
        f"<item><title>{title}</title><link>{link}</link><description>{text}</description>"
        "<pubDate>Mon, 02 Jun 2025 09:00:00 GMT</pubDate></item>"
        for title, link, text in items
    )
    return f'<rss version="2.0"><channel><title>t</title>{body}</channel></rss>'.encode()


def config_for(tmp_path: Path, sources: list[dict[str, object]], **fetch: object):  # type: ignore[no-untyped-def]
    settings = {"allow_private": True, "timeout": 2.0, "retries": 0, "page_timeout": 1.0} | fetch
    return parse_config(
        {"output_dir": str(tmp_path), "sources": sources, "fetch": settings},
        path=tmp_path / "briefing.toml",
    )


def test_one_bad_source_never_loses_the_others(server: LoopbackServer, tmp_path: Path) -> None:
    good = server.route("/good.xml", Reply(200, rss(("A", "https://a.example/1", "Alpha text."))))
    broken = server.route("/broken.xml", Reply(500, b"oops"))
    hostile = server.route("/laughs.xml", Reply(200, (FEEDS / "billion-laughs.xml").read_bytes()))
    config = config_for(
        tmp_path,
        [
            {"name": "good", "feed": good, "full_text": False},
            {"name": "broken", "feed": broken},
            {"name": "hostile", "feed": hostile},
            {"name": "missing", "folder": str(tmp_path / "nowhere")},
        ],
    )
    completed: list[str] = []
    with Store(config.database_path) as store:
        report = collect(config, store, progress=completed.append)
        statuses = {s.source: s for s in store.source_statuses(["good", "broken", "hostile"])}
    assert [s.name for s in report.sources] == ["good", "broken", "hostile", "missing"]
    assert sorted(completed) == ["broken", "good", "hostile", "missing"]
    by_name = {s.name: s for s in report.sources}
    assert by_name["good"].new == 1 and by_name["good"].error is None
    assert "500" in (by_name["broken"].error or "")
    assert "entity" in (by_name["hostile"].error or "")
    assert "folder not found" in (by_name["missing"].error or "")
    assert statuses["good"].last_success and statuses["good"].articles == 1
    assert statuses["broken"].last_error and not statuses["broken"].last_success


def test_second_run_is_all_304_and_finds_nothing_new(
    server: LoopbackServer, tmp_path: Path
) -> None:
    urls = [
        server.route(
            f"/f{i}.xml",
            with_etag(rss((f"T{i}", f"https://x.example/{i}", f"Text number {i}.")), f'"e{i}"'),
        )
        for i in range(5)
    ]
    config = config_for(
        tmp_path, [{"name": f"f{i}", "feed": u, "full_text": False} for i, u in enumerate(urls)]
    )
    with Store(config.database_path) as store:
        first = collect(config, store)
        second = collect(config, store)
    assert first.new == 5
    assert second.new == 0 and all(s.not_modified for s in second.sources)
    assert sum(1 for r in server.requests if r.headers.get("if-none-match")) == 5


def test_syndicated_story_is_stored_once_with_both_sources(
    server: LoopbackServer, tmp_path: Path
) -> None:
    story = (
        "Harbour wall approved",
        "https://news.example.com/wall?utm_source=a",
        "The council approved the harbour wall on Monday.",
    )
    copy = (
        "Harbour wall approved",
        "https://www.news.example.com/wall/?utm_source=b#top",
        "The council approved the harbour wall on Monday.",
    )
    one = server.route("/one.xml", Reply(200, rss(story)))
    two = server.route("/two.xml", Reply(200, rss(copy)))
    config = config_for(
        tmp_path,
        [
            {"name": "one", "feed": one, "full_text": False},
            {"name": "two", "feed": two, "full_text": False},
        ],
    )
    with Store(config.database_path) as store:
        report = collect(config, store)
        (article,) = store.unbriefed_articles()
        also = store.other_sources(article.id or 0, article.source)
    assert report.new == 1 and sum(s.seen for s in report.sources) == 1
    assert {article.source, *also} == {"one", "two"}


def test_unbriefed_articles_stay_new_across_runs(server: LoopbackServer, tmp_path: Path) -> None:
    feed = server.route("/feed.xml", Reply(200, rss(("A", "https://a.example/1", "Alpha."))))
    config = config_for(tmp_path, [{"name": "feed", "feed": feed, "full_text": False}])
    with Store(config.database_path) as store:
        collect(config, store)
        second = collect(config, store)  # no ETag: fetched again, nothing new
        assert second.sources[0].seen == 1
        assert [a.title for a in store.unbriefed_articles()] == ["A"]


def test_sources_are_fetched_concurrently(server: LoopbackServer, tmp_path: Path) -> None:
    body = rss(("S", "https://s.example/1", "Slow text."))
    urls = [server.route(f"/slow{i}.xml", Reply(200, body, delay=0.4)) for i in range(6)]
    config = config_for(
        tmp_path,
        [{"name": f"s{i}", "feed": u, "full_text": False} for i, u in enumerate(urls)],
        concurrency=6,
        per_host=6,
    )
    started = time.monotonic()
    with Store(config.database_path) as store:
        report = collect(config, store)
    assert not report.failed
    assert time.monotonic() - started < 1.5  # sequentially it would take 2.4 s


def test_per_host_politeness_applies_across_sources(server: LoopbackServer, tmp_path: Path) -> None:
    answer = ConcurrencyProbe(Reply(200, rss(("P", "https://p.example/1", "Polite."))))

    urls = [server.route(f"/p{i}.xml", answer) for i in range(6)]
    config = config_for(
        tmp_path,
        [{"name": f"p{i}", "feed": u, "full_text": False} for i, u in enumerate(urls)],
        concurrency=6,
        per_host=2,
    )
    with Store(config.database_path) as store:
        collect(config, store)
    assert answer.peak == 2


@pytest.mark.parametrize("allow", [False, True])
def test_private_addresses_need_permission(
    server: LoopbackServer, tmp_path: Path, allow: bool
) -> None:
    url = server.route("/feed.xml", Reply(200, rss(("A", "https://a.example/1", "Alpha."))))
    config = config_for(
        tmp_path,
        [{"name": "local", "feed": url, "allow_private": allow, "full_text": False}],
        allow_private=False,
    )
    with Store(config.database_path) as store:
        (report,) = collect(config, store).sources
    assert (report.error is None) is allow
    if not allow:
        assert "allow_private" in (report.error or "")


# --- time and memory limits of a whole source and a whole run ---------------------------------


def test_hanging_full_text_pages_cost_at_most_the_sources_time_limit(
    server: LoopbackServer, tmp_path: Path
) -> None:
    teasers = [(f"Story {i}", server.url(f"/page{i}"), f"Teaser {i} …") for i in range(40)]
    for i in range(40):
        server.route(f"/page{i}", Reply(200, b"<html>late</html>", delay=5.0))
    feed = server.route("/teasers.xml", Reply(200, rss(*teasers)))
    config = config_for(
        tmp_path,
        [{"name": "teasers", "feed": feed, "full_text": True}],
        timeout=2.0,
        page_timeout=1.0,
        source_timeout=2.5,
    )
    started = time.monotonic()
    with Store(config.database_path) as store:
        (report,) = collect(config, store).sources
        stored = store.unbriefed_articles()
    assert time.monotonic() - started < 4.5  # one page after another: 20 s
    assert report.error is None and report.new == 40  # nothing dropped: the teasers stay
    assert all("teaser" in a.flags for a in stored)
    (cut,) = [p for p in report.problems if p.startswith("full text not read for")]
    assert "of 40 entries: the source's time limit of 2.5 s ([fetch] source_timeout)" in cut


def test_the_run_as_a_whole_stops_at_its_limit_and_says_what_it_did_not_read(
    server: LoopbackServer, tmp_path: Path
) -> None:
    hanging = server.route("/hang.xml", Reply(200, rss(("H", "https://h.example/1", "H."))))
    server.routes["/hang.xml"] = Reply(200, b"", delay=5.0)
    fast = [
        server.route(f"/f{i}.xml", Reply(200, rss((f"F{i}", f"https://f/{i}", "F."))))
        for i in range(3)
    ]
    config = config_for(
        tmp_path,
        [
            {"name": "hang", "feed": hanging, "full_text": False},
            *({"name": f"f{i}", "feed": u, "full_text": False} for i, u in enumerate(fast)),
        ],
        timeout=4.0,
        concurrency=1,
        run_timeout=1.0,
    )
    started = time.monotonic()
    with Store(config.database_path) as store:
        report = collect(config, store)
        statuses = {s.source: s for s in store.source_statuses(["hang", "f0", "f1", "f2"])}
    assert time.monotonic() - started < 2.5
    errors = {s.name: s.error or "" for s in report.sources}
    assert all(
        "run's collection time limit of 1 s ([fetch] run_timeout)" in e for e in errors.values()
    )
    assert "before its turn" in errors["f2"]
    assert all(statuses[name].last_error for name in errors)  # and `briefing sources` shows it


def test_finished_results_are_stored_and_dropped_not_held_until_the_end(tmp_path: Path) -> None:
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    for i in range(60):
        (feeds / f"f{i}.xml").write_bytes(rss((f"T{i}", f"https://x.example/{i}", f"Text {i}.")))
    config = config_for(
        tmp_path,
        [{"name": f"f{i}", "feed": str(feeds / f"f{i}.xml")} for i in range(60)],
        concurrency=2,
    )
    alive: list[int] = []

    def count_results(name: str) -> None:
        alive.append(sum(isinstance(o, FetchResult) for o in gc.get_objects()))

    with Store(config.database_path) as store:
        report = collect(config, store, progress=count_results)
    assert report.new == 60
    assert max(alive) <= 8  # a window of 2 workers x 2, not all 60


def test_a_stop_abandons_the_sources_in_flight_and_keeps_what_finished(
    drip_server: DripServer, tmp_path: Path
) -> None:
    local = tmp_path / "local.xml"
    local.write_bytes(rss(("L", "https://l.example/1", "Local text.")))
    config = config_for(
        tmp_path,
        [
            {"name": "drip", "feed": drip_server.url(), "full_text": False},
            {"name": "local", "feed": str(local)},
        ],
        timeout=30.0,
        retries=2,
    )
    stop = threading.Event()
    threading.Timer(0.5, stop.set).start()
    started = time.monotonic()
    with Store(config.database_path) as store:
        with pytest.raises(RunStopped, match="stopped during collection"):
            collect(config, store, stop=stop)
        statuses = {s.source: s for s in store.source_statuses(["drip", "local"])}
        stored = [a.title for a in store.unbriefed_articles()]
    assert time.monotonic() - started < 1.5
    assert stored == ["L"]
    assert statuses["drip"].last_attempt is None  # not recorded as a failure: read next run


def test_an_interrupted_collection_abandons_its_requests_instead_of_waiting_for_them(
    drip_server: DripServer, tmp_path: Path
) -> None:
    # Ctrl-C in `briefing run`, or the scheduler's stop noticed at a source's completion.
    local = tmp_path / "local.xml"
    local.write_bytes(rss(("L", "https://l.example/1", "Local text.")))
    config = config_for(
        tmp_path,
        [
            {"name": "drip", "feed": drip_server.url(), "full_text": False},
            {"name": "local", "feed": str(local)},
        ],
        timeout=30.0,
    )

    def interrupt(name: str) -> None:
        time.sleep(0.3)  # the drip source is well under way
        raise KeyboardInterrupt

    started = time.monotonic()
    with Store(config.database_path) as store, pytest.raises(KeyboardInterrupt):
        collect(config, store, progress=interrupt)
    assert time.monotonic() - started < 1.5
