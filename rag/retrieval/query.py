"""Question understanding: the outlets and the time a question names.

Outlets are matched against the outlets actually in the store, with aliases derived from their names
("Cnbc | World Business News Leader" answers to "CNBC" and "World Business News Leader"; "The
Independent" names all three Independent sections) plus any given explicitly. Time expressions
become date ranges: absolute ("on September 28, 2023", "in October 2023", "2023-10-05"), relative to
a reference date ("yesterday", "last week", "past 3 days", "this month") and qualified ("before",
"after", "since", "until", "between ... and ..."); "latest"/"most recent" asks for recency. The
retriever treats all of these as soft boosts, never as filters: a question that says "after X
reported ..." still needs X's report.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from rag.retrieval.spoken_dates import spoken_dates

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_QUAL = r"(?:(?P<qual>before|after|since|until|till|prior to|by|from|between|and|through|to)\s+(?:the\s+)?)?"
_PART = r"(?:early|mid-?|late)"
_ABSOLUTE = [
    ("day", re.compile(rf"\b{_QUAL}(?:on\s+)?{_MONTH}\s+{_DAY},?\s+{_YEAR}\b", re.I)),
    ("day", re.compile(rf"\b{_QUAL}(?:on\s+)?(?P<iso>{_YEAR}-(?P<m>\d\d)-(?P<d>\d\d))\b", re.I)),
    ("day", re.compile(rf"\b{_QUAL}(?:on\s+)?(?:the\s+)?{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}\b", re.I)),
    ("month", re.compile(rf"\b{_QUAL}(?:in\s+|during\s+)?(?:{_PART}\s*)?{_MONTH},?\s+{_YEAR}\b", re.I)),
    ("dayref", re.compile(rf"\b{_QUAL}(?:on\s+)?{_MONTH}\s+{_DAY}\b(?!,?\s+\d)", re.I)),
]  # fmt: skip
_RELATIVE = re.compile(
    r"\b(?P<rel>today|yesterday|this week|last week|past week|this month|last month|past month"
    r"|(?:in the )?(?:past|last) (?P<n>\d+|two|three|four|five|six|seven|ten)"
    r" (?P<unit>days?|weeks?|months?))\b",
    re.I,
)
_RECENT = re.compile(r"\b(latest|most recent(?:ly)?|newest|recent(?:ly)?|current(?:ly)?)\b", re.I)
_NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "ten": 10}
_SPLIT = re.compile(r"\s+(?:\||-|–|—|:)\s+|:\s+")


@dataclass(frozen=True)
class DateRange:
    """An inclusive range of publication dates; ``None`` ends are open."""

    start: date | None
    end: date | None
    text: str = ""
    qual: str = ""  # the word before the date: "before", "after", "between", ...
    at: int = -1  # character offset in the question

    def contains(self, day: date) -> bool:
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class OutletMention:
    """Words of the question that name one or more store outlets, with their offsets."""

    start: int
    end: int
    text: str
    outlets: tuple[str, ...]


@dataclass
class QuestionPart:
    """The clause around one outlet mention: what to look for in that outlet, and when."""

    outlets: list[str]
    text: str
    dates: list[DateRange] = field(default_factory=list)


@dataclass
class ParsedQuestion:
    """What the question asks for, besides its words."""

    question: str
    outlets: list[str] = field(default_factory=list)  # store outlet names, in order of mention
    outlet_mentions: list[str] = field(default_factory=list)  # the words that named them
    dates: list[DateRange] = field(default_factory=list)
    recency: bool = False
    parts: list[QuestionPart] = field(default_factory=list)  # one per outlet mention


def outlet_aliases(outlet: str) -> set[str]:
    """Names a question may use for ``outlet``: the full name and its parts ("X | Tagline", "X - Section")."""
    name = outlet.strip()
    aliases = {name}
    parts = [p.strip() for p in _SPLIT.split(name) if p.strip()]
    if len(parts) > 1:
        aliases.add(parts[0])
        # taglines count only when specific enough ("World Business News Leader", not "Sports")
        aliases.update(p for p in parts[1:] if len(p.split()) >= 3)
    for alias in list(aliases):
        if alias.lower().endswith(".com"):
            aliases.add(alias[:-4])
    return {a for a in aliases if len(a) >= 3}


class OutletMatcher:
    """Finds the store's outlets named in a text, longest alias first."""

    def __init__(self, outlets: Iterable[str], extra_aliases: Mapping[str, str] | None = None) -> None:
        self.outlets = sorted({o for o in outlets if o})
        table: dict[str, set[str]] = {}
        self._case: dict[str, list[bool]] = {}
        pairs = [(a, o) for o in self.outlets for a in outlet_aliases(o)]
        pairs += [(a, o) for a, o in (extra_aliases or {}).items() if o in self.outlets]
        for alias, outlet in pairs:
            table.setdefault(alias.lower(), set()).add(outlet)
            self._case[alias.lower()] = _case_pattern(alias)
        self._table = table
        self._pattern = (
            re.compile(
                r"(?<![\w])("
                + "|".join(re.escape(a) for a in sorted(table, key=len, reverse=True))
                + r")(?![\w])",
                re.I,
            )
            if table
            else None
        )

    def find(self, text: str) -> list[OutletMention]:
        """Each outlet mention in ``text``, in order."""
        if self._pattern is None:
            return []
        found: list[OutletMention] = []
        for match in self._pattern.finditer(text):
            mention = match.group(1)
            alias = mention.lower()
            if _same_case(mention, self._case[alias]):
                found.append(
                    OutletMention(match.start(1), match.end(1), mention, tuple(sorted(self._table[alias])))
                )
        return found

    def resolve(self, name: str) -> list[str]:
        """Store outlets for a user-given name: exact name, else alias (case-insensitive), else as given."""
        if name in self.outlets:
            return [name]
        return sorted(self._table.get(name.strip().lower(), {name}))


def _case_pattern(alias: str) -> list[bool]:
    return [w[:1].isupper() for w in alias.split()]


def _same_case(mention: str, capitalised: list[bool]) -> bool:
    """Capitalised words of the alias must be capitalised in the text ("The Age", not "the age of")."""
    words = mention.split()
    for i, (word, upper) in enumerate(zip(words, capitalised, strict=False)):
        if upper and not word[:1].isupper() and not (i == 0 and word.lower() == "the"):
            return False
    return True


class QuestionParser:
    """Turns a question into outlets, date ranges and a recency flag (see the module docstring)."""

    def __init__(self, outlets: OutletMatcher, today: date | None = None) -> None:
        self.matcher = outlets
        self.today = today

    def parse(self, question: str, today: date | None = None) -> ParsedQuestion:
        parsed = ParsedQuestion(question)
        mentions = self.matcher.find(question)
        for mention in mentions:
            parsed.outlet_mentions.append(mention.text)
            parsed.outlets.extend(o for o in mention.outlets if o not in parsed.outlets)
        reference = today or self.today or date.today()
        parsed.dates = parse_dates(question, reference)
        # what the grammar misses ("8 days ago", "last Tuesday"), from the shared question analysis
        spans = [(r.at, r.at + len(r.text)) for r in parsed.dates]
        spoken = [
            DateRange(s.start, s.end, s.text, "", s.at) for s in spoken_dates(question, reference, spans)
        ]
        parsed.dates = sorted(parsed.dates + spoken, key=lambda r: r.at)
        parsed.recency = bool(_RECENT.search(question))
        parsed.parts = split_parts(question, mentions, parsed.dates)
        return parsed


def split_parts(question: str, mentions: list[OutletMention], dates: list[DateRange]) -> list[QuestionPart]:
    """One part per outlet mention: the text from the previous mention to the next one.

    "Does X suggest A, while Y claims B?" gives X the words up to "Y" and Y the words after "X";
    the dates written inside that stretch are the part's dates ("the Y report of October 4, 2023").
    """
    parts: list[QuestionPart] = []
    for i, mention in enumerate(mentions):
        begin = mentions[i - 1].end if i > 0 else 0
        end = mentions[i + 1].start if i + 1 < len(mentions) else len(question)
        after = [d for d in dates if mention.end <= d.at < end]
        before = [d for d in dates if begin <= d.at < mention.start]
        # "the Y report published on <date>": the first date after the mention, else the last before
        own = after[:1] or before[-1:]
        text = " ".join(
            w for w in (question[begin : mention.start], question[mention.end : end]) if w.strip()
        )
        parts.append(QuestionPart(list(mention.outlets), text.strip(), own))
    return parts


def parse_dates(text: str, today: date) -> list[DateRange]:
    """Every time expression in ``text`` as a date range (see the module docstring)."""
    found: list[tuple[int, DateRange]] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _ABSOLUTE:
        for match in pattern.finditer(text):
            if any(match.start() < e and s < match.end() for s, e in taken):
                continue
            span = _absolute(kind, match, today)
            if span is None:
                continue
            taken.append(match.span())
            found.append((match.start(), _qualified(match.group("qual"), span[0], span[1], match.group(0))))
    for match in _RELATIVE.finditer(text):
        found.append((match.start(), _relative(match, today)))
    found = [(at, replace(r, at=at)) for at, r in found]
    found.sort(key=lambda item: item[0])
    return _join_between([r for _, r in found])


def _absolute(kind: str, match: re.Match[str], today: date) -> tuple[date, date] | None:
    try:
        if match.groupdict().get("iso"):
            day = date(int(match.group("year")), int(match.group("m")), int(match.group("d")))
            return day, day
        month = _MONTHS[match.group("month").lower().rstrip(".")]
        if kind == "month":
            year = int(match.group("year"))
            return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
        year = int(match.group("year")) if kind == "day" else today.year
        day = date(year, month, int(match.group("day")))
        if kind == "dayref" and day > today:  # "on March 3" said in February means last year
            day = date(year - 1, month, day.day)
        return day, day
    except ValueError:
        return None


def _qualified(qual: str | None, start: date, end: date, text: str) -> DateRange:
    q = (qual or "").lower()
    if q == "before" or q == "prior to":
        return DateRange(None, start - timedelta(1), text, q)
    if q in ("until", "till", "by", "to", "through"):
        return DateRange(None, end, text, q)
    if q == "after":
        return DateRange(end + timedelta(1), None, text, q)
    if q in ("since", "from", "between"):
        return DateRange(start, None, text, q)
    return DateRange(start, end, text, q)


def _join_between(ranges: list[DateRange]) -> list[DateRange]:
    """ "between A and B" / "from A to B": the pair becomes one closed range."""
    out: list[DateRange] = []
    for r in ranges:
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.qual in ("between", "from")
            and r.qual in ("and", "to", "through", "until", "till")
            and prev.start is not None
            and r.end is not None
            and r.end >= prev.start
        ):
            out[-1] = DateRange(prev.start, r.end, f"{prev.text} {r.text}", "between", prev.at)
            continue
        out.append(r)
    return out


def _relative(match: re.Match[str], today: date) -> DateRange:
    rel = match.group("rel").lower()
    text = match.group(0)
    if rel == "today":
        return DateRange(today, today, text)
    if rel == "yesterday":
        return DateRange(today - timedelta(1), today - timedelta(1), text)
    if rel == "this week":
        return DateRange(today - timedelta(today.weekday()), today, text)
    if rel == "last week":
        monday = today - timedelta(today.weekday() + 7)
        return DateRange(monday, monday + timedelta(6), text)
    if rel == "this month":
        return DateRange(today.replace(day=1), today, text)
    if rel == "last month":
        end = today.replace(day=1) - timedelta(1)
        return DateRange(end.replace(day=1), end, text)
    if rel in ("past week", "past month"):
        return DateRange(today - timedelta(7 if rel == "past week" else 30), today, text)
    raw = match.group("n").lower()
    n = int(raw) if raw.isdigit() else _NUMBERS[raw]
    unit = match.group("unit").lower().rstrip("s")
    days = n * {"day": 1, "week": 7, "month": 30}[unit]
    return DateRange(today - timedelta(days), today, text)
