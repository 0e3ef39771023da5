"""Country names, demonyms, capitals and alternative names, both ways: "South Korean" <-> "South Korea".

The table comes from the ``countryinfo`` package (names, demonyms and alternative spellings of ~250
countries and territories); only a few nicknames that no data package carries are listed here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

# Informal names that data packages leave out. Kept short on purpose.
NICKNAMES = {
    "Kiwi": "New Zealand",
    "Kiwis": "New Zealand",
    "Aussie": "Australia",
    "Aussies": "Australia",
    "Brit": "United Kingdom",
    "Brits": "United Kingdom",
    "U.S.": "United States",
    "U.S.A.": "United States",
    "U.K.": "United Kingdom",
    "Washington": "United States",
    "Korea": "South Korea",  # in news, "Korea" and "Korean" mostly mean the South
    "Korean": "South Korea",  # the capital as countryinfo spells it is "Washington D.C."
}
# ISO codes such as "IQ" or "NO" collide with ordinary words; only these well-known ones name a country.
KNOWN_CODES = {"US", "USA", "UK", "UAE", "DRC", "PRC", "ROK", "DPRK"}
_ISO_CODE = re.compile(r"^[A-Z]{2,3}$")


@dataclass(frozen=True)
class Place:
    """One country or territory: its usual name and demonym (adjective), e.g. Iraq / Iraqi."""

    name: str
    demonym: str | None
    capital: str | None = None

    @property
    def forms(self) -> tuple[str, ...]:
        """The name first, then the demonym and the capital (news writes "Seoul" for South Korea)."""
        return tuple(dict.fromkeys(f for f in (self.name, self.demonym, self.capital) if f))


@cache
def place_index() -> dict[str, Place]:
    """Every name, demonym, alternative spelling and nickname, mapped to its place (case as written)."""
    from countryinfo import CountryInfo

    index: dict[str, Place] = {}
    aliases: list[tuple[str, Place]] = []
    capitals: list[tuple[str, Place]] = []
    # the most populous first, so a demonym several places share ("American") names the largest
    countries = sorted(CountryInfo.all().values(), key=lambda i: -_population(i))
    for info in countries:
        name = str(info.get("name") or "").strip()
        if not name:
            continue
        demonym = str(info.get("demonym") or "").strip() or None
        capital = str(info.get("capital") or "").strip() or None
        place = Place(name, demonym, capital)
        index.setdefault(name, place)
        if demonym:
            index.setdefault(demonym, place)
        if capital:
            capitals.append((capital, place))
        for alias in info.get("altSpellings") or []:
            alias = str(alias).strip()
            if alias and alias.isascii() and (not _ISO_CODE.match(alias) or alias in KNOWN_CODES):
                aliases.append((alias, place))
    for alias, place in [*aliases, *capitals]:  # names and demonyms win over other spellings and capitals
        index.setdefault(alias, place)
    for nickname, name in NICKNAMES.items():
        if name in index:
            index.setdefault(nickname, index[name])
    return index


def _population(info: Mapping[str, object]) -> int:
    try:
        return int(str(info.get("population") or 0))
    except ValueError:
        return 0


def find_place(text: str) -> Place | None:
    """The place that ``text`` names or describes ("South Korean" -> South Korea), or None.

    Matching ignores a leading "the" and falls back to a case-insensitive look-up of whole names only.
    """
    text = re.sub(r"^(?:the)\s+", "", text.strip(), flags=re.IGNORECASE)
    index = place_index()
    if text in index:
        return index[text]
    lowered = _lowered_index()
    return lowered.get(text.lower()) if len(text) > 3 else None


@cache
def _lowered_index() -> dict[str, Place]:
    return {key.lower(): place for key, place in reversed(place_index().items())}
