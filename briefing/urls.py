"""URL normalisation, so the same article reached by two links is one article."""

from __future__ import annotations

from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that only track the reader; they never select content.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "yclid",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "ref_src",
        "cmpid",
        "ncid",
        "ito",
        "wt_mc",
        "xtor",
        "xts",
        "ocid",
        "s_cid",
        "spm",
        "_ga",
        "_gl",
        "twclid",
        "ttclid",
        "li_fat_id",
        "ns_mchannel",
        "ns_source",
        "ns_campaign",
        "ns_linkname",
        "ns_fee",
        "cmp",
        "cmpgn",
        "srcid",
        "guccounter",
        "guce_referrer",
        "guce_referrer_sig",
        "__twitter_impression",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "piwik_", "at_", "oly_", "mtm_", "hsa_", "vero_")
DEFAULT_PORTS = {"http": 80, "https": 443}


def is_tracking_param(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def split_url(url: str) -> SplitResult | None:
    """``urlsplit(url)``, or None for an address no browser would open.

    Links come from strangers: "http://[::1/x" (an unclosed IPv6 host) makes
    ``urlsplit`` raise, and "http://x.org:99999/" makes ``.port`` raise later.
    One such link must cost only itself, never its feed.
    """
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 -- read to check it: it raises for "abc" or 99999
    except ValueError:
        return None
    return parts


def normalize_url(url: str) -> str:
    """A canonical form of ``url`` for deduplication (never for fetching).

    Lower-cases scheme and host, drops default ports, fragments, tracking
    parameters and a trailing slash, and sorts the remaining query. ``http``
    and ``https`` are treated as the same article.
    """
    parts = split_url(url)
    if parts is None:
        return url.strip()  # still a key: the same broken link is the same article
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    netloc = host
    if parts.port and parts.port != DEFAULT_PORTS.get(scheme):
        netloc = f"{host}:{parts.port}"
    path = parts.path or "/"
    if len(path) > 1:
        path = path.rstrip("/")
    query = sorted(
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not is_tracking_param(k)
    )
    if scheme in DEFAULT_PORTS:
        scheme = "http"
    return urlunsplit((scheme, netloc, path, urlencode(query), ""))


def is_web_url(url: str | None) -> bool:
    """True for absolute http(s) URLs: the only links a briefing may show."""
    if not url:
        return False
    parts = split_url(url)
    return parts is not None and parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
