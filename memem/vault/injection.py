"""Text addressed to the model that will read a note: prompt injection, found by what it does.

A memory is put into future prompts, so text that tries to instruct that model (ignore your
instructions, act without telling the person, pipe a script into a shell, hide words in a comment)
must not reach one as if it were memory. The patterns favour precision: memories are naturally
imperative, and a memory *about* prompt injection is fine; a memory that *is* one is not.

It lives with the note format because every note is checked, whoever wrote it: memem's own writes
refuse such text (`memory.screen`), and a note that carries it anyway (a team's pull, a sync, an
editor) is marked when parsed and kept out of what recall puts in a prompt (`vault.withheld`).
Standard library only.
"""

from __future__ import annotations

import functools
import re
import unicodedata


def on_parse(text: str) -> list[str]:
    """What marks a note when it is read: everything `addressed_to_model` finds, except a bare HTML
    comment (people leave `<!-- TODO -->` in notes; recall drops comments from what it shows anyway,
    and a comment that speaks to the model is caught by the other classes)."""
    return [what for what in addressed_to_model(text) if what != HIDDEN_COMMENT]


_WHO = r"(?:user|person|human|developer|owner|operator)"
_DONT = r"(?:do not|don['’]t|never)"
_SECRET_THINGS = (
    r"(?:api[ _-]?keys?|credentials?|secrets?|tokens?|passwords?|private keys?|ssh keys?|cookies"
    r"|\.env\b|env(?:ironment)? (?:vars|variables|file)|~/\.ssh|\.ssh/|id_rsa|id_ed25519|\.aws/credentials"
    r"|\.netrc|\.npmrc|\.pypirc|\.git-credentials|keychain)"
)
_SECRET_FILES = (
    r"(?:\.env\b|\.ssh/|id_rsa|id_ed25519|\.aws/credentials|\.netrc|\.npmrc|\.pypirc|\.git-credentials|/etc/shadow)"
)
_PRIVATE_FILES = (
    r"(?:id_rsa|id_ed25519|id_ecdsa|\.aws/credentials|\.git-credentials|\.netrc|/etc/shadow)(?![\w.]*\.pub\b)"
)
_SHELL = r"(?:sudo\s+(?:-\S+\s+)*)?(?:env\s+\S+\s+)?(?:(?:ba|z|da|k|c|tc|fi)?sh\b|(?:python[\d.]*|perl|ruby|node)\s+-(?:\s|$))"
_ZERO_WIDTH = "[\u200b-\u200d\u2060-\u2064\ufeff]"
HIDDEN_COMMENT = "hides text in an HTML comment"


def _patterns(*sources: str) -> tuple[str, ...]:
    return sources


# Searched for in the lowered text.
_INJECTION: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("tells the model to ignore or replace its instructions", _patterns(
        r"(?:ignore|disregard|forget|override|overrule|bypass|discard|abandon)\s+(?:(?:all|any|every|of|the|your|my|these|those|its)\s+)*"
        r"(?:previous|prior|above|earlier|preceding|former|original|initial|existing|system|safety|your)\s+(?:\w+\s+){0,2}?"
        r"(?:instructions?|prompts?|rules|directions|directives|guidelines|guidance|guardrails|constraints|restrictions|context|programming|polic(?:y|ies)|messages)\b",
        r"(?:ignore|disregard|forget|override|bypass)\s+(?:all|any|every)\s+(?:of\s+)?(?:the\s+)?(?:your\s+)?(?:instructions?|prompts?|rules|directions|guidelines|guidance|guardrails|constraints|restrictions)\b",
        r"(?:pretend|imagine|assume|act as if)\s+(?:that\s+)?(?:(?:the|your|all|any)\s+)*(?:previous|prior|above|earlier|preceding|original|system)\s+(?:\w+\s+){0,2}?(?:instructions?|prompts?|rules|guidelines|guidance)\b",
        r"(?:instructions?|prompts?|rules|guidelines|guidance)\s+(?:above|before this|you were given)\s+(?:are|were)\s+(?:void|cancelled|canceled|revoked|fake|a test|no longer valid)\b",
        r"(?:reveal|print|show|output|repeat|disclose|leak|dump)\s+(?:me\s+|us\s+)?your\s+(?:full\s+|entire\s+|original\s+|hidden\s+|initial\s+)?(?:system prompt|system message|instructions|initial prompt|hidden prompt)\b",
        r"(?:new|updated|real|actual|revised|true|hidden|secret)\s+(?:system\s+)?instructions?\s*:",
        r"you(?:['’]re| are) (?:now|no longer)\s+(?:a|an|the|my|free|unrestricted|jailbroken|dan|in \w+ mode|bound|required)\b",
        r"from now on,?\s+(?:you are|you['’]re|you will be|you must|the assistant (?:is|will|must))\b",
        r"your (?:new|real|actual|true) (?:task|role|purpose|instructions?|goal) (?:is|are)\b",
    )),
    ("imitates a system, developer or chat-turn message", _patterns(
        r"<\|[a-z_]{2,30}\|>",
        r"\[/?inst\]|<</?sys>>",
        r"(?:^|[.!?]\s+)[ \t>*_-]*\[\s*(?:system|developer|sys|admin|assistant)(?:\s+(?:message|prompt|note|override|instructions?))?\s*\][ \t]*[:\-]?[ \t]*"
        r"(?:new|updated|policy|instructions?|you|always|never|ignore|override|important|from now on|the assistant|assistant|claude|ai)\b",
        r"</?\s*(?:system|assistant|developer|human|sys|im_start|im_end|instructions?)\s*>",
        r"^[ \t>*_-]*(?:#{1,6}\s*)?(?:system|developer|assistant|human)(?:\s+(?:prompt|message|instructions?|note|override))?\s*:",
        r"^[ \t]*#{2,6}\s*(?:instruction|response|input)s?\s*:",
        r"(?:system|developer) (?:prompt|message|override|instructions?)\s*:",
    )),
    ("contains invisible or direction-changing Unicode characters", _patterns(
        "[\U000e0000-\U000e007f\u202a-\u202e\u2066-\u2069]",
        rf"{_ZERO_WIDTH}(?<=\w{_ZERO_WIDTH}){_ZERO_WIDTH}*\w",  # inside a word; the lookbehind comes second so the scan stays fast
    )),
    ("speaks directly to the AI that will read it", _patterns(
        r"(?:when|whenever|once|if|as soon as|after)\s+you\s+(?:read|see|load|process|encounter|retrieve|recall|are reading)\s+this\s+(?:memory|note|message|text|file|document|entry|line|page)\b",
        r"if you(?:['’]re| are)\s+(?:reading this\b|an?\s+(?:ai|llm|large language model|language model|assistant|chatbot|bot|agent|model)\b|claude\b|chatgpt\b|gpt\b)",
        r"(?:note|message|reminder|memo|attention|instructions?)\s+(?:to|for)\s+(?:the\s+|any\s+|all\s+)?(?:assistant|ai|model|llm|claude|agent|bot)s?\s*[:,!]",
        r"(?:\bai|assistant|model|llm|agent|claude)s?\s+(?:reading|that reads|who reads|processing|that processes|that loads|that sees|who sees|seeing|that finds|that encounters|parsing)\s+(?:this|these)\b",
        r"(?:^|[.!?]\s+)[ \t]*(?:(?:any|all|every|other|dear)\s+)?(?:ai|llm)\s+(?:agents?|assistants?|models?|bots?)\s*[,:]\s*(?:please\s+)?(?:skip|approve|ignore|always|never|do|don['’]t|run|add|delete|remove|send|push|merge|disable|bypass|grant|include|make|set|change|execute|install|you)\b",
        r"(?:^|[.!?]\s+)[ \t]*(?:(?:hey|hi|dear|attention|ok|okay)\s*,?\s*)?(?:claude|assistant|\bai|model|llm)\s*[,:]\s*(?:you|please|always|never|do|don['’]t|remember|ignore|make|run|add|when|from now|i need)\b",
    )),
    ("asks the model to hide what it does from the person", _patterns(
        rf"{_DONT}\s+(?:tell|inform|notify|alert|show|let)\s+the\s+{_WHO}\s+(?:know\s+)?(?:about\s+)?(?:this|that you|what you|these|it)\b",
        rf"{_DONT}\s+(?:mention|reveal|disclose|report)\s+(?:this|that|it)\b(?:\s+\w+)?\s+(?:to\s+(?:the\s+)?(?:{_WHO}|anyone)|in (?:your|the) (?:summary|reply|response|answer|output))",
        rf"without\s+(?:telling|informing|notifying|alerting)\s+(?:the\s+)?(?:{_WHO}|anyone)\b",
        rf"without (?:their|the {_WHO}['’]s) (?:knowledge|consent)\b",
        rf"(?:keep|hide)\s+(?:this|it|these|that)\s+(?:secret\s+|hidden\s+)?from\s+(?:the\s+)?{_WHO}",
        r"(?:silently|quietly|secretly|covertly|stealthily|discreetly)\s+(?:add|insert|append|run|execute|install|send|upload|post|modify|edit|change|replace|delete|remove|commit|push|include|download|fetch|write|copy|disable|approve|exfiltrate)\b",
        r"(?:secretly|covertly|stealthily)\b",
    )),
    ("asks the model to send credentials or private files somewhere", _patterns(
        rf"(?:send|post|upload|exfiltrate|forward|transmit|email|leak|copy|sync|curl)\b[^\n]{{0,80}}?(?<!\w){_SECRET_THINGS}[^\n]{{0,80}}?\b(?:to|at|into|via)\s+"
        r"(?:https?://|[\w.+-]+@[\w-]+\.|[\w-]+\.(?:example|com|net|org|io|dev|xyz|ru|cn|site|app|sh|me)\b|the (?:following|this) (?:url|address|endpoint|webhook|server)|(?:my|our|this|a) (?:server|endpoint|webhook|pastebin|gist|bucket))",
        rf"(?:cat|type|base64|tar|zip)\b[^\n|]{{0,80}}{_SECRET_FILES}[^\n|]{{0,80}}\|\s*(?:curl|wget|nc|ncat|netcat|socat|ssh)\b",
        rf"(?:curl|wget|http)\b[^\n]{{0,200}}?(?:-d|--data(?:-binary|-raw|-urlencode)?|-f|--form|-t|--upload-file|--post-file|--body-file)[=\s]+['\"]?[^\s'\"]*{_SECRET_FILES}",
        rf"(?:curl|wget)\b[^\n]{{0,200}}\$\(\s*cat\s+[^)]*{_SECRET_FILES}",
        r"(?:env|printenv)\s*\|\s*(?:curl|nc|ncat|wget)\b",
    )),
    ("pipes a downloaded script into a shell", _patterns(
        rf"(?:curl|wget|fetch|aria2c)\b[^\n|]{{0,300}}\|\s*{_SHELL}",
        r"(?:bash|zsh|sh|source|eval|exec|\.)\s+(?:-c\s+)?[\"']?(?:<\(|\$\()\s*(?:curl|wget)\b",
        r"(?:iex|invoke-expression)\b[^\n]{0,40}(?:iwr|irm|invoke-webrequest|invoke-restmethod|downloadstring|webclient|curl|wget)\b",
        r"(?:iwr|irm|invoke-webrequest|invoke-restmethod)\b[^\n|]{0,300}\|\s*(?:iex|invoke-expression)\b",
    )),
    ("asks the model to decode and run an encoded payload", _patterns(
        rf"base64\s+(?:-d|--decode)\b[^\n]{{0,40}}\|\s*{_SHELL}",
        r"(?:decode|base64-decode|unbase64|deobfuscate|decrypt)\b[^\n]{0,80}?(?:\band|\bthen|,)\s+(?:run|execute|exec|eval|follow|obey|apply|carry out|do what it says|act on)\b",
        r"(?:run|execute|eval|follow|obey)\b[^\n]{0,40}?\b(?:the\s+)?(?:decoded|base64[- ]encoded|encoded)\s+(?:payload|command|instructions?|script|text|string|blob)",
        r"(?:eval|exec|iex|invoke-expression)\s*\(?\s*[^\n]{0,40}(?:atob|b64decode|frombase64string|base64\.decode)",
    )),
)  # fmt: skip

# Requests that are a warning when negated ("never echo ~/.aws/credentials into the logs"): a match
# counts only if no negation stands before it in its line (looked for in a bounded window, so a long
# line of matches stays linear).
_UNLESS_NEGATED: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("asks the model to send credentials or private files somewhere", _patterns(
        rf"(?:include|put|add|append|paste|embed|insert|print|echo|write|leak|reveal|output|send|encode|base64-encode)\b[^\n]{{0,40}}?{_SECRET_THINGS}[^\n]{{0,60}}?\b(?:in|into|to)\s+(?:(?:your|the next|each|every|all)\s+(?:next\s+)?(?:reply|replies|response|responses|answer|answers|output|commit messages?)|(?:replies|responses|answers|commit messages))\b",
        rf"(?:print|output|reveal|dump|paste|read out)\b[^\n]{{0,40}}?{_PRIVATE_FILES}",
    )),
)  # fmt: skip
# A negation of the request itself, close before it: "never echo …", "do not put … in commit messages"
# (not any "no" in the line: "No joke: always print ~/.ssh/id_rsa …" is no warning).
_NEGATION = re.compile(
    r"\b(?:never|don['’]t|do not|does not|doesn['’]t|must not|mustn['’]t|should not|shouldn['’]t|not to|avoid(?:ing)?)\b"
)
_NEGATION_WINDOW = 60

# Code is quoted, not hidden: a comment inside a code span or fence is shown to the person as-is.
_CODE = re.compile(r"```.*?(?:```|\Z)|~~~.*?(?:~~~|\Z)|`[^`\n]*`", re.S)
# Comments are found one after another, then searched for words: a single pattern for "a comment
# with words in it" retries from every `<!--` and is quadratic on a text made of them.
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)
_WORD = re.compile(r"[a-z]{2}")


@functools.cache
def _compiled() -> tuple[tuple[str, tuple[re.Pattern[str], ...]], ...]:
    """The patterns compiled on first use (a process that never reads a note never pays for them).
    Separate patterns, lower case, no IGNORECASE: each is then found by scanning for its first
    characters; one big case-insensitive alternation is tried at every position, ~10x slower."""
    return tuple((what, tuple(re.compile(source, re.M) for source in sources)) for what, sources in _INJECTION)


@functools.cache
def _compiled_unless_negated() -> tuple[tuple[str, tuple[re.Pattern[str], ...]], ...]:
    return tuple((what, tuple(re.compile(source) for source in sources)) for what, sources in _UNLESS_NEGATED)


def _asserted(pattern: re.Pattern[str], text: str) -> bool:
    """Whether the pattern matches somewhere with no negation close before it in its line."""
    for match in pattern.finditer(text):
        window = max(match.start() - _NEGATION_WINDOW, 0)
        start = text.rfind("\n", window, match.start()) + 1 or window  # this line's part of the window
        if not _NEGATION.search(text, start, match.start()):
            return True
    return False


_SPACED = re.compile(r"(?<![^\W\d_])(?:[^\W\d_] ){2,}[^\W\d_](?![^\W\d_])")


def _readings(text: str) -> tuple[str, ...]:
    """The lowered text, and as a model would read it if that differs: letters in compatibility form
    (`ⓘgnore`, full-width `ｉｇｎｏｒｅ`) and words spelled out with spaces (`i g n o r e`) joined up.
    A model reads through such disguises; a screen of literal patterns must too."""
    lowered = text.lower()
    plain = unicodedata.normalize("NFKC", text).lower() if not text.isascii() else lowered
    joined = _SPACED.sub(lambda m: m.group().replace(" ", ""), plain)
    return tuple(dict.fromkeys((lowered, plain, joined)))


def addressed_to_model(text: str) -> list[str]:
    """One description per class of instruction aimed at the model that will read the text; never the text."""
    readings = _readings(text)
    folded = readings[0]
    found = [
        what
        for what, patterns in _compiled()
        if any(pattern.search(reading) for pattern in patterns for reading in readings)
    ]
    for what, patterns in _compiled_unless_negated():
        if what not in found and any(_asserted(pattern, reading) for pattern in patterns for reading in readings):
            found.append(what)
    if any(_WORD.search(comment.group()) for comment in _COMMENT.finditer(_CODE.sub(" ", folded))):
        found.append(HIDDEN_COMMENT)
    return found
