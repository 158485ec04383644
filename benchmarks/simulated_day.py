"""A simulated morning: real multi-source news served as RSS feeds on loopback, then `briefing run`.

Usage:
    python benchmarks/simulated_day.py ../shared/eval/multidoc-dev.jsonl \\
        ../shared/eval/dev-en.jsonl ../shared/eval/dev-fr.jsonl [--distractors 40] [--keep DIR]

The multi-source events' articles become one feed per outlet (their links'
host names), with the given number of single-source articles (a fixed sample)
as two more outlets; each entry carries its article's text as HTML paragraphs.
The feeds are served by a loopback HTTP server and read by ``briefing run`` in a
fresh process with ``allow_private``, as a user's day would be, into Markdown,
HTML, PDF, JSON and an email. It then prints what an editor reading the result
would look for first: the cover's counts, quoted sentences that are not in their
article word for word, quotes that end on a bracket without a full stop (a time
stamp or credit), PDF lines holding a single word of a sentence that goes on,
lines ending on the dash before a source's name, and the PDF's page count. It
is how the fixes of this CHANGELOG's "simulated day" entries were found and
measured; it is not a test (it needs ../shared).
"""

from __future__ import annotations

import argparse
import datetime
import html
import http.server
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import urllib.parse
from collections import defaultdict
from email.utils import format_datetime
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NOW = datetime.datetime(2026, 12, 1, 6, 0, tzinfo=datetime.UTC)


def outlets(multidoc: str, distractors: list[str], count: int) -> dict[str, list[dict[str, str]]]:
    """Entries by outlet: the events' articles by link host, then the distractors."""
    feeds: dict[str, list[dict[str, str]]] = defaultdict(list)
    with open(multidoc, encoding="utf-8") as handle:
        for line in handle:
            for source in json.loads(line)["sources"]:
                host = urllib.parse.urlparse(source["url"]).netloc.removeprefix("www.")
                feeds[host or "unknown"].append(
                    {"title": source["title"], "url": source["url"], "text": source["text"]}
                )
    records = []
    for path in distractors:
        with open(path, encoding="utf-8") as handle:
            records += [json.loads(line) for line in handle]
    for record in random.Random(7).sample(records, min(count, len(records))):
        host = "distractors-en.example" if record["lang"] == "en" else "distractors-fr.example"
        title = record.get("title") or " ".join(record["text"].split()[:10])
        url = f"https://{host}/{record['id']}"
        feeds[host].append({"title": title, "url": url, "text": record["text"]})
    return feeds


def rss(host: str, entries: list[dict[str, str]]) -> str:
    items = []
    for index, entry in enumerate(entries):
        body = "".join(f"<p>{html.escape(p)}</p>" for p in entry["text"].split("\n") if p.strip())
        published = format_datetime(NOW - datetime.timedelta(minutes=7 * index))
        items.append(
            f"<item><title>{html.escape(entry['title'])}</title>"
            f"<link>{html.escape(entry['url'])}</link><guid>{html.escape(entry['url'])}</guid>"
            f"<pubDate>{published}</pubDate><description>{html.escape(body)}</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{html.escape(host)}</title><link>https://{html.escape(host)}/</link>"
        f"<description>{html.escape(host)}</description>{''.join(items)}</channel></rss>"
    )


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """The day's requests are not news."""


def serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def write_day(folder: Path, feeds: dict[str, list[dict[str, str]]], base: str) -> Path:
    (folder / "feeds").mkdir(parents=True)
    lines = [
        'title = "Simulated day"',
        'output_dir = "out"',
        'formats = ["md", "html", "pdf", "json"]',
        "",
        "[fetch]",
        "allow_private = true",
        "",
        "[email]",
        'from = "briefing@example.org"',
        'to = ["desk@example.org"]',
        "",
    ]
    for number, (host, entries) in enumerate(sorted(feeds.items())):
        (folder / "feeds" / f"{number}.xml").write_text(rss(host, entries), encoding="utf-8")
        lines += ["[[sources]]", f'name = "{host}"', f'feed = "{base}/feeds/{number}.xml"']
        lines += ["full_text = false", ""]  # the entries hold the whole text; no page fetches
    config = folder / "briefing.toml"
    config.write_text("\n".join(lines), encoding="utf-8")
    return config


def report(out: Path) -> None:
    import pypdf

    from briefing.text.clean import clean_text

    markdown = next(out.glob("briefing-*.md")).read_text(encoding="utf-8")
    print(markdown.splitlines()[2])
    data = json.loads(next(out.glob("briefing-*.json")).read_text(encoding="utf-8"))
    texts = _article_texts(out)
    quoted = not_verbatim = on_bracket = 0
    for story in data["stories"]:
        for sentence in story["sentences"]:
            quoted += 1
            text = sentence["text"]
            article = story["articles"][sentence["article"]]
            raw = texts.get(article["url"] or "", "")
            flat = " ".join(clean_text(raw).split())
            not_verbatim += " ".join(text.split()) not in flat
            on_bracket += text.endswith(")") and text.rstrip(")'\"”’» ")[-1:] not in ".!?…"
    print(f"quoted sentences: {quoted}; not word for word in their article: {not_verbatim}")
    print(f"quotes ending on a bracket without a full stop: {on_bracket}")
    reader = pypdf.PdfReader(io.BytesIO(next(out.glob("briefing-*.pdf")).read_bytes()))
    lines = [
        line.strip() for page in reader.pages for line in (page.extract_text() or "").split("\n")
    ]
    dashes = sum(line.endswith("—") for line in lines)
    alone = _lone_first_words(next(out.glob("briefing-*.html")).read_text(encoding="utf-8"))
    print(
        f"PDF: {len(reader.pages)} pages; lines ending on a source's dash: {dashes}; "
        f"story sentences whose first line holds a short word and little else: {alone}"
    )


def _lone_first_words(page: str) -> int:
    """Story sentences whose first line is under half full while the sentence goes on."""
    from weasyprint import CSS, HTML
    from weasyprint.formatting_structure.boxes import LineBox, TextBox

    from briefing.pdf import PDF_STYLESHEET, assets_dir, make_fetcher

    fetcher = make_fetcher()
    stylesheet = CSS(string=(assets_dir() / PDF_STYLESHEET).read_text(), url_fetcher=fetcher)
    document = HTML(string=page, url_fetcher=fetcher, base_url=None).render(
        stylesheets=[stylesheet]
    )
    count = 0
    for laid_out in document.pages:
        for box in laid_out._page_box.descendants():
            element = getattr(box, "element", None)
            if box.element_tag != "ul" or element is None or element.get("class") != "sentences":
                continue
            for item in box.children:
                lines = [b for b in item.descendants() if isinstance(b, LineBox)]
                if len(lines) < 2:
                    continue
                first = [t for t in lines[0].descendants() if isinstance(t, TextBox)]
                used = sum(t.width for t in first)
                count += len("".join(t.text for t in first).split()) <= 2 and used < item.width / 2
    return count


def _article_texts(out: Path) -> dict[str, str]:
    import sqlite3

    with sqlite3.connect(out / "briefing.sqlite3") as db:
        return {
            str(url): str(text or "") for url, text in db.execute("SELECT url, text FROM articles")
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("multidoc")
    parser.add_argument("distractors", nargs="+")
    parser.add_argument("--distractors-count", type=int, default=40, dest="count")
    parser.add_argument("--keep", type=Path, help="write the day's feeds and briefing here")
    args = parser.parse_args()
    feeds = outlets(args.multidoc, args.distractors, args.count)
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch) / "day"
        server, base = serve(_root_for(folder))
        try:
            config = write_day(folder, feeds, base + "/" + folder.name)
            entries = sum(len(e) for e in feeds.values())
            print(f"{len(feeds)} feeds, {entries} entries")
            done = subprocess.run(
                [sys.executable, "-m", "briefing", "run", "--config", str(config)],
                cwd=folder,
                env={**os.environ, "PYTHONPATH": str(ROOT)},  # this checkout's package
                capture_output=True,
                text=True,
                check=False,
            )
            said = [line for line in done.stderr.splitlines() if line.startswith("briefing: 20")]
            print(said[-1] if said else done.stderr.strip()[-500:])
            if done.returncode != 0:
                return done.returncode
            report(folder / "out")
        finally:
            server.shutdown()
    return 0


def _root_for(folder: Path) -> Path:
    folder.parent.mkdir(parents=True, exist_ok=True)
    return folder.parent


if __name__ == "__main__":
    sys.exit(main())
