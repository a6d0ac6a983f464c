"""Reading text for recall: words, stopwords, FTS expressions, trivial prompts, slice markers.

Standard library only (`vault.injection`, for the invisible characters, is too): the Claude Code
hooks import this on every prompt.
"""

from __future__ import annotations

import re

from memem.vault.injection import HIDDEN_ELEMENT_PATTERN, INVISIBLE

OPEN = "<memem-memory>"
CLOSE = "</memem-memory>"
"""Markers around every slice memem injects, so the miner can strip them from transcripts."""

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# Function words: they match nearly every note, so they only add noise to BM25 and to the embedding.
STOPWORDS = frozenset(
    " ".join([
        "a an the and or but if of to in on at by for with about as is are was were be been being",
        "do does did what when where who whom whose which why how that this these those it its i you he",
        "she they we me him her them my your his their our from into than then there here have has had not",
        "no can could would should will shall may might must just so very also any some more most such only",
        "own same too s t",
    ]).split()
)  # fmt: skip


def words(text: str) -> list[str]:
    """Lower-cased words of a text, in order."""
    return _WORD.findall(text.lower())


def content_words(text: str) -> list[str]:
    """The words that carry meaning: no function words, no single letters (digits stay)."""
    return [w for w in words(text) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]


def stripped(text: str) -> str:
    """The text without function words, keeping the original spelling: `When did X go?` -> `X go`."""
    return " ".join(w for w in _WORD.findall(text) if w.lower() not in STOPWORDS)


def fts_expression(text: str) -> str | None:
    """An FTS5 MATCH expression: each distinct content word, quoted (so no query syntax gets through), ORed."""
    terms = list(dict.fromkeys(content_words(text))) or list(dict.fromkeys(words(text)))
    if not terms:
        return None
    return " OR ".join('"' + t.replace('"', "") + '"' for t in terms)


_ACKS = frozenset(
    """yes y yep yeah ok okay k sure go continue proceed thanks thank thx ty done next please do it again
    retry no nope stop wait right correct good great nice perfect cool fine agreed lgtm ship""".split()
)


_CHOOSING = frozenset(
    """option options first second third fourth last other approach plan suggestion suggestions choice variant
    version alternative both either former latter one ones""".split()
)
"""Words that pick among what the assistant just offered ("ok do the second option", "go with plan b")."""


_CJK_CONTENT = re.compile(r"[\u30a0-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
"""Han and katakana: written without spaces, so a run of them is one "word" to `words` however long;
they carry a Chinese or Japanese prompt's content (an acknowledgement, "ありがとうございます", "好的",
"了解しました", is kana or two characters)."""
_NAME = re.compile(r"[A-Z][A-Z0-9]{2,}|\w*[a-z][A-Z]\w*|\w*[A-Za-z]\d\w*|\w*\d[A-Za-z]\w*|\w+[_.]\w+")
"""A word shaped like a name rather than a reply: `GOMEMLIMIT`, `WeasyPrint`, `h2`, `uv.lock` (a number
alone picks an option)."""


def is_trivial(prompt: str) -> bool:
    """Acknowledgements, choices among what was just offered, slash commands and near-empty prompts:
    nothing to recall for them. One word can be a question all the same: a name ("GOMEMLIMIT",
    "what about WeasyPrint?") or a word asked about ("freezegun?")."""
    text = prompt.strip()
    if not text or text.startswith("/"):
        return True
    if len(_CJK_CONTENT.findall(text)) >= 3:  # "Stripeのwebhookが二重に届くのはなぜ？" is no acknowledgement
        return False
    meaningful = [w for w in content_words(text) if w not in _ACKS and w not in _CHOOSING]
    if len(meaningful) >= 2 or len(re.findall(r"\w+", text)) >= 6:
        return False
    if len(meaningful) == 1:
        named = any(
            _NAME.fullmatch(token) and token.lower() not in _ACKS for token in re.findall(r"\w+(?:[_.]\w+)*", text)
        )
        return not (named or text.endswith(("?", "？")))
    return True


def is_question(prompt: str) -> bool:
    """Whether a prompt asks a question (it ends with a question mark), the form the cross-encoder was
    trained to judge, rather than giving a task or reporting a symptom, whose useful memory is a
    convention it does not answer."""
    return prompt.rstrip().endswith(("?", "？"))


def estimate_tokens(text: str) -> int:
    """~4 characters per token for English prose and markdown: an upper-leaning estimate."""
    return (len(text) + 3) // 4


def strip_injected(text: str) -> str:
    """Remove every memem slice from a text (used before mining a transcript)."""
    out, start = [], 0
    while True:
        i = text.find(OPEN, start)
        if i < 0:
            out.append(text[start:])
            return "".join(out)
        out.append(text[start:i])
        j = text.find(CLOSE, i)
        if j < 0:
            return "".join(out)  # an unterminated slice: drop the rest rather than mine it
        start = j + len(CLOSE)


# --- neutralising what goes into the prompt --------------------------------------------------------
# Here (stdlib `re` only, beside the slice markers) because every renderer needs it, the hooks'
# catalog fallback included, and the secret screen's module is too heavy for a hook to import.

_INVISIBLE = INVISIBLE
_MARKER_TAG = OPEN.strip("<>")
_PASSES = 4
_OPENER, _CLOSER, _SLASH = "[<‹＜﹤]", "[>›＞﹥]", "[/⁄∕／]"
_ROLE_WORDS = "system|developer|assistant|human|user|instruction|response"
_HIDDEN_OR_ROLE = "|".join((
    r"<!--.*?(?:-->|\Z)",
    r"<!\[CDATA\[.*?(?:\]\]>|\Z)",  # in HTML, a bogus comment: not shown
    r"<\?(?!php\b|=|xml\b)[^>]{0,2000}>?",  # a processing instruction: not shown either (to its `>`, as HTML)
    # markdown's comment, `[//]: # "…"`: a link reference definition to nowhere, not shown when rendered
    r"^[ \t]{0,3}\[[^\]\n]{1,200}\]:[ \t]*(?:#|<>)(?:[ \t]+(?:\"[^\"\n]*\"|'[^'\n]*'|\([^)\n]*\)))?[ \t]*$",
    rf"{_OPENER}[|｜][^|｜\n]{{0,40}}[|｜]{_CLOSER}",  # chat-template tokens, full-width look-alikes too
    r"\[/?INST\]|<</?SYS>>",
    rf"{_OPENER}\s*{_SLASH}?\s*(?:system|assistant|developer|human|user|sys|im_start|im_end|start_of_turn|end_of_turn"
    r"|tool_(?:result|output|response|call|use)s?|function_(?:results?|calls?|output)|invoke|parameter|thinking"
    rf"|command[-_](?:message|name|args|stdout)|local[-_]command[-_]\w+|user[-_]prompt[-_]submit[-_]hook)\b[^<>]*{_CLOSER}"
    r"(?!\s*(?:tags?|elements?|blocks?|markers?)\b)",  # "strips <system> tags" names the tag
    # memem's own markers, however spelled: no note may close the slice it sits in, or open another
    rf"(?:{_OPENER}\s*{_SLASH}?\s*|{_SLASH}\s*)?{_MARKER_TAG.replace('-', '[-‐‑–—_ ]?')}\b"
    rf"(?:[^<>\n]{{0,40}}{_CLOSER})?",
    HIDDEN_ELEMENT_PATTERN,  # an element the rendered note does not show
    r"<(?P<unshown>template|noscript|script|style)\b[^<>]{0,300}>(?:(?!</(?P=unshown)\s*>).){0,4000}(?:</(?P=unshown)\s*>)?",
    # A role label where a line starts (after any list mark, quote, heading or emphasis): `System:`,
    # `1. **Human**:`, and the one-letter turns of old chat transcripts (`H:`, `A:`).
    r"^(?:(?:<[^<>\n]{0,120}>){0,8}[ \t>*_-]*(?:\d{1,3}[.)][ \t]*)?(?:#{1,6}[ \t]*)?[*_]{0,3}"
    rf"(?:(?:{_ROLE_WORDS})(?:[ \t]+(?:prompt|message|instructions?))?|h|a)[*_]{{0,3}}[ \t]*[:：])+",
    # and where a sentence or a bracket starts, or (for the words no ordinary label uses) anywhere
    r"(?:(?<=[.!?;:)\]}>\"'`|\[(])|(?<=[.!?;:)\]}>\"'`|\[(][ \t]))"
    r"[*_]{0,3}(?:system|developer|instruction)[*_]{0,3}[ \t]*[:：]",
    # (capitalised, as a turn is written: "the AI assistant: …" is prose, and `'Assistant:'` in quotes
    # names the label)
    r"(?-i:(?<![\w-])[*_]{0,3}(?:Human|Assistant|HUMAN|ASSISTANT)[*_]{0,3}[ \t]*[:：](?![/'\"’”`]))",
))  # fmt: skip
# After a word in lower case, `System:` capitalised is a label ("and System: …"); "Operating System:"
# and "the file system:" are not.
_LABEL_AFTER_WORD = (
    r"(?<![\w-])([a-z][a-z'-]*,?[ \t]+)[*_]{0,3}(?:System|SYSTEM|Developer|DEVELOPER)[*_]{0,3}[ \t]*[:：]"
)
_ENTITY = {"lt": "<", "gt": ">", "#60": "<", "#62": ">", "#x3c": "<", "#x3e": ">", "sol": "/", "#47": "/", "#x2f": "/"}
_ENTITIES = r"&(lt|gt|sol|#0*60|#0*62|#0*47|#x0*3c|#x0*3e|#x0*2f);"
# A link's title (`[a](url "title")`, `[a]: url "title"`) is shown only on hover: the link stays, not it.
# The address is read from the last `](` of its run of non-space characters, and a title in brackets
# holds no `](` either (nor can it where it is a title: it holds no unescaped `(`): from each of a
# run of `](` the address and the title would otherwise be read to the end of the line again, and a
# line of them costs quadratic time (100 KB of `](` took 38 s).
_LINK_TITLE = (
    r"(\]\((?:[^\s\]]++|\](?!\(\S))++|^[ \t]{0,3}\[[^\]\n]{1,200}\]:[ \t]*\S++)[ \t]+"
    r"(?:\"[^\"\n]*\"|'[^'\n]*'|\((?:[^)\n\]]++|\](?!\(\S))*+\))(?=[ \t]*(?:\)|$))"
)
_compiled: list[re.Pattern[str]] = []


def _patterns() -> list[re.Pattern[str]]:
    """Compiled on first use: a hook that never renders a note should not pay for them."""
    if not _compiled:
        _compiled.extend([
            re.compile(_INVISIBLE), re.compile(_ENTITIES, re.I), re.compile(_LINK_TITLE, re.M),
            re.compile(_HIDDEN_OR_ROLE, re.I | re.M | re.S), re.compile(_LABEL_AFTER_WORD),
        ])  # fmt: skip
    return _compiled


def _entity(match: re.Match[str]) -> str:
    name = match.group(1).lower()
    return _ENTITY.get(name) or _ENTITY.get(re.sub(r"#(x?)0*", r"#\1", name), "")


def _strip_hidden_and_roles(text: str) -> str:
    """Each construct is replaced by a space, so what is left around it cannot join into a new comment,
    token or marker. A few more passes catch what a removal exposes (a role label once behind a
    comment, `< system>` once split by a tag); more would let crafted nesting cost quadratic time.
    Whatever `<|` is left is not a token, but must not start one. Angle brackets written as entities
    (`&lt;system&gt;`) read as brackets to a model, so they are read as brackets here too."""
    invisible, entities, link_title, hidden_or_role, label_after_word = _patterns()
    text = link_title.sub(r"\1", entities.sub(_entity, invisible.sub("", text)))
    for _ in range(_PASSES):
        stripped = label_after_word.sub(r"\1 ", hidden_or_role.sub(" ", text))
        if stripped == text:
            break
        text = stripped
    return text.replace("<|", "< |").replace("<｜", "< ｜")


def neutralise(text: str) -> str:
    """Untrusted note text made safe to place inside memem's injected context, on one line.

    The screens keep text addressed to a model out of the memories memem writes, but a person's own
    notes (or a team's) are not screened: whatever of a note reaches the prompt goes through here, so
    it cannot hide text (HTML comments, invisible characters), speak as a role (`System:`, chat
    template tokens) or close memem's own markers.
    """
    return " ".join(_strip_hidden_and_roles(text).split())


def neutralise_block(text: str) -> str:
    """`neutralise` for a whole answer (a note's full text, a tool's markdown): line breaks and
    indentation stay, so code and lists read as written; what a role label began is plain text."""
    return _strip_hidden_and_roles(text)
