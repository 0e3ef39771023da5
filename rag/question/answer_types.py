"""What a question asks for: its expected answer type and its focus, read from the dependency parse."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token


class AnswerType(StrEnum):
    """The kind of answer a question expects."""

    PERSON = "person"
    ORGANISATION = "organisation"
    PLACE = "place"
    DATE = "date"  # a date or a time
    MONEY = "money"
    QUANTITY = "quantity"  # a count, a number or a measure
    PERCENT = "percent"
    YES_NO = "yes/no"
    LIST = "list"
    DESCRIPTION = "description"


def _words(text: str) -> list[str]:
    return text.split()


# Nouns (lemmas) that name the kind of thing asked for: "Which *agency* ...", "What was the *price* ...".
FOCUS_TYPES: dict[AnswerType, frozenset[str]] = {
    AnswerType.PERSON: frozenset(
        _words(
            "person individual people man woman ceo founder co-founder executive player author "
            "president minister spokesperson spokesman spokeswoman leader official journalist "
            "reporter analyst chairman chairwoman director manager coach actor actress singer "
            "politician lawmaker senator judge scientist researcher writer celebrity athlete "
            "entrepreneur investor employee chief billionaire star owner suspect victim defendant "
            "candidate winner"
        )
    ),
    AnswerType.ORGANISATION: frozenset(
        _words(
            "company agency organisation organization firm outlet publisher ministry department "
            "government team club group bank startup party network publication newspaper magazine "
            "manufacturer body institution university corporation business brand platform retailer "
            "airline regulator court contractor supplier broadcaster channel studio developer maker "
            "giant conglomerate union league committee council authority entity buyer seller acquirer "
            "sponsor"
        )
    ),
    AnswerType.PLACE: frozenset(
        _words(
            "country city place location region state venue town nation capital province area site "
            "county continent territory port base destination headquarters stadium arena hotel museum "
            "airport"
        )
    ),
    AnswerType.DATE: frozenset(_words("year date day month time week decade century season quarter period")),
    AnswerType.MONEY: frozenset(
        _words(
            "price cost value worth fee salary budget revenue fine valuation funding sum profit loss "
            "sales investment payment earnings income spending compensation penalty bid tariff money "
            "damage damages settlement ransom bail wage bonus grant loan debt donation"
        )
    ),
    AnswerType.PERCENT: frozenset(_words("percentage percent proportion rate share")),
    AnswerType.QUANTITY: frozenset(_words("number count total quantity amount size length height age")),
}
AGENT_SUFFIXES = ("er", "or", "ist", "ian", "ee")
# Nouns with those endings that name things, not people.
NOT_AGENTS = frozenset(
    _words(
        "number order paper matter letter center centre chapter quarter error factor sector monitor "
        "computer offer power tower border corner winter summer answer character register trailer "
        "counter filter folder printer server router charger speaker sticker poster banner cover "
        "motor mirror indicator reactor tractor vector meteor calendar dollar behavior behaviour "
        "favor favour honor honour rumor rumour interior exterior colour color floor door manner "
        "fee committee guarantee degree jubilee coffee trustee playlist checklist "
        "shortlist wishlist christian median"
    )
)
# Nouns that only point at another one: "the *name* of the agency" asks for an agency.
LIGHT_NOUNS = frozenset(_words("name kind type sort form identity title"))
# "Who published ..." asks for an organisation: the verb's agent noun becomes the focus.
ORGANISATION_AGENTS = {
    "publish": "publisher",
    "manufacture": "manufacturer",
    "acquire": "acquirer",
    "develop": "developer",
    "produce": "producer",
    "sponsor": "sponsor",
    "fund": "funder",
    "operate": "operator",
}
MONEY_VERBS = frozenset(_words("cost pay spend raise earn charge invest fetch owe lose sell fund worth"))
YES_NO_OPENERS = frozenset(
    _words("do does did is are was were has have had can could will would should shall may might must")
)
WH_TAGS = frozenset({"WDT", "WP", "WP$", "WRB"})
# "..., or do they differ?" / "consistent or inconsistent?" / "successful or unsuccessful?"
_ALTERNATIVE_CLAUSE = re.compile(
    r",?\s+or\s+(?:do|does|did|is|are|was|were|has|have|had|will|would|can|could)\s+\w", re.IGNORECASE
)
_OPPOSITES = re.compile(r"\b(\w{3,})\s+or\s+(?:in|un|non-?|dis|im|ir|il)\1\b", re.IGNORECASE)
_PAIRS = re.compile(
    r"\b(?:a\s+)?(?:win|success|change|increase|rise|gain)\s+or\s+(?:a\s+)?"
    r"(?:loss|defeat|failure|consistency|decrease|decline|drop|fall)\b",
    re.IGNORECASE,
)


def question_start(doc: Doc) -> int:
    """Index of the first token after a leading "and", "so", "but", "ok" or punctuation."""
    i = 0
    while i < len(doc) and (doc[i].dep_ in {"cc", "intj", "punct"} or doc[i].lower_ in {"and", "so", "ok"}):
        i += 1
    return i


def wh_token(doc: Doc) -> Token | None:
    """The question word ("which", "when", "how", ...), or None for a yes/no question."""
    return next((t for t in doc if t.tag_ in WH_TAGS and t.dep_ != "relcl" and t.head.dep_ != "relcl"), None)


def is_yes_no(doc: Doc) -> bool:
    """ "Did Bloomberg report ...?", "Does the TechCrunch article ... and ...?" (an auxiliary leads)."""
    start = question_start(doc)
    if start < len(doc) and doc[start].lower_ in YES_NO_OPENERS:
        return True
    # no auxiliary first ("Considering the reports, which university ...?"): yes/no only without a wh-word
    if any(t.tag_ in WH_TAGS for t in doc):
        return False
    return any(t.pos_ == "AUX" for t in doc) and doc.text.rstrip().endswith("?")


def focus_noun(doc: Doc, wh: Token) -> Token | None:
    """The noun the question asks about: "Which *agency*", "What was the *price* of ...", or None."""
    noun: Token | None = None
    if wh.dep_ == "det" and wh.head.pos_ in {"NOUN", "PROPN"}:
        noun = wh.head  # Which agency / What year
    elif wh.head.lemma_ == "be":  # What was the price / Who is the individual
        root = wh.head
        noun = next((t for t in root.children if t.dep_ in {"nsubj", "attr"} and t.i != wh.i), None)
    if noun is not None and noun.lemma_.lower() in LIGHT_NOUNS:
        of = next((t for t in noun.children if t.dep_ == "prep" and t.lower_ == "of"), None)
        inner = next((t for t in of.children if t.dep_ == "pobj"), None) if of is not None else None
        noun = inner or noun
    if noun is not None and noun.pos_ not in {"NOUN", "PROPN"}:
        return None
    return noun


def how_type(doc: Doc, wh: Token) -> tuple[AnswerType, str]:
    """ "How many jets" -> quantity/jet; "How much did it cost" -> money; "How long" -> quantity."""
    after = doc[wh.i + 1] if wh.i + 1 < len(doc) else None
    if after is None or after.pos_ not in {"ADJ", "ADV"}:
        return AnswerType.DESCRIPTION, predicate(doc)
    if after.lower_ in {"many", "much"}:
        counted = after.head if after.head.pos_ in {"NOUN", "PROPN"} and after.head.i != wh.i else None
        if counted is None and after.i + 2 < len(doc) and doc[after.i + 1].lower_ == "in":
            counted = doc[after.i + 2] if doc[after.i + 2].pos_ == "NOUN" else None  # "how much in damages"
        focus = counted.lemma_.lower() if counted is not None else ""
        if focus in FOCUS_TYPES[AnswerType.MONEY] or (after.lower_ == "much" and focus in MONEY_VERBS):
            return AnswerType.MONEY, focus
        if after.lower_ == "much" and counted is None and any(t.lemma_.lower() in MONEY_VERBS for t in doc):
            return AnswerType.MONEY, predicate(doc)
        return AnswerType.QUANTITY, focus or predicate(doc)
    return AnswerType.QUANTITY, after.lower_  # how long / old / far / big


def offers_alternatives(text: str) -> bool:
    """Whether a yes/no-shaped question asks to choose between alternatives ("Was the portrayal
    consistent or inconsistent?", "..., or do these articles differ?"): "Yes" does not answer it."""
    return bool(_ALTERNATIVE_CLAUSE.search(text) or _OPPOSITES.search(text) or _PAIRS.search(text))


def predicate(doc: Doc) -> str:
    """The lemma of the main verb ("held" -> "hold"), or "" when the root is not a verb."""
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None:
        return ""
    if root.pos_ in {"VERB"}:
        return root.lemma_.lower()
    verb = next((t for t in root.children if t.pos_ == "VERB" and t.dep_ in {"ccomp", "xcomp", "acl"}), None)
    return verb.lemma_.lower() if verb is not None else ""


def typed_focus(noun: Token) -> AnswerType | None:
    """The type a focus noun asks for: from the lists above, else an agent noun ("adviser", "defender",
    "economist", "historian", "nominee") asks for a person."""
    lemma = noun.lemma_.lower()
    kind = next((kind for kind, words in FOCUS_TYPES.items() if lemma in words), None)
    if kind is None and len(lemma) >= 6 and lemma.endswith(AGENT_SUFFIXES) and lemma not in NOT_AGENTS:
        return AnswerType.PERSON
    return kind


def classify(doc: Doc) -> tuple[AnswerType, str]:
    """The expected answer type and the focus word (a noun lemma, else the main verb's lemma)."""
    if is_yes_no(doc):
        return AnswerType.YES_NO, predicate(doc)
    wh = wh_token(doc)
    if wh is None:
        return AnswerType.DESCRIPTION, predicate(doc)
    word = wh.lower_
    if word == "how":
        return how_type(doc, wh)
    if word == "when":
        return AnswerType.DATE, predicate(doc)
    if word == "where":
        return AnswerType.PLACE, predicate(doc)
    if word == "why":
        return AnswerType.DESCRIPTION, predicate(doc)
    noun = focus_noun(doc, wh)
    if word in {"who", "whom", "whose"}:
        verb = predicate(doc)
        if noun is not None:
            kind = typed_focus(noun)
            return (kind if kind is AnswerType.ORGANISATION else AnswerType.PERSON), noun.lemma_.lower()
        if verb in ORGANISATION_AGENTS:
            return AnswerType.ORGANISATION, ORGANISATION_AGENTS[verb]
        return AnswerType.PERSON, verb
    if noun is None:
        return AnswerType.DESCRIPTION, predicate(doc)
    kind = typed_focus(noun)
    if kind is None:
        kind = AnswerType.LIST if noun.tag_ in {"NNS", "NNPS"} else AnswerType.DESCRIPTION
    return kind, noun.lemma_.lower()
