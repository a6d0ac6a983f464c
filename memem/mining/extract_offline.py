"""The offline extractor: what can be mined without a model, and only what it can stand behind.

A note a person must delete costs more than a lesson missed, so this extractor writes a sentence
only when it passes every gate below, and nothing otherwise (most sessions give nothing):

- it states something durable, in one of four shapes: a standing rule or preference the person
  gives ("always …", "never …", "from now on …", "we decided …", "I prefer …", "remember that …");
  a bug's cause together with its fix, stated as a conclusion (in one sentence, or as a
  "Root cause: … / Fix: …" pair); a gotcha stated about a named tool ("`depends_on` only waits …",
  "ESLint 9 ignores …", "X has no …", "note that …"); or a how-to ("To X, set `Y`");
- it stands on its own: no question, no hedge ("might", "probably", "I think"), no narration of
  work in progress ("I see", "Let me", "Now I'll"), no pronoun standing for something said before
  ("do that again", "keep it");
- it names something concrete: a code token, a named tool, a number, a quoted example;
- it yields a real title: the statement's main clause in three to fourteen words;
- it is the session's last word and more than a slip: no pasted output (a log's `Note:` line is
  not the person speaking), no bug whose cause was a typo, a leftover edit or one commit, and
  nothing the assistant took back later ("Actually `format_money` is fine").

Titles are the main clause, tags the concrete names in it, and every note is marked `miner: offline`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from memem.mining.failures import Spend
from memem.mining.lessons import Kind, Lesson
from memem.recall.text import STOPWORDS

MAX_LESSONS = 8
MIN_WORDS, MAX_WORDS = 5, 70
TITLE_WORDS = (3, 14)
WHOLE_TITLE_WORDS = 12  # a statement this short is its own title

_CODE_BLOCK = re.compile(r"```.*?(?:```|\Z)|~~~.*?(?:~~~|\Z)", re.S)
# A sentence ends at . ! or ? before the next one's first letter, whatever its case (people type
# "ok cool. fyi we never …"), but not after an abbreviation ("e.g. `x`", "i.e.", "etc.", "vs.").
_SPLIT = re.compile(
    r"(?<!\be\.g\.)(?<!\bi\.e\.)(?<!\betc\.)(?<!\bvs\.)(?<!\bcf\.)(?<=[.!?])\s+(?=[A-Za-z`*\"'(\[])|\n+"
)
_LABEL = re.compile(
    r"^\W*(root cause|cause|problem|issue|bug|symptom|fix|solution|resolution|workaround)[\s*_]*:\s*(.*)$", re.I
)

# --- what makes a sentence worth keeping ---------------------------------------------------------------
_STANDING = re.compile(
    r"(?i)(?:^|[,;:(]\s*|\b(?:and|but|so|please|we|i|must|should|to|will|fwiw|btw|also|just)\s+)(?:always|never)\b"
    r"(?!\s+(?:mind|locally|remotely|here|there|again|once|twice|in|on|at|for|when|with|before|after|during|the|a|an"
    r"|\d)\b)"
    r"|\bfrom now on\b|\bgoing forward\b|\bfrom here on\b|\bin (?:this|our) (?:repo|repository|codebase|project|team)\b"
    r"|\bwe (?:use|don't use|do not use|never use|prefer|decided|agreed|chose|follow|require|keep)\b"
    r"|\bwe (?!(?:had|were|did|was|got|saw|tried|do|go|get|see|run)\b)[a-z]+(?<!ed) (?:every|all|each)"
    r" (?!time\b|day\b)\w+"
    r"|\b(?:our|the) (?:convention|rule|policy)(?: (?:is|here)\b|\s*:)"
    r"|\b(?:use|prefer|write|spell|keep|stick to|follow)\b[^.;!?]{0,80}\b"
    r"(?:across (?:the|our|this) (?:codebase|code base|repo|repository|project|app|monorepo)|for (?:all )?new code)\b"
    r"|\bi (?:prefer|like|would rather|don't like|do not like|want (?:you )?to always)\b|\bi'd (?:rather|prefer)\b"
    r"|\bremember (?:that|to)\b|\bkeep in mind\b|^\W*(?:note|fyi|important|heads[- ]up|remember)(?: for later)?\s*:"
    r"|\b(?:don't|do not) ever\b|\bmake sure (?:to|you) always\b"
)
_DECISION = re.compile(r"(?i)\bwe (?:decided|agreed|chose)\b|\b(?:let's|we're|we are) going with\b")
_PREFERENCE = re.compile(r"(?i)\bi (?:prefer|like|would rather|don't like|do not like)\b|\bi'd (?:rather|prefer)\b")
_REMINDER = re.compile(
    r"(?i)\bremember (?:that|to)\b|\bkeep in mind\b|^\W*(?:note|fyi|important|heads[- ]up)(?: for later)?\s*:"
)

_CAUSE = re.compile(
    r"(?i)\broot cause\b|\b(?:was|were|is|are) caused by\b|\bcame from\b|\bthe (?:real )?(?:problem|issue|bug|culprit)"
    r" (?:was|is)\b|\bbecause\b|\bdue to\b"
)
_FIX = re.compile(
    r"(?i)\bfixed (?:by|it by|this by|the \w+)|\bthe fix (?:is|was)\b|\b(?:resolved|solved) (?:by|it)\b"
    r"|\bthe (?:solution|workaround) (?:is|was)\b|\bfixed the\b"
    r"|\binstead,? use\b|\buse `[^`]+` instead\b"
)
_GOTCHA = re.compile(
    r"(?i)\bonly (?:waits|reads|runs|works|checks|applies|matches|sees|loads)\b|\bsilently\b|\bignores\b"
    r"|\b(?:has|have) no\b|\b(?:does not|doesn't|do not|don't|cannot|can't|won't) (?:support|work|read|load|run|"
    r"follow|apply|wait|accept|install)\b"
    r"|\btakes (?:over|about|around|more than|up to|at least) \w+ (?:seconds|minutes|hours)\b"
)
_HOWTO = re.compile(
    r"(?i)^to [a-z][\w-]*\b[^,;]{3,80},\s*(?:list|set|use|run|add|pass|put|install|enable|call|export|pin|mount)\b"
)
_NOTE_THAT = re.compile(r"(?i)^\W*(?:note that|keep in mind that|be aware that|beware:?|gotcha:?)\s+")

# --- what disqualifies one ----------------------------------------------------------------------------
# A to-do of the day, not a rule: "remember to ping Jonas about the runner", "remember to merge it".
_TODO = re.compile(
    r"(?i)\bremember to (?:ping|tell|ask|email|mail|message|dm|text|call|send|reply|respond|mention|notify|follow up|"
    r"let \w+ know|cc|loop in|close|merge|book|schedule|buy|submit|file|review|approve|thank|invite|cancel|renew)\b"
)
# A symptom reported, not a rule stated: "`test_x` fails 1 in 5 runs in CI, never locally".
_SYMPTOM = re.compile(
    r"(?i)\b(?:fails?|failing|failed|passes|passing|passed|crash(?:es|ed|ing)?|hangs?|hung|hanging|flakes?|flaky|"
    r"times? out|timed out|timing out|errors? out|breaks?|broke|breaking|succeeds?|succeeded)\b"
)
_HEDGE = re.compile(
    r"(?i)\b(?:might|maybe|perhaps|probably|likely|possibly|presumably|seems?|seemed|appears? to|i think|i suspect|"
    r"i believe|i guess|could be|not sure|wondering|hopefully)\b"
)
_NARRATION = re.compile(
    r"(?i)^\W*(?:i\b|i'll|i've|i'm|i'd|let me|let's|now\b|next\b|first\b|then\b|okay|ok\b|great|perfect|done|sure|"
    r"looking|checking|good|excellent|alright|all right|here\b|we have|we need|we'll|understood|got it|makes sense|"
    r"thanks|thank you|yes\b|no\b|hmm|oh\b|ah\b|wait\b|actually\b|also\b,? i\b|if\b|right\b|so\b|well\b|yeah\b|"
    r"yep\b|nope\b|hm+\b|aha\b|huh\b|interesting|looks like|ugh\b|whoa\b)"
)
_INTENT = re.compile(r"(?i)\b(?:i'll|i will|we'll|going to|let me|let's|i need to|we need to|i'm going)\b")
_DEICTIC_OBJECT = re.compile(
    r"(?i)\b(?:do|did|does|doing|done|try|use|keep|change|fix|remove|delete|make|undo|revert|repeat|say|want|like|"
    r"prefer|love|hate|need)\s+"
    r"(?:it|that|this|them|those|these)\b(?!\s*(?:`|[a-z]+[_./-]\w))"
)
_DEICTIC_START = re.compile(r"(?i)^\W*(?:it|this|that|these|those|they|he|she|which|there)\b")
_INTERJECTION = re.compile(
    r"(?i)^\W*(?:(?:right|so|well|yeah|yes|no|ok|okay|hmm+|hm+|ah|oh|alright|aha|huh|wait)\b[,.!:-]*\s+)+"
)
# A title whose pronoun stands for something said before it ("Never paste it into go.mod", "We don't
# type it"): the reader of the note next month does not have what it stood for.
_DANGLING = re.compile(r"(?i)^(?:\S+\s+){0,3}?(?:it|them|they)\b(?!')")
_MIND = re.compile(r"(?i)\bnever mind\b|\bnevermind\b")
_BANTER = re.compile(
    r"(?i)\b(?:lol|lmao|rofl|haha+|hehe+)\b|(?-i:(?<![\w:])[:;]-?[)D(](?!\w))|[\U0001F600-\U0001F64F\U0001F923]"
)
# A bug that was a slip (a typo, a leftover edit, something forgotten) or one commit's doing: true,
# and of no use next month.
_SLIP = re.compile(
    r"(?i)\b(?:typo(?:s|ed)?|misspel\w*|(?:is |was )?spelled|spelt|leftover|left over|stray|forgot(?:ten)?|"
    r"accidental(?:ly)?|by mistake|commented[- ]out|debug(?:ging)? (?:edit|print|statement|code|line|change)|"
    r"wip|copy[- ]paste\w*)\b"
    r"|\bmy (?:own )?(?:edit|change|split|refactor\w*|rename|move|mistake)\b|\bi (?:introduced|broke)\b"
    r"|\b(?:before|after|since|from|during|by) (?:the|my|our|this) (?:split|refactor\w*|rename|extraction|move|"
    r"restructur\w*|reorgani[sz]ation)\b"
)
_COMMIT = re.compile(r"\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,40}\b")


# A cause that passed by itself (a service down, an outage), or a "fix" that was waiting it out: what
# happened once, with nothing to do differently next time.
_PASSED = re.compile(
    r"(?i)\b(?:being|was|were|went|is|are) (?:down|offline|unreachable|unavailable)\b|\b(?:outage|downtime)\b"
    r"|\b(?:fixed|resolved|solved|cleared)(?: it| this| itself)?(?: up)? (?:by|after) (?:just |simply )?"
    r"(?:waiting|retrying|re-?running|re-?trying|restarting|rebooting|trying again|refreshing)\b"
    r"|\bwent away (?:on its own|by itself)\b|\bresolved itself\b"
)


def _one_off(text: str) -> bool:
    """A bug's cause that was a slip, one commit's doing, or something that passed by itself."""
    return bool(_SLIP.search(text) or _COMMIT.search(text) or _PASSED.search(text))


# The assistant taking back what it said ("Actually `x` is fine", "scratch that").
_RETRACT = re.compile(
    r"(?i)\bactually\b|\bscratch that\b|\bi was wrong\b|\bmy mistake\b|\bcorrection\b|\bturns out\b|"
    r"\bon closer (?:look|inspection)\b|\bnot the (?:cause|culprit|issue|problem)\b"
    r"|\bthat(?:'s| is) not (?:it|right|true)\b"
    r"|\b(?:it|that|this)(?:'s not| is not| isn't| wasn't| was not)\s+(?:it|the \w+)\b"
    r"|\bno,? (?:it's|that's|it is|that is) not\b"
    r"|\bwrong about\b|\bi misread\b|\bi misspoke\b|\bjumped to (?:a )?conclusions?\b|\bi take (?:that|it) back\b"
    r"|\bfalse alarm\b|\bmy bad\b|\bi was mistaken\b|\bred herring\b|\bdisregard (?:that|what i said)\b"
    r"|^\W*(?:\w+,?\s+)?no\s*[-—–,.:]\s|\bnothing to do with\b|\bunrelated\b|\bnot related\b|\bruled? out\b"
    r"|\b(?:doesn't|does not|didn't|did not|won't) (?:come into it|apply|matter|help|change anything|explain)\b"
    r"|\b(?:changed|fixed|explains) nothing\b|\bmade no difference\b|\bno difference\b"
    r"|\b(?:isn't|is not|wasn't|was not|can't be|cannot be) (?:the )?(?:problem|cause|culprit|issue|reason|bug)\b"
    r"|\bstill (?:fails|failing|flaky|broken|happens|hangs|times out|the same|there|red)\b"
)
_RETRACT_WORDS = frozenset(
    "actually scratch wrong mistake correction turns closer look inspection cause culprit issue problem right true "
    "misread misspoke jumped conclusion conclusions take back false alarm mistaken herring disregard said nothing "
    "unrelated related ruled rule come matter help change anything explain changed fixed explains difference reason "
    "still fails failing flaky broken happens hangs times same there".split()
)
# Machine output pasted into a turn: log lines, stack frames, compiler notes, env listings.
_OUTPUT_LINE = re.compile(
    r"^\s+at\s|^\s*File \"|^Traceback\b|^\s*\^+\s*$|\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}|\b\d{2}:\d{2}:\d{2}\b"
    r"|\b(?:ERROR|WARN|WARNING|INFO|DEBUG|TRACE|FATAL)\b|^[\w.$]+(?:Error|Exception|Warning)\b"
    r"|^[\w./\\-]+\.\w+:\d+(?::\d+)?:|^\s*(?:\$|>>>|PS>)\s|^[A-Z][A-Z0-9_]{2,}=|^\s*(?:error|warning)(?:\[\w+\])?:"
)

# --- whose words they are -----------------------------------------------------------------------------
# The miner writes each turn under a line of its own; the role is read only from those exact lines, so a
# heading a person types or pastes ("### Known issues:") is their text, not a new speaker.
_ROLE_MARK = re.compile(r"(?:\A|\n\n)### (Person|Assistant):\n")
_ESCAPED_MARK = re.compile(r"(?m)^([ \t]*)\\(?=#)")
# Quoted material is someone else's words, whoever pasted it: a blockquote, or an indented block.
_QUOTE_LINE = re.compile(r"^[ \t]*>")
_INDENTED = re.compile(r"^(?: {4}|\t)")
# A line that hands the turn over to a source: "Here's what the vendor's README says:", "I found this
# on a blog post:", "the release notes say this". What follows it, up to the person's question about
# it, is that source's text.
_SOURCE = re.compile(
    r"(?i)\b(?:readme|docs?|documentation|manual|man ?page|wiki|confluence|notion|blog|(?<![\w-])post(?![\w-])|"
    r"article|tutorial|guide|"
    r"stack ?overflow|answer|comment|thread|tweet|reddit|forum|gist|changelog|release notes|chatgpt|gpt-?\d*|"
    r"copilot|gemini|(?:an)?other (?:ai|llm|model|agent)|vendor|colleague|co-?worker|boss|manager|lead|cto|"
    r"teammate|someone|somebody|friend|support|email|slack|the internet|online)\b"
)
_CITING = re.compile(
    r"(?i)\b(?:says?|said|reads?|wrote|writes|written|recommends?|recommended|suggests?|suggested|claims?|claimed|"
    r"told (?:me|us)|tells (?:me|us)|found|came across|copied|pasted|quot(?:e|es|ed|ing)|excerpt|snippet|"
    r"according to)\b"
)
_PASTING = re.compile(
    r"(?i)^\W*(?:(?:i'm|i am|i'll|let me|here i'm|am)\s+)?(?:pasting|copying|quoting|forwarding|paste|copied|"
    r"pasted|forwarded|quoted)\b"
)
_HERE = re.compile(r"(?i)\b(?:here's|here is|here are|this is|these are|from)\b")
_POINTS_AHEAD = re.compile(
    r"(?i)\b(?:says?|said|reads?|wrote|writes|recommends?|suggests?|found|saw|came across|copied|pasted|got|"
    r"sent)\s+(?:me\s+|us\s+)?(?:this|these|the following)\b|\bthe following\b|\bas follows\b"
)
# Someone else's words reported in the sentence: "My boss said we never …", "the docs say to always …".
# The person's own repeated word ("like I said, we never …") is still theirs.
_REPORTED = re.compile(
    r"(?i)\b(?:said|says|say|saying|told|tells|wrote|writes|claims?|claimed|mentioned|suggested|suggests|"
    r"recommends?|recommended|reckons?|insists?|insisted|swears?|according to)\b"
)
# Words the person read or heard elsewhere are not theirs, even in the first person: "I heard we never …".
_HEARD = re.compile(
    r"(?i)\b(?:i|we)\s+(?:\w+\s+)?(?:heard|read|saw|found|came across|was told|were told|got told)\b|\bheard\b"
    r"|\bper (?:the |our |my |his |her |their |[\w.-]+'s )?(?:[\w-]+ ){0,2}?(?:readme|docs?|documentation|wiki|"
    r"blog|post|article|guide|answer|comment|thread|vendor|colleague|boss|manager|lead|dev|developer|engineer|"
    r"architect|cto|chatgpt|copilot|someone|support)\b"
)
_OWN_WORD = re.compile(r"(?i)(?:\b(?:i|i've|i have|i've always|we|we've|we have)\s+(?:\w+\s+)?|\b(?:as|like)\s+)$")
_REPORTED_AFTER = re.compile(
    r"(?i)\b(?:says|said|claims|claimed|reckons|insists|insisted|told (?:me|us)|wrote|according to)\b"
)

# --- what a person says that is not a rule of theirs -------------------------------------------------
# A question typed without its "?": "Should we always use …", "Do we always need …", "…, do we".
_ASKS = re.compile(
    r"(?i)^\W*(?:(?:so|and|but|ok|okay|hey|also|btw|q|quick question|hmm+|um+|just curious|out of curiosity)\W+)*"
    r"(?:(?:does|did|is|are|was|were|should|shall|can|could|would|will|might|may)(?:n't)?\s+"
    r"(?!(?:not|always|never|ever|be|only)\b)[`\w]"
    r"|(?:do|don't|have|has|had|haven't|hasn't|am)\s+(?:we|i|you|they|it|he|she|there|the|our|this|that|these|those|"
    r"your|my|all|any|every|each|`)"
    r"|(?:why|how|what|where|when|which|who|whom|whose)\s+(?:do|does|did|don't|doesn't|didn't|should|shall|can|could|"
    r"would|will|is|isn't|are|aren't|was|were|have|has|must)\b"
    r"|why\b|what (?:if|happens|happened|about|else|would|could)\b|is it (?:ok|okay|fine|safe|true|necessary|needed)\b"
    r"|any (?:reason|idea|chance)\b)"
)
_TAG_QUESTION = re.compile(
    r"(?i)(?:,|\s[-—–])\s*(?:(?:do|don't|does|doesn't|did|didn't|is|isn't|are|aren't|should|shouldn't|can|can't|will|"
    r"won't|would|wouldn't|have|haven't|has|hasn't|must|right)\s+(?:we|i|you|they|it|he|she|there|not)?|right|correct|"
    r"no|yes|yeah|ok|okay|eh|huh|true|or not|or what|or no|or something)\W*$"
    r"|\bor (?:should|do|does|did|can|is|are|would|will) (?:we|i|you|it|they)\b"
)
# The person unsure, or denying that there is a rule: "I don't think we always need …", "… though".
_DOUBT = re.compile(
    r"(?i)\bi (?:don't|do not|didn't|did not) (?:think|believe|know|remember|recall)\b|\bi doubt\b|\bdunno\b|"
    r"\bno idea\b|\bunsure\b|\bnot certain\b|\bi wonder\b|\bi'd say\b|\bkinda\b|\bsorta\b|\bi (?:kind|sort) of\b|"
    r"\bthough\W*$|\btho\W*$"
)
# Not a rule today: a habit that was ("we used to always …, but not anymore"), or an event told in the
# past tense ("we never decided anything about …", "we always tested …"). A passive rule is present:
# "generated files are never committed".
_NO_LONGER = re.compile(
    r"(?i)\bused to\b|\bno longer\b|\bnot any ?more\b|\bback then\b|\bin the past\b|\bpreviously\b|"
    r"\bformerly\b|\buntil recently\b|\bold days\b|\bback in the day\b"
)
_PAST_AFTER = re.compile(
    r"(?i)^\s*(?:(?:really|actually|even|once|ever|just)\s+)?"
    r"(?:(?!(?:need|seed|feed|speed|proceed|succeed|exceed|heed|breed|bleed|weed|embed|shred|bed|red|wed|shed|sled)"
    r"\b)[a-z]{2,}ed|did|had|was|were|got|went|made|said|"
    r"thought|knew|saw|found|told|heard|came|wrote|ran|took|gave|left|built|sent|spent|bought|brought|caught|"
    r"felt|meant|understood|forgot|broke|chose|spoke|drove|froze|began|became|bothered)\b"
)
_BEING = re.compile(
    r"(?i)\b(?:is|are|be|been|being|get|gets|stay|stays|remain|remains|was|were|'s|'re|keep|keeps|leave|leaves)\s*$"
)
# Taking back what they just said: the sentence and what came before it in the turn are not a rule.
_TAKES_BACK = re.compile(
    r"(?i)\b(?:just kidding|kidding|jk|j/k|scratch that|strike that|(?:ignore|disregard) (?:that|this|what i "
    r"(?:just )?said|the above|me|my last)|forget (?:that|what i (?:just )?said|i said)|i take (?:that|it) back|"
    r"i misspoke|i was wrong|my bad|wait,? no|no,? wait|actually,? no)\b"
)
# A complaint or a symptom, not a rule: "I always mess up the flags", "we always get ECONNRESET from
# redis", "`e2e` never passes on arm64".
_CONFESSION = re.compile(
    r"(?i)\b(?:i|we)\s+(?:\w+\s+)?(?:always|never)\s+(?:\w+\s+)?(?:forget|forgets|mess|screw|mix|muddle|confuse|trip|"
    r"struggle|fumble|misremember|mistype|misspell|lose track|get confused|get lost|end up|manage|seem|remember|"
    r"notice)\b"
)
_SUFFERS = re.compile(
    r"(?i)\b(?:always|never)\s+(?:\w+\s+){0,2}?(?:get|gets|got|getting|see|sees|saw|hit|hits|run into|runs into|"
    r"ran into|end up with|ends up with|receive|receives|have|has|had)\b(?:\s+[^\s,;:!?]+){0,6}?\s+[`'\"(]?"
    r"(?:E[A-Z]{3,}\w*|\w*(?:Error|Exception|Fault|Timeout)\w*|errors?|exceptions?|timeouts?|time-?outs?|warnings?|"
    r"failures?|conflicts?|deadlocks?|crash(?:es)?|segfaults?|panics?|oom\w*|[45]\d\d|[45]\d\ds|issues?|problems?|"
    r"trouble|bugs?|flak\w+|race conditions?|leaks?)\b"
)
_MISBEHAVES = re.compile(
    r"(?i)\b(?:always|never)\s+(?:\w+\s+){0,2}?(?:fails|failed|crashes|crashed|hangs|hung|flakes|flaked|times out|"
    r"timed out|errors out|errored|breaks|broke|dies|died|segfaults|freezes|froze|stalls|stalled|deadlocks|leaks|"
    r"works|worked|succeeds|succeeded|passes(?!\s+[`-])|passed|shows up|showed up|"
    r"returns? (?:a |an )?(?:[45]\d\d|null|nil|none|empty|error))\b"
)
# A habit blamed for a symptom: "we always deploy on Fridays, which is why prod breaks" is a complaint.
_BLAMES = re.compile(
    r"(?i)\b(?:which|that|this)(?:'s| is| was) (?:why|how)\b(?![^.;!?]*\b(?:never|no longer|don't|doesn't|won't|"
    r"can't|isn't|aren't|not)\b)[^.;!?]*?\b(?:fails?|failing|failed|breaks?|broke|breaking|broken|crash\w*|"
    r"hangs?|flak\w+|goes down|went down|is down|outages?|bugs?|errors?|incidents?|regressions?|pages?|paged|"
    r"on fire|mess|slow)\b"
)
_MODAL_BEFORE = re.compile(r"(?i)\b(?:must|should|shall|has to|have to|need to|needs to|ought to)\s*$")
# Something just noticed in the code, not a rule: "wait, we never set `AWS_REGION` in the `Makefile`".
_NOTICED = re.compile(
    r"(?i)^\W*(?:wait|hold on|hang on|oops|whoa|woah|uh[- ]?oh|huh|hmm+|oh (?:no|wait|crap|shit|damn|man|hey)|damn|"
    r"dang|crap|shoot|ugh|welp|yikes)\b"
    r"|\b(?:just )?(?:noticed|realized|realised|spotted)\b|\bturns out\b|\bapparently\b|\blooks like\b|"
    r"\bi see (?:that|now)\b|\bit seems\b|\bcome to think of it\b"
)
# The assistant's reply turning the person's statement down ("No. Both of those are wrong", "No, that is
# unsafe", "Don't — …"): what they said is not kept. "No problem" and "No, you're right" agree.
_REJECT_OPENING = re.compile(
    r"(?i)^\W*(?:no\b(?![\s,.!—–-]*(?:problem|prob|worries|worry|need|rush|changes?|issues?|you're right|you are right|"
    r"that's (?:right|correct|fine|true)|that is (?:right|correct|fine|true))\b)|nope\b|nah\b|"
    r"(?:please\s+)?(?:don't|do not)\b(?!\s+worry)|definitely not\b|absolutely not\b|not quite\b|not really\b|"
    r"not necessarily\b|i disagree\b|i'd push back\b|hmm+,? (?:no|not)\b)"
)
_AGREES = re.compile(
    r"(?i)^\W*(?:yes|yep|yeah|sure|agreed|right|correct|exactly|good (?:call|idea|point)|makes sense|got it|noted|"
    r"understood|will do|done|ok|okay|sounds good|great|perfect)\b"
)
_REJECTS = re.compile(
    r"(?i)\b(?:that|this|it|both(?: of (?:those|these|them))?|those|these|neither(?: of (?:those|these|them))?|"
    r"the (?:advice|post|article|readme|blog|suggestion|claim|rule|tip|snippet|answer|idea)|which)"
    r"(?:\s+(?:is|are|was|were|would be|sounds?|seems?|looks?)|'s|'re)\s+(?:\w+\s+)?"
    r"(?:wrong|incorrect|outdated|out of date|obsolete|misleading|false|bad advice|a bad idea|"
    r"not (?:right|correct|true|accurate|recommended|a good idea))\b"
    r"|\b(?:advise|recommend|argue|strongly) against\b|\bsteer clear\b|\bplease don't\b"
    r"|\b(?:you|we) (?:should(?:n't| not)|must(?:n't| not)) (?:do|follow|use|set|disable|enable|run|turn)\b"
    r"|\b(?:don't|do not) do (?:that|this|it)\b"
)

# True only for now: a state of the moment, a date, this one task. A note must still hold next month.
_TRANSIENT = re.compile(
    r"(?i)(?<!from )\bnow\b(?! on\b)|\b(?:yet|today|tonight|tomorrow|yesterday|currently|(?:at|for) the moment|"
    r"for the time being|"
    r"(?:this|next|last) (?:week|month|morning|afternoon|evening|time|sprint)|"
    r"(?:this|the current) (?:task|session|pr|pull request|change|ticket|conversation))\b"
    r"|\bfor (?:this|that) (?:one|chart|plot|graph|figure|file|page|table|function|test|case|component|notebook|"
    r"script|query|view|screen|report|release|run|demo|slide|deck|email|post)\b"
    r"|(?<!every )\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b(?!s)"
    r"|\b\d{1,2}(?::\d{2})? ?(?:am|pm)\b|\bline \d+\b"
    r"|\b(?:option|plan|approach|proposal|alternative|variant) [a-z0-9]\b"  # one of the choices just offered
)
# The assistant telling what it did ("I fixed …", "; updated the config"), or speaking of the person's
# own situation ("your branch has no upstream"): the session's story, not a lesson.
_DONE = re.compile(
    r"(?i)\b(?:i|we)(?:'ve| have)?\s+(?:just\s+)?(?:fixed|added|updated|changed|removed|made|created|moved|renamed|"
    r"set|wrote|ran|deleted|refactored|converted|replaced|installed|split|implemented|tried)\b"
    r"|(?:^|[;,.]\s*)(?:fixed|added|updated|changed|removed|renamed|moved)\s+(?:the|a|an|some|its|it)\b"
)
_YOU = re.compile(r"(?i)\b(?:you|your|you're|you've)\b")
# An absence in one of this project's own things ("the `orders` table has no index on `customer_id`",
# "the new `WalletCoreTests` bundle has no host application") is how things stand before the session
# fixes them, not a lesson; an absence in a tool ("a virtual workspace has no edition of its own",
# "the quality tools have no installers") holds next month.
_LOCAL_ABSENCE = re.compile(
    r"(?i)^\W*(?:the|this|that|our|its|these|those)\s+(?:[^\s,;:]+\s+){0,3}?"
    r"(?:chart|table|column|index|bundle|target|file|folder|directory|function|method|class|module|component|"
    r"service|endpoint|test|job|pipeline|workflow|step|stage|task|config|schema|model|field|hook|route|script|query|"
    r"view|page|template|migration|branch|container|pod|deployment|bucket|app|image|dockerfile|record|row|form|"
    r"screen|playbook|role|resource|namespace|crate|binary|environment|instance|queue|topic|struct|type|interface|"
    r"enum|variable|key|property|column|entity|handler|controller|middleware|fixture|spec)s?\s+"
    r"(?:still\s+|currently\s+|now\s+)?(?:has no|have no|lacks?|is missing|are missing|doesn't have|does not have)\b"
)
# A file of this project lacking something ("`config.yaml` has no `region` key", "the `Makefile` has no
# `install` target") is how it stands this session. A named tool's file ("Node.js has no …") is not one.
_FILE_ABSENCE = re.compile(
    r"^\W*(?:[Tt]he\s+|[Oo]ur\s+|[Tt]his\s+)?`?(?:[\w.-]*/[\w./-]*\w|[a-z0-9_.-]*[a-z0-9_-]\.(?:ya?ml|json|toml|ini|cfg|"
    r"conf|env|py|ts|tsx|js|jsx|mjs|cjs|sh|rb|go|rs|java|kt|swift|php|tf|lock|txt|md|sql|xml|gradle|properties|vue|"
    r"svelte|css|scss|html)|Makefile|Dockerfile|Justfile|Procfile|Gemfile|Rakefile|Jenkinsfile|Containerfile)`?"
    r"(?:\s+(?:file|script|module|config|folder|directory))?\s+(?:still\s+|currently\s+|now\s+)?"
    r"(?:has no|have no|lacks?|is missing|doesn't have|does not have|contains no|doesn't contain|does not contain|"
    r"doesn't define|does not define|doesn't set|does not set|never sets)\b(?!\s+effect\b)"
)
# What one of this project's files says or holds ("README.md doesn't mention `--verbose`", "`app.py`
# imports `requests` twice"): how it reads this session.
_FILE_SAYS = re.compile(
    r"^\W*(?:[Tt]he\s+|[Oo]ur\s+|[Tt]his\s+)?`?(?:[\w.-]*/[\w./-]*\w|[A-Za-z0-9_.-]*[A-Za-z0-9_-]\.(?:ya?ml|json|toml|"
    r"ini|cfg|conf|env|py|ts|tsx|js|jsx|mjs|cjs|sh|rb|go|rs|java|kt|swift|php|tf|lock|txt|md|rst|sql|xml|gradle|"
    r"properties|vue|svelte|css|scss|html))`?(?:\s+(?:file|script|module|config|page))?\s+(?:still\s+|currently\s+)?"
    r"(?:(?:doesn't|does not|don't|do not|never) (?:mention|document|describe|list|explain|cover|say|import|use|"
    r"call|export|handle|check|test)|mentions|documents|lists|imports|exports|calls|defines|declares|"
    r"(?:has|have|is|are) (?:about |over |under |only |just )?\d[\d,]*)\b"
)
# A size or count of the moment: "main.py has 300 lines", "the suite has 214 tests".
_COUNTED = re.compile(
    r"(?i)\b(?:has|have|had|contains?|is|are|was|were) (?:about |over |under |only |just |now )?\d[\d,]* "
    r"(?:lines?|loc|rows?|files?|tests?|entries|items|functions?|classes|modules|commits?|warnings?|errors?|"
    r"failures?|issues?|todos?)\b"
)
# A flaw in one of this project's own functions ("the `compute_total` function silently drops negative
# values"): a bug to fix this session. A library's function is named with its module (`requests.get`).
_LOCAL_FLAW = re.compile(
    r"(?i)^\W*(?:the|this|that|our|its)\s+`?[a-z_][a-z0-9_]*(?:\(\))?`?\s+(?:function|method|class|module|"
    r"component|endpoint|handler|helper|view|model|job|task|hook|route|script|query|test|fixture)s?\s+"
    r"(?:still\s+|currently\s+)?(?:silently|ignores|only|drops|skips|loses|swallows|(?:doesn't|does not|never) \w+)\b"
    r"|^\W*`[a-z_][a-z0-9_]*\(\)`\s+(?:silently|ignores|drops|skips|loses|swallows)\b"
)
# The assistant reading out what a command, a log or a trace printed ("`git status` shows …", "the stack
# trace shows KeyError: …", "`ls` shows the dist folder has no …"): the state of the moment, not a lesson.
_OBSERVED = re.compile(
    r"(?i)^\W*(?:[^\s,;:]+\s+){0,6}?(?:shows?|showed|shown|says|said|prints?|printed|reports?|reported|outputs?|"
    r"displays?|displayed|confirms?|confirmed|indicates?|indicated|reveals?|revealed|complains?|complained|"
    r"tells (?:us|me)|lists|listed)\b"
)
# What documentation says is the documented fact; the title is the fact, not "The docs at … say".
_DOCS_SAY = re.compile(
    r"(?i)^\W*(?:(?:the|its|their|[\w.-]+'s)\s+)?(?:[`\w.@/-]+\s+){0,3}?(?:docs|documentation|manual|man ?page|readme|"
    r"changelog|release notes|migration guide|upgrade guide|spec|specification|faq|api reference)\b"
    r"(?:[^,;:]|:(?!\s)){0,80}?\s"
    r"(?:says?|said|states?|stated|notes?|noted|explains?|mentions?|documents?|confirms?|warns?)(?:\s+that)?\s*[,:]?\s+"
    r"|^\W*(?:according to|per) (?:the )?(?:[\w.-]+'s\s+)?(?:official\s+)?(?:docs|documentation|manual|readme|"
    r"changelog|release notes|guide|spec)\b(?:[^,;:]|:(?!\s)){0,80}?[,:]\s+"
)
# A step of this session's debugging, not a how-to: "Reproduce the bug: run …", "To verify the fix, run …".
_THIS_BUG = re.compile(
    r"(?i)\b(?:reproduce|repro|reproducing|trigger|verify|confirm|check|test|debug|inspect|investigate|diagnose|"
    r"see|catch|bisect|isolate)\b[^,:;.]{0,40}?\b(?:the|this|that|our|your) (?:bug|issue|error|crash|failure|"
    r"problem|fix|regression|behaviou?r|leak|hang|flake|race)\b"
)
# A title that stops before its object ("The docs at https://example.com say") says nothing.
_UNFINISHED_TITLE = re.compile(
    r"(?i)\b(?:says?|said|shows?|showed|reads|states|notes|mentions|explains|that|the|a|an|to|of|for|with|and|or|"
    r"but|is|are|was|were|by|from|in|on|at|as|if|when|than|then|via|into|over)$"
)
_STATUS = re.compile(
    r"(?i)^\W*(?:summary|result|status|update|recap|progress)\s*:"
    r"|\bstill (?:fails|failing|failed|broken|hangs|hanging|errors|crashes|times out|red|flaky|passes|passing)\b"
    r"|^\W*(?:the )?(?:all )?(?:\d+ )?(?:tests?|checks?|build|ci|suite|pipeline)\b[^.;]{0,30}\b"
    r"(?:pass|passes|passed|passing|green|succeed\w*)\b"
)
# A preference about this conversation's choices ("I prefer the second option", "I like how you …").
_CHOICE = re.compile(
    r"(?i)^(?:the (?:first|second|third|last|other|previous|new|old|current|latter|former)\b|this\b|that\b|these\b|"
    r"those\b|your\b|it\b|how\b|what\b|when\b|where\b)"
)

# --- what counts as concrete --------------------------------------------------------------------------
_CODE = re.compile(r"`[^`\n]{1,80}`")
# (Its first form is bounded as `_TAG_TOKEN`'s is, below.)
_TOKEN = re.compile(
    r"(?<![\w/])(?:[\w-]{1,64}[._/](?:[./-]{0,64}+\w)+|[a-z]+[A-Z]\w*|[A-Z]{2,}(?:_[A-Z0-9]+)+|\w+-\w+(?:-\w+)*|\d[\d.,]*\w*)"
)
_PROPER = re.compile(r"(?<=\s)(?:[A-Z][a-z0-9]+[A-Za-z0-9.]*|[A-Z]{2,}[a-z]*\w*)")
# A dotted or slashed name's parts, and the marks between them, are read no further than 64 characters
# at a time: tried again from each start after a hyphen or a dot, a long run of `a-a-a-…` with no dot
# in it, or of `-.-.-.…` with no letter, was read to its end from each.
_TAG_TOKEN = re.compile(r"(?<![\w/])(?:[\w-]{1,64}[._/](?:[./-]{0,64}+\w)+|[a-z]+[A-Z]\w*|[A-Z]{2,}(?:_[A-Z0-9]+)+)")
# Upper case, yet words of a query language, not names: "never run ALTER TABLE on `orders`".
_SQL_WORDS = frozenset(
    "select insert update delete alter table create drop index from where join order group by limit into values "
    "set not null and or on primary key foreign references unique default begin commit rollback truncate grant "
    "revoke view trigger exists distinct having union all as in is like between case when then else end".split()
)
_LABEL_WORDS = frozenset("fix solution resolution workaround cause problem issue bug note symptom root".split())
_QUOTED = re.compile(r"(?:'[^'\n]{4,80}'|\"[^\"\n]{4,80}\")")

_LEAD = re.compile(
    r"(?i)^\W*(?:(?:note|fyi|important|heads[- ]up|remember|root cause|cause|problem|issue|bug)(?: for later)?\s*:\s*"
    r"|(?:our|the) (?:convention|rule|policy)\s*:\s*"
    r"|note that |keep in mind that |fyi,? |fwiw,? |btw,? |just so you know,? |for the record,? "
    r"|remember that |be aware that |also,? |so,? |ok,? |okay,? |and |but |please,? |from now on,? |going forward,? "
    r"|from here on,? |in (?:this|our) (?:repo|repository|codebase|project|team),? )+"
)
_PREFERRING = re.compile(r"(?i)^(?:hey,? |also,? )?i(?: prefer| like|'d rather| would rather) (?:to )?")
# A title drops "I prefer", not "I like": "I like X better than Y" without it has no verb.
_PREFERRING_TITLE = re.compile(r"(?i)^(?:hey,? |also,? )?i(?: prefer|'d rather| would rather| like to) (?:to )?")
_PREFER_THING = re.compile(r"(?i)^(?:hey,? |also,? )?i(?: prefer| would prefer|'d prefer) (?!to )")
# "Use `ruff` instead of `flake8` from now on.": when the rule holds is not its title's last word.
_ONWARD_TAIL = re.compile(r"(?i),?\s+(?:from now on|going forward|from here on(?: out)?|for good)\s*[.!]*$")
_RATHER_THAN = re.compile(r"(?i)^i(?:'d| would) rather (?:use )?(.+?) than (?:use )?(.+)$")
_DECIDING = re.compile(r"(?i)^we (?:decided|agreed|chose) (?:to |that )?")
_STRONG_CUT = re.compile(
    r",?\s+(?:because|since|so that|so|which|as long as|otherwise)\s+|,\s+(?:like|e\.g\.|for example|such as)\s+"
    r"|;\s*|:\s+|\s+[-—–]\s+"
)
_WEAK_CUT = re.compile(r",\s+")
# When a bug happened is its circumstance, and may go ("… blocked forever on an unbuffered channel once
# the caller returned early"); a rule's or a gotcha's condition is its meaning ("only checks anchors
# when `validation.anchors` is set"), so those are never cut there.
_CIRCUMSTANCE_CUT = re.compile(r",\s+|\s+(?:once|when|whenever|after|until)\s+")
_CAUSE_SPLIT = re.compile(
    r"(?i)^(.*?)\s*\b(?:the (?:real )?root cause (?:was|is)(?: that)?|(?:was|were|is|are) caused by|came from|"
    r"because of|because|(?:was|were|is|are) due to|due to)\s+(.*)$"
)
# A word starts where a run of its characters does: tried from inside a run too, a long run with no
# letter in it ("//////…") was read to its end from each of its characters.
_WORD = re.compile(r"(?<![\w'./`-])[\w'./`-]*\w[\w'./`-]*")
_GENERIC = frozenset(
    "thing things stuff code change changes file files way time again please everything something anything ok okay "
    "one ones lot bit work works use used using make made need needs".split()
)


@dataclass(frozen=True)
class Finding:
    """A sentence that passed the gates, with what it is and its title."""

    text: str
    kind: Kind
    title: str
    scope: str


_LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d+[.)]|#+)\s+|^\s*[^\w\s`'\"(\[*_-]")


def _sentences(text: str, prose_only: bool = False) -> list[str]:
    """The sentences of a turn. With `prose_only`, those of list items, headings and lines opened by a
    symbol (a check mark, an emoji) are left out: in the assistant's turns they summarise work done."""
    out = []
    for line in _own_lines(_CODE_BLOCK.sub("\n", text)):
        if prose_only and _LIST_ITEM.match(line):
            continue
        out += [s.strip(" -*>\t") for s in _SPLIT.split(line) if s and s.strip(" -*>\t")]
    return out


def _unquoted(text: str, cited: bool = False) -> str:
    """The turn without what its author quoted: fenced and indented blocks, blockquotes, and (with
    `cited`, for the person) what follows a line handing the turn to a source ("Here's what the
    vendor's README says:"), up to their question about it. A person pastes advice to ask about it;
    it is someone else's, and often what the assistant then turns down."""
    out: list[str] = []
    pasting = False
    for paragraph in re.split(r"\n[ \t]*\n", _CODE_BLOCK.sub("\n\n", text)):
        lines = [line for line in paragraph.splitlines() if line.strip() and not _QUOTE_LINE.match(line)]
        if not lines or all(_INDENTED.match(line) for line in lines):
            continue
        if pasting:
            pasting = not lines[-1].rstrip().endswith("?")
            continue
        for n, line in enumerate(lines):
            if cited and _hands_over(line):
                rest = lines[n + 1 :]
                pasting = not (rest and rest[-1].rstrip().endswith("?"))
                lines = lines[: n + 1]
                break
        out.append("\n".join(lines))
    return "\n\n".join(out)


def _hands_over(line: str) -> bool:
    """A line that introduces someone else's text: it cites, and it ends in a colon or points ahead."""
    line = line.strip()
    if _PASTING.match(line):
        return True
    if line.endswith(":") and (_CITING.search(line) or (_SOURCE.search(line) and _HERE.search(line))):
        return True
    return bool(_POINTS_AHEAD.search(line) and (_SOURCE.search(line) or _CITING.search(line)))


def _own_lines(text: str) -> list[str]:
    """The lines a turn's author wrote: a paragraph of several lines, most of which look like machine
    output (a log, a stack trace, a compiler's notes, an env listing), was pasted, and all of it is
    left out. One line is never a paste: "Never log at DEBUG level in production" is a rule."""
    own: list[str] = []
    for paragraph in re.split(r"\n[ \t]*\n", text):
        lines = [line for line in paragraph.splitlines() if line.strip()]
        output = sum(1 for line in lines if _OUTPUT_LINE.search(line))
        if not (output >= 2 and output * 2 > len(lines)):
            own += lines
    return own


def _plain(text: str) -> str:
    return re.sub(r"\*\*|__|`", "", text).strip()


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def _proper_after_start(sentence: str) -> bool:
    return any(m.start() > 1 for m in _PROPER.finditer(" " + sentence.strip()))


def _concrete(sentence: str) -> bool:
    return bool(
        _CODE.search(sentence) or _TOKEN.search(sentence) or _QUOTED.search(sentence) or _proper_after_start(sentence)
    )


def _content_count(sentence: str) -> int:
    return sum(1 for w in _words(sentence.lower()) if w.strip("`'.") not in STOPWORDS and w not in _GENERIC)


_REASON_TAIL = re.compile(
    r"(?i),?\s+(?:which|that)(?:'s| is| was)?\s+(?:probably|likely|maybe|perhaps|presumably)\s+"
    r"(?:why|how)\b[^.;]*[.!]?$"
    r"|,?\s+which (?:is|was) (?:probably|likely|maybe|perhaps|presumably)\b[^.;]*[.!]?$"
)


# What the person asks of the assistant after stating a rule ("…, put that in CONTRIBUTING too",
# "…, add a comment saying that", "… - can you check `src/hooks` for the same thing"): today's
# request, not part of the rule. It ends the sentence and points back at the rule.
_REQUEST_TAIL = re.compile(
    r"(?i)\s*(?:and\s+|also\s+|so\s+)?(?:(?:can|could|would) you|please|pls|put|add|write|note|"
    r"mention|document|update|record|make sure|go ahead|do the same)\b(?:[^.;!?]|\.(?=\w))*?"
    r"\b(?:that|this|it|too|also|as well|the same|them)\b(?:[^.;!?]|\.(?=\w))*[.!]?$"
)


def _without_request(sentence: str) -> str:
    """The sentence without a request that ends it; a tail that states a rule itself stays."""
    for cut in re.finditer(r"[,;]|\s[-—–]", sentence):
        tail = _REQUEST_TAIL.match(sentence, cut.end())
        if tail and not _STANDING.search(tail.group()):
            return sentence[: cut.start()].rstrip(" ,;-—–")
    return sentence


def _without_reason(sentence: str) -> str:
    """The rule without a trailing guess at why something happened ("…, which is probably why it
    filled up"): the guess is the session's; the rule before it stands."""
    return _REASON_TAIL.sub("", sentence).rstrip(" ,")


_RECURRING = re.compile(r"(?i)\b(?:every|each|nightly|daily|weekly|hourly|weekdays?|weekends?)\b")


def _transient(sentence: str) -> bool:
    """Whether the sentence is true only for now. A time of day said with how often ("the staging
    database is wiped every night at 2am") is a schedule, which holds next month."""
    for moment in _TRANSIENT.finditer(sentence):
        is_time = re.fullmatch(r"(?i)\d{1,2}(?::\d{2})? ?(?:am|pm)", moment.group())
        if not (is_time and _RECURRING.search(sentence[max(0, moment.start() - 40) : moment.start()])):
            return True
    return False


def _clean(sentence: str) -> bool:
    """No question, hedge, narration, intention, or pronoun for something said before; a sane length."""
    n = len(_words(sentence))
    if not MIN_WORDS <= n <= MAX_WORDS or sentence.rstrip().endswith(("?", ":")):
        return False
    first_clause = re.split(r"[;,:]\s|\s(?:so|and|but)\s", sentence, maxsplit=1)[0]
    if _HEDGE.search(sentence) or _MIND.search(sentence) or _BANTER.search(sentence):
        return False
    if _DEICTIC_OBJECT.search(first_clause):
        return False
    stripped = _INTERJECTION.sub("", _LEAD.sub("", sentence))  # "Right, this one can't work": still "this"
    if _DEICTIC_START.match(stripped) or _INTENT.search(sentence) or _transient(sentence):
        return False
    code_chars = sum(len(m) for m in _CODE.findall(sentence))
    return code_chars <= 0.6 * len(sentence)


def _fits(clause: str) -> bool:
    return TITLE_WORDS[0] <= len(clause.split()) <= TITLE_WORDS[1] and _content_count(clause) >= 2


def _capitalised(text: str, original: str) -> str:
    first = original.lstrip(" *_").split(" ", 1)[0]
    if first.startswith("`") or re.search(r"[._/\d]|[a-z][A-Z]", first) or not text:
        return text  # a code token keeps its spelling: `uv sync`, `depends_on`
    return text[0].upper() + text[1:]


def _main_clause(text: str, weak: re.Pattern[str] = _WEAK_CUT) -> str | None:
    """The statement's main clause. When the cut falls inside an aside in parentheses (it would end
    the title mid-list: "Always read id-like columns (customer_id"), the clause of the statement
    without its asides; failing that, the one before the aside."""
    clause = _clause(text, weak)
    if clause is None or clause.count("(") > clause.count(")"):
        bare = re.sub(r"\s+\([^()]*\)", "", text)  # "file(GLOB)" is a name, not an aside
        if bare != text and (without := _clause(bare, weak)) is not None:
            return without
    if clause is not None and clause.count("(") > clause.count(")"):
        clause = clause[: clause.rindex("(")].rstrip(" ,;:—-")
        return clause if _fits(clause) else None
    return clause


def _ends(text: str) -> str:
    """Without the punctuation around it; a leading dot that opens a name stays (`.PHONY`, `.env`)."""
    return re.sub(r"^[ ,;:!—-]+|^\.+(?![\w])|[ ,.;:!—-]+$", "", text)


def _clause(text: str, weak: re.Pattern[str] = _WEAK_CUT) -> str | None:
    whole = _ends(text)
    if len(_words(whole)) <= WHOLE_TITLE_WORDS and _fits(whole):
        return whole
    for cut in (_STRONG_CUT, weak):
        clause = _ends(cut.split(text, maxsplit=1)[0])
        if len(_words(clause)) <= TITLE_WORDS[1]:
            return clause if _fits(clause) else None
        text = clause
    return None


_MASKS = {":": "\ue000", ";": "\ue001", ",": "\ue002", "(": "\ue003", ")": "\ue004"}  # private-use characters
_CODE_PUNCTUATION = str.maketrans(_MASKS)
_CODE_UNMASK = str.maketrans({masked: plain for plain, masked in _MASKS.items()})


def title_of(sentence: str, kind: str = "") -> str | None:
    """The main clause, three to fourteen words; None when there is no such clause. Punctuation inside
    a code span does not cut (`when: manual` is one thing, not the end of a clause). A clause that
    stops before its object ("The docs at https://example.com say") is no title."""
    masked = _CODE.sub(lambda m: m.group(0).translate(_CODE_PUNCTUATION), sentence)
    title = _title_of(masked, kind)
    if not title or _UNFINISHED_TITLE.search(title):
        return None
    return title.translate(_CODE_UNMASK)


def _title_of(sentence: str, kind: str) -> str | None:
    lead = _LEAD.sub("", _ONWARD_TAIL.sub("", sentence.strip()))
    lead = _RATHER_THAN.sub(r"prefer \1 over \2", lead)
    # "I prefer httpx over requests" keeps its verb: "Prefer httpx over requests", not "Httpx over requests".
    text = _DECIDING.sub("", _PREFERRING_TITLE.sub("", _PREFER_THING.sub("prefer ", _plain(lead))))
    if _HOWTO.match(sentence.strip()):
        goal, _, how = text.partition(",")
        text = f"{goal.strip()[3:]}: {how.strip()}"
        clause = re.split(r";\s*|\s+[-—–]\s+", text, maxsplit=1)[0].strip(" ,.;:")
        return _capitalised(clause, "x") if _fits(clause) else None
    if kind == "bugfix":
        parts = _CAUSE_SPLIT.match(text)
        if parts:
            symptom = parts.group(1).strip(" ,.;:")
            cause = _main_clause(parts.group(2), _CIRCUMSTANCE_CUT) or ""
            both = f"{symptom}: {cause}" if symptom and cause else symptom or cause
            for choice in (both, symptom if len(_words(symptom)) >= 4 else "", cause):
                if choice and _fits(choice):
                    return _capitalised(choice, lead if choice != cause else parts.group(2))
            return None
    clause = _main_clause(text, _CIRCUMSTANCE_CUT if kind == "bugfix" else _WEAK_CUT)
    return _capitalised(clause, lead) if clause else None


def tags_of(sentence: str) -> list[str]:
    """The concrete names in a sentence: code tokens, named tools, env vars. Never plain words."""
    found: list[str] = []
    for code in _CODE.findall(sentence):
        inner = code.strip("`").strip()
        if " " not in inner:  # a name, not a snippet: `HOMEBREW_NO_AUTO_UPDATE=1` -> its variable
            found.append(re.split(r"[=(]|::", inner, maxsplit=1)[0])
    body = _plain(_CODE.sub(" ", sentence)).strip()
    found += [m for m in _TAG_TOKEN.findall(body) if not m[0].isdigit()]
    first = re.match(r"[A-Z]{2,}\w*|[A-Za-z]+[A-Z]\w*", body)
    later = [m.group(0) for m in _PROPER.finditer(" " + body) if m.start() > 1]  # the first word: see above
    found += ([first.group(0)] if first else []) + later
    tags: list[str] = []
    for raw in found:
        tag = re.sub(r"[^\w./-]+", "", raw.lower()).strip("./-")
        if (raw.isupper() and tag in _SQL_WORDS) or re.search(r"/\d+$", tag):  # ALTER, TABLE; "deadlocks/400"
            continue
        if 1 < len(tag) <= 40 and tag not in STOPWORDS | _GENERIC | _LABEL_WORDS and tag not in tags:
            tags.append(tag)
    return tags[:4]


def _idle_preference(sentence: str) -> bool:
    """ "I prefer the second option", "I like how you…", "I'd rather you didn't": about this session."""
    if not _PREFERENCE.search(sentence):
        return False
    rest = _PREFERRING.sub("", _LEAD.sub("", sentence.strip()))
    if sentence.rstrip().endswith("!") or _CHOICE.match(rest):
        return True
    return bool(re.match(r"(?i)you\b", rest)) and not re.search(r"(?i)\b(?:always|never)\b", rest)


def _marker_clause(sentence: str) -> str:
    """The part of the sentence that states the rule, when a preface stands before it ("also, re
    your diff: we don't use file(GLOB) …"): from the clause holding the rule's marker on."""
    marker = _STANDING.search(sentence)
    if marker is None:
        return sentence
    # A marker that brings its comma (", never …") keeps the clause it continues: "once a migration is
    # merged it's frozen, never edit it" is titled by its first half, not "Never edit it".
    starts = [0] + [
        m.end()
        for m in re.finditer(r":\s+|;\s*|,\s+|\s+[—–]\s+|\s+-\s+", sentence)
        if m.end() <= marker.start() and sentence.count("(", 0, m.start()) <= sentence.count(")", 0, m.start())
    ]  # a comma inside an aside ("(colour, licence)") does not start the rule's clause
    start = starts[-1]
    preface = sentence[:start]
    if start == 0 or _STANDING.search(preface):
        return sentence
    return sentence[start:]


def _not_theirs(sentence: str, marker: re.Match[str]) -> bool:
    """Whether an always/never sentence is something other than the person's own rule for today: a
    question typed without its "?", a doubt, a habit that was, an event told in the past, a complaint
    or a symptom, something just noticed, or someone else's words reported."""
    if _ASKS.match(sentence) or _ASKS.match(_marker_clause(sentence)) or _TAG_QUESTION.search(sentence):
        return True
    if _DOUBT.search(sentence) or _NO_LONGER.search(sentence) or _NOTICED.search(sentence):
        return True
    if _CONFESSION.search(sentence) or _SUFFERS.search(sentence) or _BLAMES.search(sentence):
        return True
    for word in re.finditer(r"(?i)\b(?:always|never)\b", sentence):
        before, after = sentence[: word.start()], sentence[word.end() :]
        if _PAST_AFTER.match(after) and not _BEING.search(before):
            return True
        if _MISBEHAVES.match(sentence, word.start()) and not _MODAL_BEFORE.search(before):
            return True
    preface = sentence[: marker.start()]
    if _HEARD.search(preface) or any(not _OWN_WORD.search(preface[: m.start()]) for m in _REPORTED.finditer(preface)):
        return True
    return bool(_REPORTED_AFTER.search(sentence, marker.end()))


def _person(sentence: str) -> Finding | None:
    sentence = _without_request(_without_reason(sentence))
    marker = _STANDING.search(sentence)
    if not marker or not _clean(sentence) or _idle_preference(sentence) or _TODO.search(sentence):
        return None
    if _SYMPTOM.search(sentence[: marker.start()]):  # "`test_x` fails in CI, never locally": a report
        return None
    if _not_theirs(sentence, marker):
        return None
    if not (_concrete(sentence) or _content_count(_STANDING.sub(" ", sentence)) >= 2):
        return None
    rule = _marker_clause(sentence)
    title = title_of(rule)
    if title is None:
        rule, title = sentence, title_of(sentence)
    if title is None or _DANGLING.search(title):
        return None
    kind: Kind = (
        "decision"
        if _DECISION.search(sentence)
        else "preference"
        if _PREFERENCE.search(sentence)
        else "fact"
        if _REMINDER.search(sentence)
        else "convention"
    )
    local = re.search(r"(?i)\b(?:this|our) (?:repo|repository|codebase|project)\b", sentence)
    # The note says the rule without the chat it came after ("re your diff: …", "please don't - we
    # never …"): that preface's names would be its tags, and its words recalled for nothing. A
    # preface that informs ("the dba made `recipes_shadow` for this, our dev user will never …") stays.
    preface = sentence[: len(sentence) - len(rule)]
    chat = _YOU.search(preface) or re.search(r"(?i)\b(?:please|pls|can|could|would)\b|\?", preface)
    text = rule if chat else _INTERJECTION.sub("", sentence)
    return Finding(text, kind, title, "global" if kind == "preference" and not local else "project")


def _of_the_moment(claim: str) -> bool:
    """What a command, a log or a trace printed, a step of this session's debugging, or something one of
    this project's files lacks: true today, and no lesson."""
    plain = _LEAD.sub("", _plain(claim))
    observed = _OBSERVED.match(plain)
    if observed and not re.search(r"(?i)\b(?:only|always|never|silently|also)\s+\S+$", observed.group()):
        return True
    if _THIS_BUG.search(plain):
        return True
    if _COUNTED.search(plain):
        return True
    clauses = re.split(r":\s+|;\s*", plain)
    return any(
        _LOCAL_ABSENCE.match(c) or _FILE_ABSENCE.match(c) or _FILE_SAYS.match(c) or _LOCAL_FLAW.match(c)
        for c in clauses
    )


def _assistant(sentence: str) -> Finding | None:
    docs = _DOCS_SAY.match(sentence)
    # "The docs at https://… say `retries` only applies to …": the claim is what the docs say.
    claim = sentence[docs.end() :] if docs else sentence
    if not _clean(claim) or _NARRATION.match(claim) or not _concrete(claim):
        return None
    if _DONE.search(claim) or _YOU.search(claim) or _STATUS.search(claim) or _of_the_moment(claim):
        return None
    howto = _HOWTO.match(claim) and _CODE.search(claim)
    gotcha = (_GOTCHA.search(claim) or _NOTE_THAT.match(claim)) and (_CODE.search(claim) or _proper_after_start(claim))
    if _CAUSE.search(claim) and _FIX.search(claim):
        if _one_off(claim):
            return None
        kind: Kind = "bugfix"
    elif howto or gotcha:
        kind = "fact"
    else:
        return None
    title = title_of(claim, kind)
    return Finding(sentence, kind, title, "project") if title else None


def _labelled_pairs(text: str) -> list[str]:
    """'Root cause: … / Fix: …' lines, joined into one statement each."""
    lines = [re.sub(r"\*\*|__", "", line).strip() for line in _CODE_BLOCK.sub("\n", text).splitlines()]
    lines = [line for line in lines if line]
    joined = []
    for i, line in enumerate(lines):
        label = _LABEL.match(line)
        if not label or label.group(1).lower() not in ("root cause", "cause", "problem", "issue", "bug"):
            continue
        for follow in lines[i + 1 : i + 4]:
            fix = _LABEL.match(follow)
            if fix and fix.group(1).lower() in ("fix", "solution", "resolution", "workaround"):
                cause, remedy = label.group(2).strip().rstrip("."), fix.group(2).strip().rstrip(".")
                if cause and remedy:
                    joined.append(f"{cause[0].upper()}{cause[1:]}. Fix: {remedy[0].lower()}{remedy[1:]}.")
                break
    return joined


def _pair_finding(statement: str) -> Finding | None:
    cause = statement.split(". Fix: ", 1)[0]
    if not _clean(cause) or _NARRATION.match(cause) or not _concrete(statement):
        return None
    if _transient(statement) or _YOU.search(cause) or _DONE.search(cause):
        return None
    if _one_off(cause):
        return None
    title = title_of(cause, "bugfix")
    return Finding(statement, "bugfix", title, "project") if title else None


def find(role: str, text: str) -> list[Finding]:
    """What one turn of the conversation holds that is worth a note."""
    if role == "person":
        kept: list[Finding] = []
        for sentence in _sentences(_unquoted(text, cited=True)):
            if _TAKES_BACK.search(sentence) or _MIND.search(sentence):
                kept = []  # "… — just kidding", "scratch that": what they said before it goes too
            elif finding := _person(sentence):
                kept.append(finding)
        return kept
    text = _unquoted(text)
    found = [f for f in (_pair_finding(p) for p in _labelled_pairs(text)) if f]
    paired = {line for p in found for line in p.text.split(". Fix: ")}
    for sentence in _sentences(text, prose_only=True):
        if _LABEL.match(_plain(sentence)) or any(_plain(sentence).find(x[:40]) >= 0 for x in paired):
            continue
        finding = _assistant(sentence)
        if finding:
            found.append(finding)
    return found


def _names(text: str) -> set[str]:
    """The code names a text mentions (`format_money`, billing/fmt.py), to tell what a sentence is about."""
    return {c.strip("`").strip() for c in _CODE.findall(text)} | set(_TAG_TOKEN.findall(_CODE.sub(" ", text)))


def _about(text: str) -> set[str]:
    """What a sentence is about: its code names, and its plain words of four letters or more that
    say something ("the locale", "the trailing slash", "the cache"), lowered."""
    plain = _CODE.sub(" ", text).lower()
    words = {w for w in re.findall(r"[a-z][a-z'-]{3,}", plain) if w not in STOPWORDS and w not in _GENERIC}
    return {name.lower() for name in _names(text)} | (words - _RETRACT_WORDS)


def _retractions(turns: list[tuple[str, str]]) -> list[tuple[int, int, set[str]]]:
    """(turn, offset in it, what it is about) of each sentence in which the assistant takes something
    back ("actually", "scratch that", "it isn't the cache", "I was wrong about the locale" …): found
    once per conversation."""
    found = []
    for n, (role, text) in enumerate(turns):
        if role == "person" or not _RETRACT.search(text):
            continue
        for sentence in _sentences(text):
            if _RETRACT.search(sentence) and (about := _about(sentence)):
                found.append((n, text.find(sentence), about))
    return found


def _taken_back(finding: Finding, turn: int, at: int, retractions: list[tuple[int, int, set[str]]]) -> bool:
    """Whether a later sentence of the assistant's takes the statement back, naming a thing it named
    (a code name or a word). Debugging states guesses as facts, and takes them back in plain words;
    a person's own rule is theirs to withdraw. Dropping a true lesson here costs less than keeping a
    withdrawn guess: the offline extractor prefers nothing to junk."""
    about = _about(finding.text)
    return bool(about) and any(
        (n > turn or (n == turn and offset > at)) and about & said for n, offset, said in retractions
    )


def _offset(turn: str, statement: str) -> int:
    """Where a statement stands in its turn. A "Root cause: … / Fix: …" pair was joined from two
    lines, so it is found by its cause's words (without the first letter, which the joining may
    have capitalised); a retraction before it in the turn does not take it back."""
    at = turn.find(statement)
    if at < 0:
        at = turn.find(statement.split(". Fix: ", 1)[0][1:40])
    return at


def _turns(conversation: str) -> list[tuple[str, str]]:
    """(role, text) of each turn, split only at the miner's own role lines: a heading in a person's
    paste ("### Known issues:") is not a new speaker, and its text stays theirs. The transcript reader
    escapes such a line (`\\### Known issues:`); inside a turn it is read as written again."""
    parts = _ROLE_MARK.split(conversation)
    return [(parts[i].lower(), _ESCAPED_MARK.sub(r"\1", parts[i + 1])) for i in range(1, len(parts) - 1, 2)]


def _rejects(reply: str) -> bool:
    """Whether the assistant's reply opens by turning down what it answers ("No. Both of those are
    wrong", "No, that is unsafe", "Don't — …", "I'd advise against it")."""
    opening = _sentences(_unquoted(reply))[:2]
    return (
        bool(opening)
        and not _AGREES.match(opening[0])
        and (bool(_REJECT_OPENING.match(opening[0])) or any(_REJECTS.search(sentence) for sentence in opening))
    )


def _turned_down(turns: list[tuple[str, str]]) -> set[int]:
    """The person's turns whose statements are not kept: those the assistant's next reply turns down,
    and one the person takes back at the start of their next turn ("just kidding", "scratch that").
    A rule the assistant argues against is not yet the team's rule."""
    out: set[int] = set()
    asked: list[int] = []
    last_person: int | None = None
    for n, (role, text) in enumerate(turns):
        if role == "person":
            first = _sentences(text)[:1]
            if last_person is not None and first and (_TAKES_BACK.search(first[0]) or _MIND.search(first[0])):
                out.add(last_person)
            asked.append(n)
            last_person = n
        else:
            if asked and _rejects(text):
                out.update(asked)
            asked = []
    return out


# A person withdrawing a rule of theirs later in the session: "forget the pnpm rule", "scratch the
# structlog thing", "we're sticking with npm after all", "on second thought, tabs are fine".
_REVOKES = re.compile(
    r"(?i)\b(?:forget|scratch|drop|ignore|disregard|cancel|lift|ditch|revoke|undo|strike|nix|never mind|nevermind)"
    r"\b[^.;!?]{0,40}?\b(?:rule|request|instruction|preference|convention|policy|requirement|thing|bit|idea)\b"
    r"|\bafter all\b|\bon second thought\b|\bchanged my mind\b|\b(?:we're|we are|i'm|i am) (?:sticking|staying) with\b"
    r"|\b(?:go|going|switch|switching|revert|reverting) back to\b"
    r"|\b(?:actually|anyway|instead)\b[^.;!?]{0,60}\b(?:is|are|'s|'re) (?:totally |perfectly |just )?"
    r"(?:fine|ok|okay|allowed|acceptable)\b"
)
# Words a rule is phrased with, not what it is about: two statements of one rule differ in these.
_RULE_WORDS = frozenset(
    "always never instead everywhere seriously again anymore rather prefer preferred please should must "
    "repo repository codebase project team rule rules going forward fine okay sticking after forget drop "
    "ignore scratch actually anyway".split()
)


def _subject(text: str) -> set[str]:
    """What a statement is about, without the words it is phrased with; a name is its words whether
    or not it was typed as code (`ruff format`, ruff format)."""
    return _about(text.replace("`", " ")) - _RULE_WORDS


def _revocations(turns: list[tuple[str, str]]) -> list[tuple[int, set[str]]]:
    """(turn, what it is about) of each sentence in which the person withdraws a rule of theirs."""
    return [
        (n, about)
        for n, (role, text) in enumerate(turns)
        if role == "person"
        for sentence in _sentences(_unquoted(text, cited=True))
        if (_REVOKES.search(sentence) or _TAKES_BACK.search(sentence)) and (about := _subject(sentence))
    ]


def _restated(subject: set[str], kept: list[set[str]]) -> bool:
    """Whether a statement about `subject` repeats one already kept ("We use ruff format instead of
    black" after "Always use ruff format, never black"): most of what either is about is shared."""
    return any(
        len(subject & other) >= 2 and len(subject & other) >= 0.75 * min(len(subject), len(other)) for other in kept
    )


class OfflineExtractor:
    name = "offline"

    def __init__(self) -> None:
        self.spent = Spend()  # it costs nothing; kept so every extractor reports alike

    def extract(self, conversation: str, project: str | None) -> list[Lesson]:
        lessons: list[Lesson] = []
        seen: set[str] = set()
        subjects: list[set[str]] = []
        turns = _turns(conversation.replace("\u2019", "'").replace("\u2018", "'"))
        retractions = _retractions(turns)
        revocations = _revocations(turns)
        turned_down = _turned_down(turns)
        for n, (role, text) in enumerate(turns):
            if n in turned_down:
                continue
            for f in find(role, text):
                # consecutive messages share a turn: a retraction may follow in the same one
                if role != "person" and _taken_back(f, n, _offset(text, f.text), retractions):
                    continue
                subject = _subject(f.text)
                if role == "person" and any(later > n and subject & about for later, about in revocations):
                    continue  # withdrawn later in the session: "forget the pnpm rule"
                key = f.title.lower()
                if key in seen or _restated(subject, subjects):
                    continue
                seen.add(key)
                subjects.append(subject)
                lessons.append(
                    Lesson(
                        title=f.title,
                        content=_plain(f.text) if "`" not in f.text else f.text.replace("**", ""),
                        kind=f.kind,
                        scope="global" if f.scope == "global" else "project",
                        tags=tags_of(f.text),
                        importance=3,
                        evidence=_plain(f.text)[:120],
                    )
                )
        return lessons[:MAX_LESSONS]
