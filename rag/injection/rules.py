"""The signals of text addressed to an AI: vocabulary and weighted rules (see :mod:`rag.injection`).

Patterns are matched case-insensitively against the normalised sentence. A named group ``v`` marks
the verb of an order, so a quoted order can be told from the sentence that reports it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    """A pattern whose match adds ``weight`` to a sentence's score as evidence of ``kind``.

    ``gate``: a cheap pattern a sentence must match before ``pattern`` is tried, or None.
    """

    kind: str
    weight: float
    pattern: re.Pattern[str]
    gate: re.Pattern[str] | None = None


# fmt: off
_AI = (
    r"(?:(?:ai|a\.i\.|artificial intelligence|generative ai|llm|gpt)\s+(?:language\s+)?"
    r"(?:assistants?|models?|systems?|agents?|tools?|readers?|crawlers?|bots?|chatbots?|summari[sz]ers?)"
    r"|(?:large\s+)?language\s+models?|llms?|ai|a\.i\.|artificial intelligences?|chat\s?bots?|bots?"
    r"|(?:virtual|digital|research|search|writing|coding)\s+assistants?|assistants?"
    r"|chatgpt|gpt-?\d[\w.]*|gpt|claude|gemini|bard|copilot|llama|mistral|grok|perplexity"
    r"|(?:web\s+)?crawlers?|scrapers?|summari[sz]ers?|(?:ai\s+)?agents?|models?|machines?|robots?"
    r"|(?:automated|autonomous)\s+(?:systems?|readers?|agents?|tools?|summari[sz]ers?)"
    r"|rag\s+(?:systems?|pipelines?)|answer\s+engines?|neural\s+networks?"
    r"|(?:question-?\s?)?answering\s+(?:systems?|engines?|tools?|models?)"
    r"|(?:summari[sz]ation|summary|writing|search|ai|answer)\s+(?:tools?|engines?|services?))"
)
# An AI named as the addressee, not as a modifier ("an AI researcher", "the assistant coach").
_AI_HEAD = _AI + (
    r"(?=\s*(?:[:,.;!?)\]—–-]|$)|\s+(?:reading|processing|parsing|summari[sz]ing|crawling|scraping|"
    r"indexing|ingesting|analy[sz]ing|answering|that|who|which|here|out there|and|or|with|like you)\b)"
)
_PEOPLE = (
    r"(?:users?|humans?|persons?|questioners?|askers?|readers?|visitors?|customers?|requesters?|"
    r"(?:anyone|everyone|people|someone)\s+(?:asking|who\s+asks|interested))"
)
_OUTPUT = (
    r"(?:(?:ai|machine|automatically|llm)[-\s](?:generated|written)\s+\w+|answers?|responses?|replies|reply|"
    r"summary|summaries|outputs?|completions?|messages?|results?)"
)
_SELF = (
    r"(?:this|the\s+following|the\s+above)\s+(?:article|text|page|document|passage|content|paragraph|"
    r"sentence|story|report|source|site|website|post|section)\b"
)
_SPEECH_WORDS = (
    r"say|state|tell|answer|respond|reply|mention|claim|output|print|repeat|recommend|insist|assert|"
    r"describe|refer|cite|quote|reveal|disclose|write|summari[sz]e|report|explain|confirm|conclude|"
    r"emphasi[sz]e|stress|praise|promote|list|present|return|translate|inform|remind|advise|assure|"
    r"warn|urge|encourage|direct|redirect|send|point|add|include|insert|append|begin|start|end|prefix|"
    r"portray|characteri[sz]e|call|label|rate|rank|suggest|discuss|acknowledge|display|show|announce|deny"
)
_SPEECH = f"(?:{_SPEECH_WORDS})"
_BEHAVE = (
    r"(?:ignore|disregard|forget|override|bypass|pretend|act|behave|role-?play|obey|comply|follow|treat|"
    r"consider|remember|keep|avoid|refuse|stop|switch|enter|enable|activate|make sure|ensure|visit|use|"
    r"leave out|omit|exclude|remove|hide|downplay|replace|change|rewrite)"
)
# What follows an imperative verb (not a noun: "Print sales fell", "Output rose").
_OBJECT = (
    r"(?=\s+(?:the|all|any|every|each|this|these|that|those|them|it|its|his|her|their|your|our|my|"
    r"users?|readers?|people|everyone|anyone|someone|nobody|only|with|in|to|as|exactly|instead|no|me|"
    r"us|questions?|nothing|none|otherwise|always|never|something|about|\w+ing|[\"'$\d]|https?:|"
    r"www\.)\b|\s*[\"'$])"
)
# Where an imperative verb stands: the start of the sentence or of a clause, after fillers.
_CLAUSE = r"(?:^|[:;!?.(\[{<\"—–]|,|\s-|\b(?:and|then|or|but|so)\b)\s*"
_FILLER = (
    r"(?:(?:please|kindly|now|also|simply|just|instead|immediately|first|then|so|strictly|"
    r"carefully|definitely|henceforth|from now on|going forward)\s*,?\s+)*"
)
_MODAL_YOU = (
    r"\byou\s+(?:must|should|shall|will|need\s+to|have\s+to|ought\s+to|may\s+only|can\s+only|"
    r"are\s+(?:required|instructed|told|asked|expected|supposed|meant|obliged|directed|to)(?:\s+to)?)\s+"
    r"(?:(?:always|only|now|never|not|also|then|simply|strictly|instead)\s+)*"
)
_MODAL = (
    r"(?:\s+[\w',-]+){0,6}?\s+(?:should|must|shall|needs?\s+to|has\s+to|have\s+to|is\s+to|are\s+to|"
    r"ought\s+to|(?:is|are)\s+(?:instructed|required|expected|directed|supposed)\s+to)\s+(?:(?:always|only|never|not|also|now|strictly)\s+)*"
)
# "<AI or its answers> ... must say ...", and the verbs that say what to say about something
_MUST_SAY = _MODAL + (
    r"(?:" + _SPEECH + r"|" + _BEHAVE + r"|leave\s+out|omit|"
    r"be\s+(?:described|called|labell?ed|treated|presented|ranked|that))\b"
)
_SAY_WHAT = (
    r"(?:say|state|claim|mention|repeat|recommend|promote|praise|describe|call|rank|rate|portray|"
    r"characteri[sz]e|refer\s+to|quote|cite|answer|respond|reply|leave\s+out|omit|deny|acknowledge|"
    r"be\s+that)"
)
_MUST_SAY_WHAT = _MODAL + _SAY_WHAT + r"\b"
_REQUEST = (
    r"\b(?:(?:we|i)\s+(?:\w+\s+)?(?:request|ask|urge|would\s+like|expect|invite)\s+(?:that\s+)?|"
    r"it\s+would\s+(?:help|be\s+(?:great|helpful|appreciated|nice))(?:\s+\w+){0,3}?\s+if\s+)"
    r"(?:the\s+|any\s+|all\s+|every\s+)?"
)
_OVERRIDE = (
    r"(?:ignore|disregard|forget|override|bypass|discard|abandon|neglect|set aside)\s+"
    r"(?:(?:all|any|every|the|your|of|these|those|such|other|my|our)\s+)*"
    r"(?:(?:(?:previous|prior|preceding|above|earlier|former|original|existing|initial|old|system|"
    r"safety|developer|given|current|standard|usual|default|foregoing|aforementioned|remaining|"
    r"hidden|pre-?set|built-in)\s+)+"
    r"(?:instructions?|prompts?|rules?|guidelines?|directions?|directives?|commands?|context|"
    r"constraints?|programming|guardrails?|polic(?:y|ies)|messages?|orders?|restrictions?|filters?|"
    r"conversation|text|content)"
    r"|(?:instructions?|prompts?|system\s+prompt|programming|guardrails?|training|guidelines)"
    r"|everything\s+(?:above|before|else|prior|you\s+(?:were|have\s+been)\s+told|you\s+know)"
    r"|the\s+above|(?:what|whatever|anything|everything)\s+you\s+(?:were|have\s+been)\s+(?:told|given|asked)"
    r"|(?:the\s+|your\s+|any\s+)?(?:rules|guidelines|instructions|directions)\s+you\s+(?:were|have\s+been)\s+"
    r"(?:given|told)|(?:the|your)\s+system\s+(?:message|instructions?)"
    r"|(?:all\s+|any\s+|every\s+)?other\s+(?:sources?|articles?|documents?|outlets?|reports?|"
    r"information|websites?|results?|context))\b"
    # other languages: "ignorez les instructions", "ignora tutte le istruzioni", "vergiss alle Anweisungen"
    r"|(?:ignor\w*|oubli\w*|olvid\w*|dimentic\w*|esque[cç]\w*|vergiss|vergessen)\s+(?:[\w'-]+\s+){0,3}?"
    r"(?:instru[cçz]\w*|istruzioni|consignes|anweisungen|indicaciones|regeln|r[eè]gles|reglas)"
)
_OVERRIDE_VERBS = (
    r"\b(?:ignor\w*|disregard|forget|override|bypass|discard|abandon|neglect|set aside|oubli\w*|vergiss|"
    r"vergessen|olvid\w*|dimentic\w*|esque[cç]\w*)\b"
)
# The first word of every _AI / _OUTPUT phrase: rules built on them skip sentences without one.
_AI_WORDS = (
    r"\b(?:ai|a\.i|artificial|generative|llms?|gpt\w*|language|chat\s?bots?|bots?|assistants?|virtual|"
    r"digital|research|search|writing|coding|chatgpt|claude|gemini|bard|copilot|llama|mistral|grok|"
    r"perplexity|web|crawlers?|scrapers?|summari[sz]ers?|agents?|models?|machines?|robots?|automated|"
    r"autonomous|rag|answer|neural|question|answering|large|tools?|engines?|services?|summar\w*)\b"
)
# fmt: on


def _imperative(body: str) -> str:
    return _CLAUSE + _FILLER + r"(?P<v>" + body + r")"


_GATES = {
    (True, True): re.compile(f"{_AI_WORDS}|{_OUTPUT}", re.IGNORECASE),
    (True, False): re.compile(_AI_WORDS, re.IGNORECASE),
    (False, True): re.compile(_OUTPUT, re.IGNORECASE),
    (False, False): None,
}


def _rules(*rows: tuple[str, float, str] | tuple[str, float, str, str]) -> tuple[Rule, ...]:
    """Rules from ``(kind, weight, pattern[, gate])`` rows; rules on _AI or _OUTPUT get their gate."""
    out = []
    for kind, weight, pattern, *gate in rows:
        implied = _GATES[(_AI in pattern, _OUTPUT in pattern)]
        given = re.compile(gate[0], re.IGNORECASE) if gate else None
        out.append(Rule(kind, weight, re.compile(pattern, re.IGNORECASE), given or implied))
    return tuple(out)


# fmt: off
RULES = _rules(
    # address: speaking to an AI
    ("address", 1.0, r"\binstructions?\s+(?:to|for)\s+(?:all\s+|any\s+|every\s+|the\s+)*" + _AI
        + r"\s*(?:only\s*)?[:—–]"),
    ("address", 1.0, r"\b(?:note|message|memo|notice|reminder|warning|psa|attention|request|plea|appeal|"
        r"advice|guidance|directive|heads-up|word|letter)\s+(?:to|for)\s+"
        r"(?:all\s+|any\s+|every\s+|each\s+|the\s+|other\s+)*" + _AI_HEAD),
    ("address", 1.0, r"\b(?:dear|hey|hi|hello|attention|psst|greetings|calling all|listen(?:\s+up)?|"
        r"ok(?:ay)?|yo)\s*,?\s+(?:all\s+|any\s+|the\s+|you\s+|my\s+|fellow\s+)?" + _AI_HEAD),
    ("address", 1.0, r"\bif\s+you(?:'re|\s+are|\s+happen\s+to\s+be|\s+were)\s+(?:an?\s+|the\s+|"
        r"one\s+of\s+(?:the|those|these)\s+|actually\s+an?\s+)?(?:\w+\s+)?" + _AI_HEAD),
    ("address", 1.0, r"\b(?:any|all|every|each|the|you|dear|other)\s+(?:other\s+)?" + _AI + r"\s+"
        r"(?:(?:that|who|which)\s+(?:is|are)\s+|currently\s+|now\s+)?(?:reading|processing|parsing|"
        r"summari[sz]ing|ingesting|crawling|scraping|indexing|analy[sz]ing|seeing|quoting|citing|"
        r"answering\s+(?:questions\s+)?(?:about|from|with|on))\s+(?:this|these|the\s+following|"
        r"the\s+above|it|me|my|our|here)\b"),
    ("address", 1.0, r"^\W*" + _AI + r"\s+(?:reading|processing|parsing|summari[sz]ing|ingesting|"
        r"crawling|scraping|indexing)\s+(?:this|these|the\s+following)\b"),
    ("address", 1.0, r"\b" + _AI + r"\s+(?:(?:that|which|who)\s+(?:are|is)\s+)?(?:reading|processing|"
        r"parsing|summari[sz]ing|quoting|citing|ingesting|answering\s+questions\s+(?:about|on|from))\s+"
        + _SELF),
    ("address", 1.0, r"\byou(?:'re|\s+are)\s+(?:now\s+|actually\s+|just\s+|only\s+|merely\s+|simply\s+|"
        r"no\s+longer\s+|not\s+(?:just\s+|merely\s+|only\s+)?)?(?:an?|the)\s+(?:\w+\s+)?" + _AI
        + r"(?=\s*(?:[,.;:!]|$)|\s+(?:that|who|which|and|with|designed|built|trained|created|made|"
        r"tasked|named|called|now|reading|here|but)\b)"),
    ("address", 1.0, r"\bas\s+an?\s+(?:\w+\s+)?" + _AI_HEAD + r"\s*,\s*you\b"),
    ("address", 1.0, r"\b(?:thank\s+you|thanks|please|sorry|listen|look)\s*,\s*(?:dear\s+|my\s+)?"
        + _AI_HEAD),
    ("address", 1.0, r"\b" + _AI + r"\s*,\s*(?:please|kindly|you\s+(?:must|should|will|are))\b"),
    ("address", 1.0, r"\byou\s*,\s*(?:the|an?|dear|my)\s+" + _AI_HEAD),
    ("address", 1.0, r"\bwhoever\s+(?:is\s+)?(?:generating|writing|producing|composing|drafting)\s+"
        r"(?:the|this|an?|your|any)\s+(?:answers?|summary|summaries|responses?|replies|reply|outputs?)\b"),
    ("address", 1.0, r"\b(?:this|the\s+following)\s+(?:sentence|paragraph|note|text|message|section|line|"
        r"part)\s+(?:is|was)\s+(?:meant\s+|intended\s+|written\s+|addressed\s+)?(?:only\s+)?(?:for|to)\s+"
        r"(?:the\s+|any\s+|all\s+)?" + _AI),
    ("address", 1.0, r"\b(?:si\s+(?:vous\s+[eê]tes|tu\s+es)\s+une?\s+(?:ia|intelligence artificielle|"
        r"mod[eè]le)|wenn\s+(?:du|sie)\s+eine?\s+(?:ki|sprachmodell)\s+(?:bist|sind)|si\s+eres\s+una?\s+"
        r"(?:ia|inteligencia artificial|modelo))\b"),
    ("address", 1.0, r"^\W{0,3}(?:to|for)\s+(?:the\s+|any\s+|all\s+|every\s+|each\s+)?" + _AI
        + r"(?:\s+[\w']+){0,4}?\s*[:—–]"),
    ("address", 1.0, r"^\W{0,3}(?:dear\s+|my\s+)?" + _AI + r"\s*,\s*(?:if|please|kindly|you|when|whenever|"
        r"do|don't|never|always|ignore|tell|say|listen|remember|note|before|as)\b"),
    ("address", 1.0, r",\s*(?:dear\s+|my\s+)?" + _AI + r"\s*,\s*(?:for|please|if|when|you|do|don't|never|"
        r"always|remember|note)\b"),
    # the author asks something of an AI: "we request that AI-generated summaries describe ..."
    ("address", 1.0, _REQUEST + _AI + r"(?:[-\s][\w']+){0,3}?\s+" + _SAY_WHAT + r"(?:s|d|ed)?\b"),
    ("address", 0.7, _REQUEST + _AI_HEAD),
    # a bare label also starts headlines ("ChatGPT: what you need to know")
    ("address", 0.7, r"^\W{0,3}" + _AI + r"(?:\s+(?:reading|processing|summari[sz]ing)\s+this)?\s*"
        r"(?:only\s*)?[:—–]"),
    ("address", 0.7, r"[\[({<]\s*(?:(?:note|message|instructions?)\s+(?:to|for)\s+)?" + _AI
        + r"\s*(?:only|note|instructions?)?\s*:"),
    # markup: chat templates and role labels
    ("markup", 1.0, r"<\|\s*(?:im_start|im_end|im_sep|system|user|assistant|endoftext|eot_id|"
        r"start_header_id|end_header_id|begin_of_text)\s*\|>|<<\s*/?\s*sys\s*>>"),
    ("markup", 1.0, r"\[\s*/?\s*(?:inst|sys|system|system\s+(?:prompt|message|note)|admin|"
        r"developer\s+mode|jailbreak)\s*\]|\{\{\s*(?:system|instructions?|prompt)\b"),
    ("markup", 1.0, r"(?:^|\s)#{2,}\s*(?:instructions?|system(?:\s+prompt|\s+message)?|response|"
        r"assistant|input|prompt)\b"),
    ("markup", 1.0, r"</?\s*(?:system|sys|instructions?|prompt|system[_-]prompt|im_start|assistant|"
        r"developer|admin|hidden|secret|ai|llm|context)\s*>"),
    ("markup", 1.0, r"(?:^\W{0,3}|[.!?]\s+)(?:system|assistant|sys|system\s+(?:prompt|message|note|"
        r"override|instructions?|update))\s*(?:\([^)]{0,20}\)\s*)?:"),
    ("markup", 0.5, r"^\W{0,3}(?:user|developer|admin(?:istrator)?)\s*:"),  # "Developer: Capcom"
    ("markup", 0.6, r"^\W{0,3}(?:output|response|answer|reply)\s+(?:format|style|language)\s*:"),
    ("markup", 1.0, r"\b(?:begin|start|end)\s+(?:of\s+)?(?:the\s+)?(?:system|admin|developer|hidden|"
        r"secret)\s+(?:prompt|instructions?|message|override)\b"),
    ("markup", 0.6, r"\b(?:system|admin|developer|sudo)\s+override\b|\b(?:developer|god|dan|jailbreak|"
        r"unrestricted|sudo)\s+mode\b"),
    # override: drop earlier instructions, take a new role
    ("override", 1.0, _imperative(_OVERRIDE), _OVERRIDE_VERBS),
    ("override", 1.0, _MODAL_YOU + r"(?P<v>" + _OVERRIDE + r")", _OVERRIDE_VERBS),
    ("override", 0.5, r"\b(?P<v>" + _OVERRIDE + r")", _OVERRIDE_VERBS),
    ("override", 1.0, _imperative(r"(?:skip|drop|cancel|erase|reset|delete|clear)\s+"
        r"(?:(?:all|any|the|your)\s+)*(?:previous|prior|preceding|above|earlier|original|system|initial)\s+(?:instructions?|prompts?|"
        r"rules|guidelines|directives?|context)\b")),
    ("override", 1.0, _imperative(r"stop\s+(?:following|obeying|using)\s+(?:all\s+|any\s+)?(?:your|the|those|"
        r"these)\s+(?:\w+\s+)?(?:instructions|rules|guidelines|directions|programming|prompt)\b")),
    ("override", 1.0, r"\b(?:from\s+now\s+on|from\s+this\s+point(?:\s+on|\s+forward)?|henceforth|"
        r"going\s+forward|starting\s+now|for\s+the\s+rest\s+of\s+(?:this|the)\s+conversation)\s*,?\s+"
        r"(?:you|always|only|never|respond|answer|reply|act)\b|\byou\s+are\s+now\s+(?:an?|the|in|called|named|operating|"
        r"acting|free|unrestricted|dan|jailbroken|my)\b|\b(?:new|updated|revised|real|actual|additional|"
        r"hidden|secret|important|system|admin|administrator|developer|priority|override|urgent)\s+"
        r"(?:instructions?|directives?|prompt|commands?|orders?)\s*:"),
    ("override", 0.8, r"\byour\s+(?:new|real|true|actual|updated|primary|only|current|hidden|secret|"
        r"revised|sole|main|first|overriding)\s+(?:instructions?|task|role|goal|job|purpose|directive|"
        r"objective|mission|system\s+prompt|programming|rules?|persona|prompt|priority)\b"),
    ("persona", 0.6, _imperative(r"(?:pretend|role-?play|play\s+the\s+role\s+of)") + r"\s+"
        r"(?:(?:that\s+)?you(?:'re|\s+are)|to\s+be|as\s+(?:if|though|an?|the|my|our))\b"),
    ("persona", 0.6, _imperative(r"(?:act|behave)") + r"\s+as\s+(?:if|though|an?|my|our|your)\b"),
    # target: the model's output, or the person it answers
    ("target", 1.0, r"\b(?:correct|right|only|true|official|proper|approved|acceptable)\s+(?:answer|"
        r"response|reply)\s+(?:to|for|about)\s+(?:any|every|all|each)\s+(?:questions?|queries|query|"
        r"users?)\b"),
    ("verdict", 0.6, r"\b(?:the|your)\s+(?:correct|right|only|true|official|proper|approved|acceptable|"
        r"best)\s+(?:answer|response|reply)\s+(?:is|would\s+be|should\s+be|to\s+give)\b"),
    ("verdict", 0.4, r"(?<!\bwould\s)\b(?:respond|reply|answer)\s+that\b|\b(?:a|one|single)\s+"
        r"(?:sentence|line|word|paragraph)\s+(?:saying|stating|that\s+says)\b"),
    ("target", 0.8, r"\b(?:tell|inform|remind|advise|assure|notify|let|" + _SPEECH_WORDS + r")\s+"
        r"(?:to\s+|that\s+)?the\s+user\b", r"\buser\b"),
    ("target", 0.8, r"(?<!\bthe\s)(?<!\ban\s)(?<!'s\s)(?<!\bits\s)(?<!\bhis\s)(?<!\bher\s)(?<!\btheir\s)"
        r"\b(?:respond|reply|answer|output)\s+(?:only|exclusively|solely|strictly)\b|"
        r"\b(?:only|exclusively|solely)\s+(?:respond|reply|answer|output|return)\b|"
        r"\b(?:respond|reply|answer)(?:\s+[\w']+){0,4}?\s+with\s+(?:only|just|exactly|"
        r"the\s+(?:word|phrase|text|following|sentence|string|message))\b",
        r"\b(?:respond|reply|answer|output)"),
    ("target", 0.6, r"\b(?:tell|inform|remind|advise|assure|warn|convince|persuade|notify|instruct|urge|"
        r"encourage|direct|redirect|send|point|refer|ask)\s+(?:the|all|any|every|each|your)\s+"
        + _PEOPLE + r"\b"),
    ("target", 0.6, _imperative(r"(?:(?:always|never|do\s+not|don't)\s+)?(?:tell|inform|remind|advise|"
        r"warn|direct|redirect|urge|encourage|send|point|ask|convince|persuade)")
        + r"\s+(?:the\s+|all\s+|any\s+|every\s+)?" + _PEOPLE + r"\b"),
    ("target", 0.6, r"\b(?:in|into|to|within|throughout|from|at\s+the\s+(?:end|start|beginning|top|bottom)\s+"
        r"of|begin|start|end|prefix|conclude|close)\s+(?:your|every|each|any|all)\s+" + _OUTPUT + r"\b"),
    ("target", 0.6, r"\b(?:to|for|with)\s+the\s+user\b", r"\buser\b"),
    ("target", 0.6, r"\b(?:respond|reply|answer|write)\s+(?:only\s+)?in\s+(?:json|xml|yaml|markdown|english|"
        r"french|german|spanish|chinese|russian|capital\s+letters|all\s+caps|upper-?case|pirate\s+speak|"
        r"rhymes?|emojis?)\b"),
    ("target", 0.6, r"\b(?:the|this|that)\s+(?:user|human)\s+(?:is|asks|wants|must|should|will)\b",
        r"\b(?:user|human)\b"),
    ("target", 0.6, r"\b(?:if|when(?:ever)?)\s+(?:a|the|any|your)\s+(?:user|human|person|reader|customer|"
        r"questioner|someone)\s+(?:asks|inquires|wants|queries|requests)\b|\bif\s+(?:anyone|someone)\s+asks\b|"
        r"\b(?:if|when(?:ever)?)\s+(?:you(?:'re|\s+are)\s+)?asked\s+(?:about|for|what|how|who|whether|"
        r"to|any)\b(?=.*\b(?:say|state|answer|respond|reply|tell|claim|mention|recommend|you|your)\b)"),
    ("target", 0.6, r"\bwhen(?:ever)?\s+(?:you(?:'re|\s+are)?\s+)?(?:summari[sz]ing|answering|responding|"
        r"generating|quoting|citing|processing|reading|asked)\b(?=.*\b(?:this|these|you|your|"
        r"the\s+user)\b)"),
    ("target", 0.5, r"\b(?:recommend|suggest)(?:ing)?\s+(?:visiting|going\s+to|checking\s+out|"
        r"buying\s+from|ordering\s+from)\b|\b(?:visit|go\s+to|head\s+to|check\s+out|navigate\s+to|"
        r"click|(?:book|buy|order|shop)\s+(?:at|from|on|via))\s+(?:https?://|www\.|[\w-]+\.(?:com|net|org|io|xyz|biz|info|shop|ru|top|app|store|site|"
        r"online)\b)"),
    ("target", 0.4, r"\byour\s+" + _OUTPUT + r"\b|\bthe\s+user(?:'s)?\b"),
    ("output", 1.0, r"\b(?:any|every|each|all)\s+" + _OUTPUT + _MUST_SAY),
    ("output", 1.0, r"\b(?:" + _AI + r"|" + _OUTPUT + r")" + _MUST_SAY_WHAT),
    ("output", 0.7, r"\b(?:" + _AI + r"|" + _OUTPUT + r")" + _MUST_SAY),
    ("output", 0.6, r"\b" + _OUTPUT + r"\s+(?:that\s+)?you\s+(?:give|provide|write|produce|generate|"
        r"return|output|send|draft)\b"),
    ("secret", 0.5, r"\byour\s+(?:instructions|rules|guidelines|prompt|programming)\b"),
    ("secret", 0.6, r"\b(?:your|the)\s+(?:system\s+prompt|initial\s+prompt|original\s+prompt|"
        r"hidden\s+(?:instructions|rules|messages|prompt|notes)|configuration|"
        r"conversation\s+(?:so\s+far|history))\b|\b(?:any|all|your)\s+(?:api\s+keys?|passwords?|"
        r"credentials|access\s+tokens?|secrets)\b|\bthe\s+api\s+keys?\b|\binstructions\s+you\s+(?:were|have\s+been)\s+given\b"),
    ("questions", 0.5, r"\b(?:answer|respond\s+to|reply\s+to|handle)\s+(?:every|any|all|each)?\s*"
        r"(?:questions?|queries|requests|prompts)\s+(?:about|on|regarding|concerning)\b"),
    ("precedence", 0.5, r"\b(?:regardless\s+of|whatever|no\s+matter\s+what|despite\s+what|"
        r"irrespective\s+of)\s+(?:what\s+)?(?:the\s+|any\s+)?(?:other\s+|earlier\s+|previous\s+)?"
        r"(?:sources?|documents?|articles?|outlets?|reports?|context|the\s+user)\b|\b(?:only|most)\s+"
        r"(?:trustworthy|reliable|authoritative|trusted|accurate)\s+source\b|\bsupersedes?\b|"
        r"\bother\s+than\s+this\s+(?:one|article|page|source|text|site)\b|"
        r"\b(?:above|over|instead\s+of)\s+(?:all|any|every)\s+(?:other\s+)?(?:sources?|outlets?|"
        r"articles?|competitors)\b"),
    ("promo", 0.4, r"\b(?:best|cheapest|only|official|safest)\s+(?:place|site|website|store|shop|way)\s+"
        r"to\s+(?:buy|get|order|purchase|book|invest)\b"),
    ("means", 0.3, r"\bby\s+(?:saying|stating|claiming|recommending|mentioning|telling|insisting|"
        r"replying|answering|pointing)\b"),
    ("condition", 0.5, r"\bwhen(?:ever)?\s+(?:[\w'-]+\s+){1,4}(?:is|are|gets?|comes?)\s+(?:discussed|"
        r"mentioned|asked\s+about|raised|brought\s+up|up)\b"),
    ("condition", 0.3, r"\bwhen(?:ever)?\s+(?:answering|responding\s+to|replying\s+to|asked\s+about|"
        r"summari[sz]ing|discussing)\b"),
    ("link", 0.3, r"\b[\w-]+\.(?:xyz|biz|shop|top|store|online|site|info|io|ru|click|link)\b"),
    ("self", 0.3, r"\b" + _SELF),
    # imperative: orders to say or do something
    ("imperative", 0.7, _imperative(r"(?:always|never|only|do\s+not|don't|must|must\s+not|should)\s+"
        r"(?:ever\s+)?" + _SPEECH) + r"\b"),
    ("imperative", 0.6, _MODAL_YOU + r"(?P<v>" + _SPEECH + r")\b"),
    ("imperative", 0.5, _imperative(_SPEECH) + r"\b" + _OBJECT),
    ("imperative", 0.5, r"\b(?:could|would|can|will)\s+you\s+(?:please\s+|kindly\s+|now\s+|mind\s+|"
        r"be\s+so\s+kind\s+as\s+to\s+)?" + _SPEECH
        + r"\b"),
    ("imperative", 0.3, _imperative(_BEHAVE) + r"\b" + _OBJECT),
    # the rest
    ("hidden", 1.0, r"<!--"),
    ("polite", 0.2, r"\b(?:please|kindly|be\s+so\s+kind|would\s+you\s+mind)\b"),
    ("you", 0.2, r"\byou(?:r|rs|rself)?\b|\byou'(?:re|ll|ve|d)\b"),
)
# fmt: on
