"""URL normalisation: the same article reached by different links is one article."""

from __future__ import annotations

import pytest

from briefing.urls import is_web_url, normalize_url


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://Example.COM/News/1", "https://example.com/News/1"),
        ("https://example.com/a/?utm_source=rss&utm_medium=feed", "https://example.com/a"),
        ("https://www.example.com/a#comments", "http://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("https://example.com/a?b=2&a=1", "https://example.com/a?a=1&b=2"),
        ("https://www.lemonde.fr/x.html?xtor=RSS-3208", "https://lemonde.fr/x.html"),
        ("https://example.com/a?fbclid=abc&gclid=def&mtm_campaign=x", "https://example.com/a"),
        ("https://example.com.", "https://example.com/"),
    ],
)
def test_equivalent_links_normalise_to_the_same_key(a: str, b: str) -> None:
    assert normalize_url(a) == normalize_url(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://example.com/a?id=1", "https://example.com/a?id=2"),
        ("https://example.com/A", "https://example.com/a"),
        ("https://example.com:8080/a", "https://example.com/a"),
        ("https://example.com/a", "https://example.org/a"),
    ],
)
def test_different_articles_keep_different_keys(a: str, b: str) -> None:
    assert normalize_url(a) != normalize_url(b)


@pytest.mark.parametrize(
    ("url", "web"),
    [
        ("https://example.com/", True),
        ("http://x.org/a", True),
        ("javascript:alert(1)", False),
        ("data:text/html,x", False),
        ("file:///etc/passwd", False),
        ("/relative", False),
        (None, False),
        ("", False),
    ],
)
def test_only_absolute_http_links_are_web_urls(url: str | None, web: bool) -> None:
    assert is_web_url(url) is web


@pytest.mark.parametrize(
    "url", ["http://[::1/x", "http://x.org:99999/a", "http://x.org:abc/a", "https://[oops"]
)
def test_a_malformed_link_is_no_web_url_and_still_has_a_key(url: str) -> None:
    assert is_web_url(url) is False
    assert normalize_url(url) == url  # raised ValueError before
