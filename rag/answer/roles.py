"""The role an evidence sentence gives a person, checked against the role a question asks for.

"Who is the Iraqi defense minister?" is not answered by "Dr. Lee Sang-hyun, a defense analyst at the
Korea Institute for Defense Analyses": the sentence names the person's role, and it is another one. A
person with no stated role, or asked for by a broad word ("player", "official", "person"), is kept.
"""

from __future__ import annotations

import re

from rag.question.answer_types import AGENT_SUFFIXES, FOCUS_TYPES, NOT_AGENTS, AnswerType

# Words that cover many roles: a "player" may be described as a "safety", an "official" as a "spokesman".
BROAD_ROLES = frozenset(
    [
        "person",
        "individual",
        "people",
        "man",
        "woman",
        "player",
        "official",
        "leader",
        "executive",
        "member",
        "figure",
        "personality",
        "celebrity",
        "star",
        "athlete",
        "employee",
        "staff",
        "worker",
        "expert",
        "representative",
    ]
)
_APPOSITION = re.compile(
    r"^,\s+(?:a|an|the)\s+((?:[\w-]+\s+){0,3}?[a-z-]+)(?=\s+(?:at|of|for|with|in|from|who|on)\b|\s*[,.;)]|$)"
)
_TITLE = re.compile(r"\b([A-Za-z-]+)\s+$")


def is_role(word: str) -> bool:
    """Whether ``word`` names a person's role: a listed one ("minister", "ceo") or an agent noun."""
    word = word.lower()
    if word in FOCUS_TYPES[AnswerType.PERSON]:
        return True
    return len(word) >= 6 and word.endswith(AGENT_SUFFIXES) and word not in NOT_AGENTS


def stated_roles(sentence: str, start: int, end: int) -> list[str]:
    """The role words a sentence gives the person at ``[start, end)``: an apposition after the name
    ("Lee, a defense *analyst* at ...") or a title before it ("Defense *Minister* Thabet al-Abbasi")."""
    roles = []
    after = _APPOSITION.match(sentence[end:])
    if after:
        head = after.group(1).split()[-1].lower()
        if is_role(head):
            roles.append(head)
    before = _TITLE.search(sentence[:start])
    if before and is_role(before.group(1)):
        roles.append(before.group(1).lower())
    return roles


def role_conflicts(asked: str, sentence: str, start: int, end: int) -> bool:
    """Whether the sentence gives the person a role and it is not the specific role asked for."""
    asked = asked.lower()
    if not is_role(asked) or asked in BROAD_ROLES:
        return False
    roles = stated_roles(sentence, start, end)
    return bool(roles) and all(_singular(r) != _singular(asked) for r in roles)


def _singular(word: str) -> str:
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


# Kinds of organisation a name shows ("... *Institute* for Defense Analyses", "... *Corp*"), and the
# question's focus words each kind cannot answer: an institute is not a company, a company not an agency.
PUBLIC_NAME_WORDS = frozenset(
    [
        "institute",
        "institution",
        "administration",
        "agency",
        "ministry",
        "university",
        "college",
        "council",
        "committee",
        "commission",
        "department",
        "association",
        "foundation",
        "court",
        "government",
        "army",
        "navy",
        "police",
        "parliament",
        "congress",
        "senate",
        "school",
        "academy",
        "museum",
        "bureau",
        "authority",
    ]
)
COMPANY_NAME_WORDS = frozenset(["inc", "corp", "corporation", "ltd", "llc", "plc", "co", "gmbh", "holdings"])
COMPANY_FOCUS = frozenset(
    [
        "company",
        "firm",
        "manufacturer",
        "maker",
        "contractor",
        "supplier",
        "startup",
        "corporation",
        "business",
        "brand",
        "retailer",
        "airline",
        "conglomerate",
    ]
)
PUBLIC_FOCUS = frozenset(
    ["agency", "ministry", "department", "government", "regulator", "authority", "court"]
)


def kind_conflicts(asked: str, name: str) -> bool:
    """Whether an organisation's name shows a kind the question's focus rules out ("Which company ...?"
    and "Korea Institute for Defense Analyses")."""
    words = {w.lower().strip(".,") for w in name.split()}
    asked = asked.lower()
    if asked in COMPANY_FOCUS:
        return bool(words & PUBLIC_NAME_WORDS)
    if asked in PUBLIC_FOCUS:
        return bool(words & COMPANY_NAME_WORDS)
    return False
