"""Publication dates as ISO 8601, with where each came from (``Article.date_provenance``).

Provenance values: ``"metadata"`` (a structured field that came with the input: front matter, a JSON
field, a feed entry, HTML meta tags or JSON-LD, document properties), ``"page"`` (found in the
visible text), ``"url"`` (a /2023/10/05/ path), or ``""`` when unknown. The ingest time is kept apart
in ``Article.ingested_at``.
"""

from __future__ import annotations

import re
from datetime import date, datetime

_URL_DATE = re.compile(r"/((?:19|20)\d\d)[/-](0?[1-9]|1[0-2])[/-](0?[1-9]|[12]\d|3[01])(?:/|[-_]|\b)")
_TEXT_DATE = re.compile(
    r"\b(?:(?:19|20)\d\d-\d\d-\d\d"
    r"|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.? \d{1,2},? (?:19|20)\d\d"
    r"|\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]* (?:19|20)\d\d)\b"
)


def normalize_date(value: object) -> str:
    """A date, datetime or date string -> ISO 8601 ("2023-10-05" or "2023-10-05T10:00:00+00:00").

    Returns "" when ``value`` is empty or not a date.
    """
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value or "").strip()
    if not text:
        return ""
    parsed: datetime | None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        parsed = _parse_free(text)
    if parsed is None:
        return ""
    if not re.search(r"\d:\d\d", text):
        return parsed.date().isoformat()
    return parsed.isoformat(timespec="seconds")


def _parse_free(text: str) -> datetime | None:
    import dateparser

    try:
        parsed = dateparser.parse(text, languages=["en"], settings={"PREFER_DAY_OF_MONTH": "first"})
    except (ValueError, OverflowError):
        return None
    if not isinstance(parsed, datetime) or not 1900 <= parsed.year <= 2100:
        return None
    return parsed


def date_from_url(url: str) -> str:
    """The date in a URL path like /2023/10/05/ or /2023-10-05-, as YYYY-MM-DD; "" when none."""
    match = _URL_DATE.search(url or "")
    if not match:
        return ""
    year, month, day = (int(g) for g in match.groups())
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return ""


def date_from_text(text: str, head: int = 600) -> str:
    """A date written near the top of a text (a byline or dateline); "" when none."""
    match = _TEXT_DATE.search(text[:head])
    return normalize_date(match.group(0)) if match else ""


def date_from_html(html: str) -> tuple[str, str]:
    """(date, provenance) from a web page: its meta tags / JSON-LD first, else its visible text."""
    import htmldate

    # bytes, never str: htmldate downloads a str that starts with "http" and has no space in it, so
    # a crafted page would make it fetch any address (SSRF past ingest.addresses)
    page = html.encode("utf-8", "replace")
    for extensive, provenance in ((False, "metadata"), (True, "page")):
        try:
            found = htmldate.find_date(
                page, extensive_search=extensive, original_date=True, outputformat="%Y-%m-%d"
            )
        except (ValueError, TypeError):
            found = None
        if found:
            return normalize_date(found), provenance
    return "", ""


def resolve(metadata: object = "", page: str = "", url: str = "") -> tuple[str, str]:
    """The first known of: the metadata date, a date on the page, a date in the URL."""
    for value, provenance in (
        (normalize_date(metadata), "metadata"),
        (page, "page"),
        (date_from_url(url), "url"),
    ):
        if value:
            return value, provenance
    return "", ""
