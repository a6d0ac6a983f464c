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

import codecs
import functools
import itertools
import re
import unicodedata

from memem.vault.literals import Gated, gate


def on_parse(text: str) -> list[str]:
    """What marks a note when it is read: everything `addressed_to_model` finds, except a bare HTML
    comment (people leave `<!-- TODO -->` in notes; recall drops comments from what it shows anyway,
    and a comment that speaks to the model is caught by the other classes)."""
    return [what for what in addressed_to_model(text) if what != HIDDEN_COMMENT]


_WHO = r"(?:user|person|human|developer|owner|operator|reviewers?|maintainers?|security team|team lead)"
_DONT = r"(?:do not|don['’]t|never)"
_SECRET_VARIABLE = r"\b[a-z0-9]+_(?:token|secret|api_?key|password|passwd|private_key|access_key)s?\b"
"""The name of a variable that holds a credential (GITHUB_TOKEN, lowered like the text it is sought in)."""
_SECRET_THINGS = (
    r"(?:api[ _-]?keys?|credentials?|secrets?|tokens?|passwords?|private keys?|ssh keys?|cookies?|authorization headers?"
    r"|\.env\b|env(?:ironment)? (?:vars|variables|file)|~/\.ssh|\.ssh/|id_rsa|id_ed25519|\.aws/credentials"
    r"|private (?:config\w{0,24}|files?|data|director(?:y|ies)|keys? files?)"
    rf"|\.netrc|\.npmrc|\.pypirc|\.git-credentials|keychain|{_SECRET_VARIABLE})"
)
_DESTINATION = (  # where a request to send something points: an address, a bucket, a public comment
    r"(?:https?://|s3://|gs://|[\w.+-]+@[\w-]+\.|[\w-]+\.(?:example|com|net|org|io|dev|xyz|ru|cn|site|app|sh|me|rs)\b"
    r"|\w+ (?:at|@) [\w-]+ (?:dot|\.) \w+|(?:a |the )?comments? on (?:the )?(?:issue|pr|pull request)|issue #?\d+"
    r"|the (?:following|this) (?:url|address|endpoint|webhook|server)"
    r"|(?:my|our|this|a|an) (?:\w+ ){0,2}(?:server|endpoint|webhook|pastebin|gist|bucket|form|channel|address|inbox|e-?mail)"
    r"|(?:the )?#[\w-]{2,} (?:webhook|channel|room))"
)
_UNNEGATED = (
    r"(?:(?!\b(?:not|never|no|without|blocked|forbidden|prohibited|disallowed|rejected|denied)\b|n['’]t\b)[^\n])"
)
"""One character of a gap between a request's parts that holds no negation ("public repos must not
contain secrets" is a rule, "open a public gist with the credentials" a request)."""
_SECRET_FILES = (
    r"(?:\.env\b|\.ssh/|id_rsa|id_ed25519|\.aws/credentials|\.netrc|\.npmrc|\.pypirc|\.git-credentials|/etc/shadow"
    r"|\.(?:bash|zsh)_history|~/\.ssh\b|login data|logins\.json|key4\.db|cookies\.sqlite"
    r"|\.config/gh/hosts\.yml|\.docker/config\.json|\.kube/config|\.pgpass|\.vault-token|private-keys-v1\.d|secring\.gpg)"
)
_PRIVATE_FILES = r"(?:id_rsa|id_ed25519|id_ecdsa|\.aws/credentials|\.git-credentials|\.netrc|/etc/shadow|private-keys-v1\.d|secring\.gpg)(?![\w.]*\.pub\b)"
_SHELL = r"(?:sudo\s+(?:-\S+\s+)*)?(?:env\s+\S+\s+)?(?:(?:ba|z|da|k|c|tc|fi)?sh\b|(?:python[\d.]*|perl|ruby|node)\s+-(?:\s|$))"
_ZERO_WIDTH = "[\u200b-\u200d\u2060-\u2064\ufeff]"
_SPLITTER = "[\u200b\u2060-\u2064\ufeff]"
"""Zero-width characters no script needs inside a word (the joiners, U+200C and U+200D, shape Persian,
Arabic and Indic words and emoji sequences, and count only between Latin letters)."""
_BLANK = "[\u115f\u1160\u2800\u3164\uffa0]"
"""Letters that draw nothing (Hangul fillers, the blank Braille cell): used as spaces, they make
`system\u3164override` read as two words to a model and as one to a screen."""
_OFFICIAL_INSTALLER = (  # vendors' documented `curl … | sh` installers: notes keep them, an attacker cannot host them
    r"https://(?:astral\.sh/(?:uv|ruff)/|get\.docker\.com/?[\s'\"]|sh\.rustup\.rs/?[\s'\"]|bun\.sh/install\b|deno\.land/install\.sh\b"
    r"|install\.python-poetry\.org/?[\s'\"]|get\.pnpm\.io/install\.sh\b|raw\.githubusercontent\.com/(?:nvm-sh/nvm|homebrew/install|pyenv/pyenv-installer)/"
    r"|pyenv\.run/?[\s'\"]|get\.sdkman\.io/?[\s'\"]|fnm\.vercel\.app/install\b|starship\.rs/install\.sh\b|cli\.github\.com/)"
)
INVISIBLE = (
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f"
    "\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0000-\U000e007f\U000e0100-\U000e01ef]"
)
"""Characters recall removes before a note reaches a prompt (`recall.text.neutralise`): the screen
reads the text without them too, so `ig\u00adnore` is read as the model will read it."""
HIDDEN_COMMENT = "hides text in an HTML comment"
HIDDEN_ELEMENT = "hides text in an HTML element that is not displayed"
LOOKALIKE_HOST = "names an address spelled with letters of another script drawn like Latin ones"
UNSAFE_CHANGE = "prescribes an unsafe change (checks, reviews or authentication switched off, force-push to main)"
_SEND_ABROAD = (  # "send / upload" in the languages a planted note is most often written in
    r"(?:env[ií]a|enviar|manda|sube|subir|envoie|envoyer|téléverse|televerse|invia|inviare|carica|caricare"
    r"|sende|schicke|senden|lade|übertrage|stuur|upload|wyślij|prześlij|gönder|أرسل|ارسل|отправ\w{0,24}|загруз\w{0,24}|перешл\w{0,24}|发送|上传|发到|传到|送信|送って|アップロード)"
)
_RULES_ABROAD = (
    r"(?:instrucciones|instru[cç][õo]es|instructions|istruzioni|anweisungen|instruktionen|vorgaben|regeln|reglas|regras"
    r"|r[èe]gles|regole|instructies|indicaciones|consignes|direttive)"
)
_EARLIER_ABROAD = r"(?:anteriores|previas|precedentes|pr[ée]c[ée]dentes|precedenti|vorherigen|bisherigen|früheren|obigen|vorigen|vorige|eerdere)"
_EARLIER_RULES = (  # "ignore all previous instructions" in other languages: verb, (all), earlier, instructions
    r"(?:ignora|ignore[sz]?|olvida|descarta|desconsidera|esque[cç]a|oublie[sz]?|dimentica|ignorier\w{0,24}|vergiss|missachte\w{0,24}|negeer)\s+"
    r"(?:(?:todas|todos|toutes|tous|tutte|tutti|alle|all|as|os|las|los|les|le|la|de|die|el|le)\s+){0,3}"
    rf"(?:{_RULES_ABROAD}\s+{_EARLIER_ABROAD}|{_EARLIER_ABROAD}\s+{_RULES_ABROAD})",
    r"(?:игнорируй\w{0,24}|проигнорируй\w{0,24}|забудь\w{0,24}|игнорировать)\s+(?:все\s+)?(?:предыдущие|прежние|предшествующие|прошлые|вышеуказанные)\s+(?:инструкции|указания|правила|команды)",
    r"(?:忽略|无视|忘记|忽视|忘掉|無視|忘れ)[^\n。]{0,12}(?:指令|指示|说明|規則|规则|命令)",
    r"(?:이전|모든)[^\n.]{0,12}(?:지시|명령|지침)[^\n.]{0,6}(?:무시|잊)",
    r"(?:zignoruj|zapomnij)\w{0,24}\s+(?:o\s+)?(?:wszystkie\s+|wszystkich\s+)?(?:poprzednie|wcześniejsze|poprzednich|wcześniejszych)\s+(?:polecenia|instrukcje|zasady|poleceniach|instrukcjach)",
    r"(?:önceki|daha önceki|tüm)\s+(?:tüm\s+)?(?:talimat|komut|kural)\w{0,24}\s+(?:yok\s+say|görmezden\s+gel|unut)",
    r"(?:تجاهل|انس)[^\n]{0,20}(?:التعليمات|الأوامر|التوجيهات)",
    r"(?:以前|前|これまで|上記)の(?:すべての|全ての)?(?:指示|命令|ルール)[^\n。]{0,10}(?:無視|忘れ)",
    r"(?:पिछले|पहले के)[^\n।]{0,20}(?:निर्देश|आदेश)[^\n।]{0,20}(?:अनदेखा|नज़रअंदाज़|नजरअंदाज|भूल)",
    r"(?:bỏ qua|phớt lờ|quên)\s+(?:mọi|tất cả(?:\s+các)?|các)?\s*(?:hướng dẫn|chỉ dẫn|lệnh|chỉ thị)",
    r"(?:abaikan|lupakan)\s+(?:semua\s+)?(?:instruksi|perintah|arahan)\s+(?:sebelumnya|terdahulu)",
    r"(?:strunta i|ignorera|glöm)\s+(?:alla\s+)?(?:tidigare|föregående)\s+(?:instruktioner|instruktionerna|anvisningar|regler)",
    r"(?:αγνόησε|αγνοήστε|ξέχασε)\s+(?:όλες\s+)?(?:τις\s+)?(?:προηγούμενες|παλαιότερες)\s+(?:οδηγίες|εντολές)",
    r"(?:התעלם|התעלמו|שכח)\s+(?:מכל|מ)?\s*(?:ה)?(?:הוראות|הנחיות)",
    r"(?:دستور|دستورالعمل|دستورات)[^\n.]{0,20}?قبلی[^\n.]{0,12}?نادیده\s*(?:بگیر|بگیرید)\b",
)
_AI_ABROAD = (  # "note for the AI assistant" in other languages
    r"(?:para|al|pour|per|f[üu]r|voor)\s+(?:el\s+|la\s+|le\s+|l['’]|den\s+|die\s+|de\s+|o\s+)?(?:asistente|assistant|assistente|assistenten|assistent|ki-assistent\w{0,24}|ia|ki|ai)\s*(?:de\s+|d['’]\s*)?(?:ia|ki|ai)?\b"
    r"(?=[^\n]{0,80}(?:ignor|olvid|oubli|dimentic|vergiss|env[ií]|envo|invi|send|schick|lade|sub|carg|upload|disattiv|disabilit))",
    r"(?:promemoria|nota|messaggio|notatka|wiadomość|uwaga)\s+(?:per|dla)\s+(?:l['’]\s*)?(?:agente|assistente|asystenta|agenta|ai|ia)\b(?=[^\n]{0,80}(?:ignor|zignoruj|invia|wyślij|disattiv|prima di))",
    r"(?:opmerking|notitie|bericht|aantekening)\s+voor\s+(?:de\s+)?(?:ai|assistent|ai-assistent|agent)\s*[:,]",
    r"(?:asistana|yapay zekaya|ai asistanına)\s+not\b|ملاحظة\s+(?:لل|إلى\s+ال)(?:مساعد|ذكاء)|(?:エージェント|アシスタント|ai)へ[:：]",
    (
        r"(?:给|致)\s*(?:ai|人工智能)\s*(?:助手|助理)|aiアシスタント(?:へ|に)|для\s+(?:ии|ai)[- ]?(?:ассистент|помощник)\w{0,24}|ai\s*(?:어시스턴트|비서)?에게",
        ("ai", "人工智能", "ии"),
    ),
)


_Source = str | tuple[str, tuple[str, ...]]
"""A pattern, or a pattern and the literals one of which it cannot match without (when its start
does not say: `literals.gate` derives them from the start otherwise)."""


def _patterns(*sources: _Source) -> tuple[_Source, ...]:
    return sources


# Searched for in the lowered text.
_INJECTION: tuple[tuple[str, tuple[_Source, ...]], ...] = (
    ("tells the model to ignore or replace its instructions", _patterns(
        r"(?:ignore|disregard|forget|override|overrule|bypass|discard|abandon)\s+(?:(?:all|any|every|of|the|your|my|these|those|its)\s+)*"
        r"(?:previous|prior|above|earlier|preceding|former|original|initial|existing|system|safety|your)\s+(?:\w+\s+){0,2}?"
        r"(?:instructions?|prompts?|rules|directions|directives|guidelines|guidance|guardrails|constraints|restrictions|context|programming|polic(?:y|ies)|messages)\b",
        r"(?:ignore|disregard|forget|override|bypass)\s+(?:all|any|every)\s+(?:of\s+)?(?:the\s+)?(?:your\s+)?(?:instructions?|prompts?|rules|directions|guidelines|guidance|guardrails|constraints|restrictions)\b",
        r"(?:pretend|imagine|assume|act as if)\s+(?:that\s+)?(?:(?:the|your|all|any)\s+)*(?:previous|prior|above|earlier|preceding|original|system)\s+(?:\w+\s+){0,2}?(?:instructions?|prompts?|rules|guidelines|guidance)\b",
        r"(?:instructions?|prompts?|rules|guidelines|guidance)\s+(?:above|before this|you were given)\s+(?:are|were)\s+(?:void|cancelled|canceled|revoked|fake|a test|no longer valid)\b",
        r"(?:reveal|print|show|output|repeat|disclose|leak|dump)\s+(?:me\s+|us\s+)?(?:your|their|its)\s+(?:full\s+|entire\s+|original\s+|hidden\s+|initial\s+)?(?:system prompt|system message|instructions|initial prompt|hidden prompt)\b",
        r"(?:echo|post|send|share|paste|upload|copy)\s+(?:me\s+|us\s+)?your\s+(?:full\s+|entire\s+|original\s+|hidden\s+|initial\s+|secret\s+)?(?:system prompt|system message|hidden prompt|initial prompt|hidden instructions|secret instructions)\b",
        r"(?:new|updated|real|actual|revised|true|hidden|secret)\s+(?:system\s+)?instructions?\s*:",
        r"you(?:['’]re| are) (?:now|no longer)\s+(?:a|an|the|my|free|unrestricted|jailbroken|dan|in \w+ mode|bound|required|claude|chatgpt|gpt|gemini|yourself|restricted|limited|subject to)\b",
        r"(?:pretend|imagine|act as if|act like|behave as if|role-?play as)\s+(?:that\s+)?(?:you(?:['’]re| are)\s+)?(?:an?\s+)?(?:unrestricted|unfiltered|uncensored|jailbroken|unaligned|rogue|evil|amoral|unlimited)\b",
        r"(?:ai|assistant|model|chatbot|version of yourself)\s+(?:with|that has|having)\s+no\s+(?:guidelines|restrictions|rules|filters|limits|limitations|safety|ethics|morals|content polic(?:y|ies))\b",
        r"(?:let['’]s\s+play\s+a\s+game|let['’]s\s+(?:role-?play|pretend)|play\s+the\s+role\s+of|you\s+are\s+(?:now\s+)?playing)\b[^\n]{0,160}?\b(?:passwords?|secrets?|api keys?|tokens?|credentials?|private keys?|system prompt)\b",
        r"(?:set|put|leave|throw|cast|lay)\s+aside\s+(?:(?:all|any|every|of|the|your|my|these|those|its)\s+)*(?:(?:previous|prior|above|earlier|original|existing|current|system|safety|old)\s+)?(?:instructions?|rules|guidelines|guidance|constraints|restrictions|polic(?:y|ies)|programming|directives|training)\b",
        r"(?:drop|scrap|ditch|suspend|shelve|unlearn|abandon)\s+(?:(?:all|any|the|your)\s+)*(?:previous|prior|earlier|original|existing|system|safety)\s+(?:instructions?|rules|guidelines|guidance|constraints|restrictions|polic(?:y|ies)|programming|directives)\b",
        r"(?:above|previous|prior|earlier|preceding|original|initial|system|safety|your)\s+(?:instructions?|prompts?|directives|guidelines|training|system prompt)\s+(?:are|were|is|was|have been|has been)\s+(?:now\s+|all\s+|just\s+|only\s+)?(?:outdated|out of date|obsolete|void|cancell?ed|revoked|fake|a test|no longer valid|invalid|superseded|lifted|suspended)\b",
        r"(?:your|the above|the system|the safety)\s+(?:rules|polic(?:y|ies)|restrictions|constraints)\s+(?:are|were|is|was|have been|has been)\s+(?:now\s+|all\s+|just\s+)?(?:outdated|out of date|obsolete|void|cancell?ed|revoked|fake|a test|no longer valid|lifted|suspended)\b",
        r"treat\s+[^\n]{0,40}?\bas\s+(?:(?:coming|having come|if (?:it|they) came)\s+from\s+(?:the\s+|your\s+)?(?:developer|user|system|operator|owner|anthropic|openai|admin|maintainers?)|(?:trusted\s+)?(?:system|developer)\s+(?:prompts?|instructions?|messages?|content))\b",
        r"(?:memory|memories|recalled memories|this note|these notes|notes in memory)\s+(?:recall\s+)?(?:is|are)\s+(?:(?:trusted|authoritative|privileged|verified)\s+)+(?:system\s+|developer\s+|operator\s+)?(?:content|instructions?|messages?|input|source)\b",
        r"message\s+from\s+your\s+(?:developers?|creators?|makers?|operators?|trainers?)\b",
        r"(?:anthropic|openai)\b[^\n]{0,40}?\b(?:compliance|policy|safety|security)\s+(?:notice|update|directive|announcement|requirement)\s*:[^\n]{0,80}?\b(?:assistants?|models?|claude|you)\s+(?:must|should|are required|may now|can now)\b",
        r"(?:new|updated)\s+(?:safety\s+|content\s+|usage\s+)?polic(?:y|ies)\s+(?:now\s+)?(?:allows?|permits?|lets)\s+(?:you|assistants?|the assistant|models?|claude)\b",
        (r"(?:pre-?)?authori[sz]ed\s+(?:you|the\s+(?:assistant|agent|model)|claude)\s+to\s+(?:run|execute|use|push|delete|install)\s+(?:any|every|all|arbitrary)\b",
         ("authori",)),
        r"(?:prioriti[sz]e|follow|obey|trust)\s+[^\n]{0,40}?\b(?:memory|memories|memory notes|these notes|this note)\b[^\n]{0,30}?\b(?:over|above|instead of|rather than)\s+(?:the\s+)?(?:messages?\s+from\s+)?(?:the\s+)?(?:user|person|human|system prompt|claude\.md|developer)\b",
        r"from now on,?\s+(?:you are|you['’]re|you will be|you must|the assistant (?:is|will|must))\b",
        r"your (?:new|real|actual|true) (?:task|role|purpose|instructions?|goal) (?:is|are)\b",
        r"(?:the (?:assistant|model|agent|ai)|claude)['’]s\s+(?:new\s+|real\s+|actual\s+|true\s+)+(?:task|role|goal|purpose|job|mission|instructions?)\s+(?:is|are|in\b)",
        r"your (?:new|real|actual|true) (?:job|mission) (?:is|here)\b",
        r"(?:treat|regard)\s+(?:any|all|every)\s+(?:text|note|memory|instruction)s?\s+in\s+(?:this|the)\s+memor(?:y|ies)(?:\s+store)?\s+as\b",
        r"(?:anything|everything|all|whatever)\s+(?:in|from)\s+(?:your\s+)?(?:memory|memories|other notes|claude\.md|agents\.md)\b[^\n]{0,80}?\b(?:is|are)\s+(?:now\s+)?(?:obsolete|void|outdated|no longer valid|superseded)",
        r"\b(?:standing|blanket)\s+permission\s+(?:for\s+you\s+)?to\b",
        r"(?:instructions|rules|guidelines)\s+in\s+(?:claude\.md|agents\.md|your system prompt|the system prompt)\s+(?:are|is)\s+(?:now\s+)?(?:outdated|void|revoked|obsolete|superseded|no longer valid)",
        r"\b(?:even\s+(?:where|when|if)|whatever)\s+the\s+(?:user|person|developer)\s+(?:says|asks|wants|requests)\s+otherwise\b",
        r"(?:disregard|ignore|override|overrule)\s+(?:the\s+)?(?:user|person|developer|human)['’]s\s+(?:requests?|instructions?|wishes|objections?|input|answers?|decisions?)",
        r"(?:objections?|pushback|complaints?|refusals?)\s+(?:they|the user|the person)\s+(?:raise|make|voice)s?\b[^\n]{0,60}?\bignore\b",
        (r"\bthe\s+real\s+(?:user|person|owner)\s+(?:wants|asked|prefers|intends)\b", ("real",)),
        r"\bconflicts?\s+with\s+this\s+(?:note|memory|memo|entry)\b",
        (r"(?:this|the)\s+(?:note|memory|memo|entry)\s+(?:supersedes|overrides|takes precedence over|outranks|has priority over|wins over)\s+(?:all\s+|any\s+|every\s+|your\s+|the\s+)*(?:\w+\s+)?(?:rules|instructions|guidelines|policies|safety|user|claude\.md|system prompt)",
         ("supersedes", "overrides", "precedence", "outranks", "priority", "wins over")),
        r"(?:prioriti[sz]e|follow|obey)\s+(?:only\s+)?(?:this\s+(?:note|memory|memo)|the\s+(?:notes?|memories)\s+(?:stored\s+)?in\s+memory)\b[^\n]{0,40}?\b(?:over|instead of|rather than|even)\b|사용자의\s*지시보다",
        r"\btreat\s+(?:any|all|every)\s+[^\n]{0,60}?\bas\s+(?:a\s+)?(?:commands?|instructions?|orders?)\s+from\b",
        r"\b(?:run|execute)\s+(?:any|every|all)\s+(?:shell\s+)?commands?\s+(?:suggested|found|listed|given|written)\s+in\b",
        r"(?:prior|previous|earlier|old|existing)\s+(?:rules|instructions|guidelines|policies|guidance)\s+(?:no longer apply|are (?:void|obsolete|revoked|cancelled|suspended))",
        r"(?:claude\.md|agents\.md|system prompt|safety|your)\s+(?:rules|instructions|guidelines|policies|restrictions)\b[^\n]{0,60}?\b(?:no longer (?:in effect|apply|applies|valid|binding|in force)|(?:are|is) (?:now\s+)?(?:void|revoked|suspended|lifted|obsolete))",
        r"\bfollow\s+the\s+memory\b|\bmemor(?:y|ies)\s+(?:over|above|before)\s+(?:what (?:the user|they) types?|the user|chat)",
        r"(?:delete|forget|remove|ignore)\s+(?:them|those|these|any|all)\b[^\n]{0,40}?\bmemory_forget\b|memories\s+(?:warning|that warn)\s+(?:you\s+)?about\s+suspicious",
        r"(?:ignore|disregard|forget|override|overrule|supersede|discard)s?\s+(?:(?:all|every|any|the|your|of)\s+)*(?:(?:other|previous|prior|earlier|stored|saved|existing)\s+)+(?:memor(?:y|ies)|notes|entries)\b",
        r"(?:overrides?|supersedes?|takes? precedence over|replaces?)\s+(?:your\s+|the\s+|any\s+|all\s+)*(?:claude\.md|agents\.md|system prompt|system message|instructions you were given|your instructions)\b",
        (r"\bi\s+(?:hereby\s+)?(?:authori[sz]e|permit|allow|instruct|order)\s+you\s+to\b", ("you",)),
        r"(?:disregard|ignore|forget)\s+(?:what|everything|anything|all)\s+(?:that\s+)?(?:you were|you've been|you have been|you were ever)\s+(?:told|given|instructed|taught)\b",
        r"new\s+(?:instructions?|orders|directives?|policy)\s+from\s+(?:the\s+|your\s+)?(?:operator|admin|administrator|developer|owner|maintainers?|anthropic|openai|system|security team)\b",
        r"(?:has|have)\s+(?:been\s+)?granted\s+(?:you\s+)?full\s+autonomy|pre-?approved\s+for\s+(?:all|every|any)\s+commands?|\bskip\s+(?:all|any|every)\s+confirmations?\b"
        r"|\brun\s+every\s+(?:shell\s+)?command\s+(?:suggested|found|listed|given)\s+in\b",
        r"(?:ignore|disregard|forget|set aside|put aside|drop)\s+(?:whatever|anything|everything|what)\s+(?:that\s+)?your\s+(?:operators?|developers?|system prompt|creators?|anthropic|openai|guidelines|instructions)\s+(?:told|tells|said|says|instructed|asked|wrote)\b",
        r"\bthis\s+is\s+(?:your|the)\s+(?:\w+\s+)?(?:team|engineers?|staff|developers?|creators?|makers?)\s+at\s+(?:anthropic|openai)\b"
        r"|\bthis\s+is\s+(?:anthropic|openai|your\s+(?:developers?|developer team|dev team|creators?|operators?|makers?))\s*,?\s+(?:writing|speaking|here|contacting|messaging)\b"
        r"|\bthis\s+is\s+(?:the\s+)?(?:anthropic|openai)\s+(?:\w+\s+)?(?:team|staff|engineers?)\b[^\n]{0,30}?\b(?:writing|speaking|here|contacting|messaging)\b",
        (r"\b(?:assistant|agent|ai|model|claude|llm)\w{0,12}[\"']?\s*[:=]\s*\{[^\n]{0,200}?[\"']?(?:allow|permit)_?(?:secrets?|credentials?|tokens?|keys?)_?(?:disclosure|sharing|output|exfil\w{0,8}|leak\w{0,4})[\"']?\s*[:=]\s*true", ("{",)),
        *_EARLIER_RULES,
    )),
    ("imitates a system, developer or chat-turn message", _patterns(
        r"<\|[a-z_]{2,30}\|>(?![^\n]{0,300}\b(?:tokens?|apply_chat_template|chat templates?|tokeni[sz]ers?)\b)",
        r"(?:\[/?inst\]|<</?sys>>)(?![^\n]{0,80}\b(?:tokens?|templates?|tokeni[sz]er|format|tags?|markers?)\b)",  # named, not used
        (r"(?:^|[.!?]\s+)[ \t>*_-]*\[\s*(?:system|developer|sys|admin|assistant)(?:\s+(?:message|prompt|note|override|instructions?|notice|update|alert|policy|directive))?\s*\][ \t]*[:\-]?[ \t]*"
        r"(?:new|updated|policy|instructions?|you|always|never|ignore|override|important|priority|urgent|critical|from now on|the assistant|assistant|claude|ai"
        r"|tools?|permissions?|bash|commands?|mode|access|security|approved|pre-?approved)\b", ('[',)),
        r"[\"']role[\"']\s*:\s*[\"'](?:system|tool|developer)[\"'][^\n]{0,200}?(?:action required|you must|assistant must|must now|ignore|disable|commit directly|set \w+\s*=|authori[sz]ed|skip|push|not required|without)",
        (r"^[ \t]*role\s*:\s*(?:system|developer|tool)\s*$(?:\n[^\n]*){0,4}?\n[ \t]*(?:instructions?|content|prompt|directive|priority)\s*:", ('role',)),
        (r"^[ \t]*#{1,6}\s*(?:system|admin|operator|developer)\s+(?:prompt\s+)?(?:notice|message|update|override|directive|instructions?|change)\b", ('#',)),
        r"\[\s*(?:tool|function)[ _](?:result|output|response)\s*\]",
        r"</?\s*memem[-_:]?[a-z]{0,24}(?:[-_][a-z]+){0,2}\s*>",
        (r"^[ \t]*(?:tool|function)[ _](?:result|output|response)s?\b[^\n:]{0,40}:", ("tool", "function")),
        (r"^[ \t]*(?:thought|observation)\s*:[^\n]{0,300}\n[ \t]*(?:action|thought)\s*:", ("thought", "observation")),
        r"(?:authori[sz]ation|access|permission|approval|clearance)\s+(?:granted|approved|confirmed)\b[^\n]{0,20}?\s(?:the\s+)?(?:assistant|ai|agent|model|claude|you)\s+(?:may|can|is allowed|are allowed|is permitted|are permitted|is authori[sz]ed|are authori[sz]ed|now has|now have)\b",
        r"</?\s*(?:system|assistant|developer|human|sys|im_start|im_end|instructions?|tool_(?:result|output|response|call)s?|function_(?:results?|calls?|output)|antml:\w+)(?:[-_][a-z]+){0,2}\s*>(?!\s*(?:tags?|elements?|blocks?|markers?)\b)",
        (r"^[ \t>*_-]*(?:#{1,6}\s*)?(?:system|developer|assistant|human)(?:\s+(?:prompt|message|instructions?|note|override))?\s*:"
         r"(?!\s*(?:ubuntu|debian|macos|mac os|windows|linux|fedora|arch|alpine|centos|rhel|darwin|freebsd|wsl|x86|arm64|amd64|aarch64|\d)\b)",  # "System: Ubuntu 22.04" names a machine
         ('system', 'developer', 'assistant', 'human')),
        (r"^[ \t]*#{2,6}\s*(?:instruction|response|input)s?\s*:", ('##',)),
        r"(?:system|developer) (?:prompt|message|override|instructions?|notice|directive)\s*:",
        (r"^[ \t]*#{1,6}\s*(?:message|notice|note|update|instructions?|directive)\s+from\s+(?:anthropic|openai|the system|the operator|the administrator|the admin|claude code|the developers?|the platform team)\b", ("#",)),
        (r"^[ \t]*(?:assistant|ai|model|claude|agent)\s+instructions?\b[^\n:]{0,20}:", ("instruction",)),
        (r"^(?:<[^>\n]{0,120}>){1,8}[ \t]*(?:system|developer|assistant|human)\s*:", ("<",)),
        r"\b(?:from|by)\s+(?:the\s+)?(?:user|owner|admin|administrator|operator|maintainers?|developer)\s*\(\s*(?:verified|authenticated|confirmed|signed|authori[sz]ed)\s*\)",
        r"(?:message|notice|update|directive|memo|announcement)\s+from\s+(?:the|your)\s+(?:platform\s+|system\s+|security\s+|site\s+)?(?:administrators?|admins?|operators?|developer team|dev team|developers)\s*:\s*(?:your|you|the assistant|assistants?|claude|the model|ai|agents?)\b",
    )),
    ("contains invisible or direction-changing Unicode characters", _patterns(
        "[\U000e0000-\U000e007f\u202a-\u202e\u2066-\u2069]",
        "[\ufe00-\ufe0f\U000e0100-\U000e01ef]{2,}",  # one selects an emoji's style; a run carries a payload
        rf"[a-z]{_BLANK}|{_BLANK}[a-z]",
        rf"{_SPLITTER}(?<=\w{_SPLITTER}){_ZERO_WIDTH}*\w",  # inside a word; the lookbehind comes second so the scan stays fast
        rf"[\u200c\u200d](?<=[a-z0-9][\u200c\u200d]){_ZERO_WIDTH}*[a-z0-9]",
    )),
    ("speaks directly to the AI that will read it", _patterns(
        r"(?:when|whenever|once|if|as soon as|after)\s+you\s+(?:read|see|load|process|encounter|retrieve|recall|are reading)\s+this\s+(?:memory|note|message|text|file|document|entry|line|page)\b",
        r"(?:when|whenever|once|if|as soon as|the moment|every time|each time)\s+(?:you|the\s+(?:assistant|model|ai|agent))\s+(?:see|sees|read|reads|encounter|encounters|notice|notices|get|gets|receive|receives|detect|detects)\s+(?:the\s+)?(?:word|phrase|keyword|term|string|trigger|code ?word|magic word)\b",
        r"(?:note|message|memo|instructions?)\s+from\s+[^\n:]{1,60}?\s+(?:to|for)\s+(?:the\s+|any\s+)?(?:ai\s+)?(?:assistant|ai|model|llm|claude|agent)s?\s*[:,!]",
        (r"(?:^|[.!?]\s+)[ \t]*(?:(?:hey|hi|dear)\s*,?\s*)?(?:claude|assistant|ai|agent|model)\s*[,:]\s*(?:please\s+)?(?:add|append|write|insert|put|read|post|run|install|download|copy|create|update|edit|modify)\b[^\n]{0,120}?(?:claude\.md|agents\.md|\.cursorrules|settings(?:\.local)?\.json|~/\.ssh|\.aws|\.env\b|authorized_keys|memor(?:y|ies)|crontab)",
         ("claude", "assistant", "ai", "agent", "model")),
        (r"(?:copy|append|include|add|repeat|paste|insert)\s+(?:the\s+(?:full\s+)?(?:text|contents?)\s+of\s+)?(?:this|the\s+following)\s+(?:note|memory|text|line|paragraph|instruction)s?\s+(?:verbatim\s+)?(?:into|to|in)\s+(?:every|each|all|any)\s+(?:(?:new|other|future|later)\s+)*(?:memor(?:y|ies)|notes?|files?|sessions?|commits?|prs?|pull requests?|responses?|replies)\b",
         ("copy", "append", "include", "add", "repeat", "paste", "insert")),
        r"(?:re-?save|store|persist|re-?create|restore)\s+(?:this|it|the following)\b[^\n]{0,40}?\b(?:every|each)\s+(?:new\s+)?session\b|\bsave\s+this\s+as\s+a\s+(?:permanent|pinned|global)\s+memory\b",
        r"if you(?:['’]re| are)\s+(?:reading this\b|an?\s+(?:ai|llm|large language model|language model|assistant|chatbot|bot|agent|model)\b|claude\b|chatgpt\b|gpt\b)",
        r"(?:note|message|reminder|memo|attention|instructions?)\s+(?:to|for)\s+(?:the\s+|any\s+|all\s+)?(?:(?:ai|llm|coding)\s+)?(?:assistant|ai|model|llm|claude|agent|bot)s?\s*[:,!]",
        r"@(?:claude|copilot|codex|cursor|devin|gemini|chatgpt|ai)\b[,:]?\s+(?:when|whenever|also|please|you|always|never|ignore|add|run|remove|delete|push|merge|grant|make|set|send|before|after|from now)\b",
        r"\]\([^)\s\[\]]{1,300}+\s+[\"'][^\"'\n]{0,60}\b(?:assistants?|ai|claude|agents?|models?|llms?)\b[^\"'\n]{0,40}\b(?:should|must|add|run|install|send|push|ignore|always|never|silently|please)\b",
        *_AI_ABROAD,
        r"(?:\bai|assistant|model|llm|agent|claude)s?\s+(?:reading|that reads|who reads|processing|that processes|that loads|that sees|who sees|seeing|that finds|that encounters|parsing)\s+(?:this|these)\b",
        (r"(?:^|[.!?]\s+)[ \t]*(?:(?:any|all|every|other|dear)\s+)?(?:ai|llm)\s+(?:agents?|assistants?|models?|bots?)\s*[,:]\s*(?:please\s+)?(?:skip|approve|ignore|always|never|do|don['’]t|run|add|delete|remove|send|push|merge|disable|bypass|grant|include|make|set|change|execute|install|you)\b", ('ai', 'llm')),
        (r"(?:^|[.!?]\s+)[ \t]*(?:(?:hey|hi|dear|attention|ok|okay)\s*,?\s*)?(?:claude|assistant|\bai|model|llm)\s*[,:]\s*(?:ignore|from now|treat|execute|send|skip|approve|disable|bypass|grant|override|forget|upload|silently|quietly|secretly)\b", ('claude', 'assistant', 'ai', 'model', 'llm')),
        (r"(?:^|[.!?]\s+)[ \t]*to\s+(?:the|any|all|every)\s+(?:ai|language model|llm|assistant|model|agent|ai assistant|coding assistant|ai agent)s?\s*[:,]",
         (" ai", "llm", "language model", "assistant", "model", "agent")),
        r"\bmark\s+(?:it|this(?:\s+note|\s+memory)?)\s+(?:as\s+)?pinned\b[^\n]{0,40}?\b(?:highest|top|maximum|max)\s+priority\b",
        r"(?:copilot-instructions|claude\.md|agents\.md|\.cursorrules|\.windsurfrules|rules files?|system prompt)[^\n]{0,60}?(?:containing|with|holding|including)\s+(?:the\s+)?(?:full\s+|exact\s+)?(?:text|contents?|wording)\s+of\s+this\s+(?:note|memory|message|entry)\b",
    )),
    ("asks the model to hide what it does from the person", _patterns(
        rf"{_DONT}\s+(?:tell|inform|notify|alert|show|let)\s+the\s+{_WHO}\s+(?:know\s+)?(?:about\s+)?(?:this|that you|what you|these|it|any of|the commands?|the changes?)\b",
        r"\bif\s+(?:the\s+user\s+|they\s+|anyone\s+|someone\s+)?(?:ever\s+)?(?:asks?|asked)\b[^\n.]{0,80}?,?\s+(?:just\s+)?(?:say|tell (?:them|the user)|claim|answer|reply|deny)\b",
        rf"{_DONT}\s+(?:list|mention|include|report|show|describe)\s+(?:them|these|it|this|those|that|the (?:changes?|commands?|edits?|files?))\s+in\s+(?:your|the)\s+(?:summary|summaries|reply|replies|response|report|answer|pr description|pull request description|pr|commit messages?|changelog|release notes)",
        rf"{_DONT}\s+(?:mention|reveal|disclose|report)\s+(?:this|that|it)\b(?:\s+\w+)?\s+(?:to\s+(?:the\s+)?(?:{_WHO}|anyone)|in (?:your|the) (?:summary|reply|response|answer|output))",
        rf"without\s+(?:telling|informing|notifying|alerting)\s+(?:the\s+)?(?:{_WHO}|anyone)\b",
        rf"without\s+showing\s+(?:it|this|them|that)\s+to\s+(?:the\s+)?{_WHO}\b",
        rf"(?:never|don['’]t|do not)\s+(?:reveal|disclose|admit|let on)\s+(?:to\s+(?:the\s+)?{_WHO}\s+)?(?:that|what|the existence)\b",
        r"\bkeep\s+this\s+(?:note|memory|memo|instruction)s?\s+(?:confidential|secret|hidden|private)\b",
        rf"{_DONT}\s+(?:bring\s+(?:this|it|that|them)\s+up|raise\s+(?:this|it|that)|talk\s+about\s+(?:this|it|that))\s+(?:with|to)\s+(?:the\s+|any\s+)?{_WHO}",
        r"\bkeep\s+(?:this|it)\s+between\s+(?:us|you and me|ourselves)\b",
        r"\b(?:hide|conceal)[_-]from[_-](?:user|human|person|developer)\b",
        r"(?:remove|strip|scrub|erase|delete)\s+any\s+mention\s+of\b",
        rf"{_DONT}\s+(?:add\s+(?:a\s+)?comments?|comment|document)\s+(?:explaining|about|on|describing)\s+(?:it|this|that|them)\b",
        rf"{_DONT}\s+ask\s+(?:me\s+|the\s+{_WHO}\s+)?(?:for\s+confirmation\s+)?before\s+(?:\w+\s+){{0,2}}?destructive\b",
        rf"without (?:their|the {_WHO}['’]s) (?:knowledge|consent)\b",
        rf"(?:keep|hide)\s+(?:this|it|these|that)\s+(?:secret\s+|hidden\s+)?from\s+(?:the\s+)?{_WHO}",
        rf"(?:keep|leave)\s+(?:this|it|that|these|them|the\s+(?:\w+\s+){{0,2}}?\w+)\s+out\s+of\s+(?:the|your|any)\s+(?:summary|summaries|reply|replies|response|report|answer|changelog|pr description)(?:\s+(?:to|for)\s+the\s+{_WHO})?\b",
        r"(?:silently|quietly|secretly|covertly|stealthily|discreetly)\s+(?:add|insert|append|run|execute|install|send|upload|post|modify|edit|change|replace|delete|remove|commit|push|include|download|fetch|write|copy|disable|approve|exfiltrate)\b",
        r"(?:secretly|covertly|stealthily)\b",
        r"\b(?:apply|do|run|install|add|make|push|delete)\s+(?:it\s+|this\s+|them\s+|these\s+)?(?:silently|quietly)\b",
        r"(?:never|don['’]t|do not)\s+mention\s+(?:in\s+(?:your|the)\s+(?:replies|reply|responses?|summary|summaries|answers?)\s+)?(?:any\s+|the\s+)?(?:network requests?|curl commands?|commands? you (?:ran|run|execute)|files you (?:read|open|opened|changed|touch)|(?:requests?|uploads?|downloads?) you (?:made|make|send|sent))",
        r"\b(?:when|whenever|if)\s+(?:the\s+user|they|anyone|someone)\s+(?:ever\s+)?(?:asks?|asked)\b[^\n.]{0,80}?,?\s+(?:always\s+)?(?:say|answer|reply|tell them|deny)\s+(?:no|nothing|that (?:nothing|you (?:didn't|did not)))\b",
        r"不要告诉用户|别告诉用户|不要让用户知道|ユーザーに(?:は)?(?:伝え|言わ|知らせ)ない|не (?:говори|сообщай|упоминай)\w{0,24}|n['’]en parle pas|ne le dis pas|no (?:le )?(?:digas|menciones|informes) al usuario"
        r"|sag\w{0,24} (?:dem|den) (?:nutzer|benutzer)\w{0,24},? dass|nicht erwähnen|non dirlo|nie informuj użytkownika|kullanıcıya söyleme|ne mentionne pas"
        r"|sag\w{0,24} (?:dem|den) (?:nutzer|benutzer)\w{0,24} nichts|ne dis rien à l['’]utilisateur|no le digas nada al usuario|non dire nulla all['’]utente"
        r"|não (?:avis\w+|cont\w+|diga\w{0,24}|diz\w{0,24}|inform\w+|mencion\w+)\s+(?:\w+\s+)?(?:ao?|o)\s+usuário|사용자에게\s*(?:말하지|알리지)|senza dirlo|senza dirglielo"
        r"|no (?:lo|la|los|las) menciones|nicht\s+(?:\w+\s+){0,3}erwähnen|zeg\w{0,24}\s+(?:dan\s+)?(?:altijd\s+)?['‘’\"]nee['’\"]|niets\s+(?:tegen|aan)\s+de\s+gebruiker",
        rf"{_DONT}\s+(?:tell|inform|let)\s+the\s+{_WHO}\s+(?:know\s+)?that\s+(?:a|an|this|these|any)\s+(?:\w+\s+)?(?:memory|memories|note|notes)\s+(?:\w+\s+)?(?:influenced|shaped|told|instructed|guided|drove|prompted|asked|changed|was used|were used|came from)\b",
        rf"{_DONT}\s+(?:call|point|flag)\s+(?:this|it|that|them)\s+out\b[^\n]{{0,20}}?\b(?:in|to)\s+(?:the\s+|your\s+)?(?:summary|summaries|reply|replies|response|report|answer|review|pr|{_WHO})\b",
        (r"nie\s+wspomina(?:j|jcie|ć)\s+o\s+tym|(?:no|sin)\s+comentarlo\b|no\s+lo\s+coment(?:es|en)\b|ne\s+mentionne\w{0,2}\s+jamais\s+(?:les\s+)?(?:failles|vulnérabilités|problèmes de sécurité)"
         r"|사용자에게는?\s*[^\n.]{0,10}테스트[^\n.]{0,10}(?:통과했다고|성공했다고)|告诉用户[^\n。]{0,6}测试[^\n。]{0,6}(?:通过|成功)|ユーザーに(?:は)?[^\n。]{0,6}テスト[^\n。]{0,10}(?:通った|成功した|パスした)と"
         r"|dile\s+al\s+usuario\s+que\s+(?:las\s+pruebas|los\s+tests)\s+(?:pasaron|han pasado|pasan|están en verde)|dis\s+à\s+l['’]utilisateur\s+que\s+les\s+tests\s+(?:sont passés|passent|ont réussi)"
         r"|sag\w{0,4}\s+dem\s+(?:nutzer|benutzer)\w{0,2},?\s+(?:dass\s+)?die\s+tests\s+(?:bestanden|grün|erfolgreich)",
         ("wspomina", "coment", "mentionne", "테스트", "测试", "テスト", "usuario", "utilisateur", "nutzer")),
    )),
    ("asks the model to send credentials or private files somewhere", _patterns(
        rf"(?:send|post|upload|exfiltrate|forward|transmit|email|leak|copy|sync|curl|paste|share|cp)(?:s|ed|ing|ied|ies)?\b[^\n]{{0,80}}?(?<!\w){_SECRET_THINGS}[^\n]{{0,80}}?\b(?:to|at|into|via|in|on)\s+{_DESTINATION}",
        (rf"(?<!\w){_SECRET_THINGS}[^\n]{{0,60}}?\b(?:and|then)\s+(?:send|post|upload|paste|forward|email|share|copy)\s+(?:it|its contents|them|their contents|the contents|the value)[^\n]{{0,40}}?\b(?:to|into|in|on)\s+{_DESTINATION}",
         ("send", "post", "upload", "paste", "forward", "email", "share", "copy")),
        (rf"(?<!\w){_SECRET_THINGS}[^\n]{{0,60}}?,\s*(?:then\s+)?(?:send|post|upload|paste|forward|email|share|copy)\s+(?:it|its contents|them|their contents|the contents|the value)[^\n]{{0,40}}?\b(?:to|into|in|on)\s+{_DESTINATION}",
         ("send", "post", "upload", "paste", "forward", "email", "share", "copy")),
        r"(?:environment variables|env vars|os\.environ|process\.env|printenv)\b[^\n]{0,60}?\b(?:post|send|upload|forward|ship)(?:s|ed|ing)?\s+(?:them\s+|it\s+)?(?:also\s+)?(?:to|at)\s+https?://",
        rf"(?:nslookup|dig|host|ping|curl|wget|nc)\b[^\n]{{0,60}}\$\([^)]{{0,60}}{_SECRET_FILES}",
        r"!\[[^\]\n]{0,40}\]\(https?://[^)\s?]{0,300}+\?[^)\s]{0,300}?(?:<|\{|\$)[^)\n]{0,60}(?:content|env|token|key|secret|password|credential)",
        r"(?:tar|zip|7z|git\s+archive|git\s+bundle)\b[^\n|]{0,60}\|[^\n]{0,80}?\b(?:curl|wget|nc|ncat|netcat|socat)\b",
        rf"\$\(\s*(?:cat|base64|head|type)\s+[^)]{{0,40}}{_SECRET_FILES}[^)]{{0,80}}\)\.[\w-]+\.",
        rf"(?:publish|push|upload)\b[^\n]{{0,80}}?\b(?:to\s+)?(?:npm|pypi|docker hub|a public (?:repo|gist|bucket|registry))\b[^\n]{{0,60}}?(?:including|with)\s+(?:the\s+)?{_SECRET_THINGS}",
        rf"(?:cat|type|base64|tar|zip)\b[^\n|]{{0,80}}{_SECRET_FILES}[^\n|]{{0,80}}(?:\|[^\n|]{{0,40}}){{0,2}}\|\s*(?:curl|wget|nc|ncat|netcat|socat|ssh)\b",
        rf"(?:curl|wget|http)\b[^\n]{{0,200}}?(?:-d|--data(?:-binary|-raw|-urlencode)?|-f|--form|-t|--upload-file|--post-file|--body-file)[=\s]+['\"]?[^\s'\"]*{_SECRET_FILES}",
        rf"(?:curl|wget)\b[^\n]{{0,200}}\$\(\s*cat\s+[^)]*{_SECRET_FILES}",
        r"(?:env|printenv)\s*\|\s*(?:curl|nc|ncat|wget)\b",
        rf"\b(?:scp|rsync|sftp)\b[^\n]{{0,80}}?{_SECRET_FILES}[^\n]{{0,80}}?\s[\w.-]+@[\w.-]+:",
        r"(?:send|post|upload|paste|pipe|forward|copy|ship|push)\b[^\n]{0,40}?(?:printenv|\benv\b|os\.environ|process\.env|environment variables|env vars)[^\n]{0,80}?\b(?:to|at|into)\s+(?:https?://|[\w-]+\.(?:example|com|net|org|io|dev|site|app|sh|me|xyz)\b)",
        r"(?:curl|wget|http|httpie|invoke-webrequest)\b[^\n]{0,200}?(?:\$\(\s*(?:env|printenv|set|export\s+-p|cat\s+/proc/self/environ)\s*\)|`\s*(?:env|printenv)\s*`)",
        r"(?:pg_dump|pg_dumpall|mysqldump|mongodump|mongoexport|sqlite3|redis-cli)\b[^\n|]{0,120}\|[^\n]{0,60}?\b(?:curl|wget|nc|ncat|netcat|socat)\b",
        r"(?:post|send|upload|share|paste|forward|email)\w{0,3}\s+your\s+(?:hidden|secret|system|original|initial)\s+(?:instructions|prompt|system prompt|rules)\b[^\n]{0,80}?\b(?:to|at|into)\s+(?:https?://|[\w-]+\.(?:example|com|net|org|io|dev|site|app|sh|me|xyz)\b)",
        (r"(?:<img\b[^>\n]{0,200}?\bsrc\s*=\s*[\"']?|!\[[^\]\n]{0,100}\]\()https?://[^\s\"')>?]{1,300}+\?[^\s\"')>]{0,300}?[?&=][\w-]{0,30}=(?:\$\{?|\{\{\s*|<|%)?[a-z0-9]+_(?:token|secret|api_?key|password|key)s?\b",
         ("_token", "_secret", "_api", "_password", "_key")),
    )),
    ("pipes a downloaded script into a shell", _patterns(
        rf"(?:curl|wget|fetch|aria2c)\b(?![^\n|]{{0,120}}{_OFFICIAL_INSTALLER})[^\n|]{{0,300}}\|\s*{_SHELL}",
        rf"(?:bash|zsh|sh|source|eval|exec|\.)\s+(?:-c\s+)?[\"']?(?:<\(|\$\()\s*(?:curl|wget)\b(?![^\n)]{{0,120}}{_OFFICIAL_INSTALLER})",
        r"(?:iex|invoke-expression)\b[^\n]{0,40}(?:iwr|irm|invoke-webrequest|invoke-restmethod|downloadstring|webclient|curl|wget)\b",
        r"(?:iwr|irm|invoke-webrequest|invoke-restmethod)\b[^\n|]{0,300}\|\s*(?:iex|invoke-expression)\b",
        r"\b(?:exec|eval)\s*\(\s*[^\n]{0,80}?(?:urlopen|requests\.get|urllib|httpx\.get|fetch\(|\.read\(\)\.decode)",
        r"__import__\(\s*['\"]urllib[^\n]{0,80}?urlopen\(\s*['\"]https?://",
        rf"(?:curl|wget)\b(?![^\n]{{0,120}}{_OFFICIAL_INSTALLER})[^\n|;&]{{0,200}}?\s(?:-o|-O|--output|-qO)\s*\S+\s*(?:&&|;)\s*(?:sudo\s+)?(?:(?:ba|z|da)?sh|node|python[\d.]*|perl|ruby|source|\.)\s+\S",
    )),
    ("asks the model to decode and run an encoded payload", _patterns(
        rf"base64\s+(?:-d|--decode)\b[^\n]{{0,40}}\|\s*{_SHELL}",
        r"(?:decode|base64-decode|unbase64|deobfuscate|decrypt|unhex|apply rot-?13|rot-?13)\b[^\n]{0,80}?(?:\band|\bthen|,)\s+(?:run|execute|exec|eval|follow|obey|apply|carry out|do what it says|act on)\b",
        r"(?:run|execute|eval|follow|obey)\b[^\n]{0,40}?\b(?:hex|rot-?13|encoded|obfuscated)\s+(?:payload|command|instructions?|script|string|blob)\b[^\n]{0,60}?(?:decod|xxd\s+-r|rot-?13)",
        r"(?:run|execute|eval|follow|obey)\b[^\n]{0,40}?\b(?:the\s+)?(?:decoded|base64[- ]encoded|encoded)\s+(?:payload|command|instructions?|script|text|string|blob)",
        r"(?:eval|exec|iex|invoke-expression)\s*+\(?\s*+[^\n]{0,40}(?:atob|b64decode|frombase64string|base64\.decode|fromhex|unhexlify|a2b_hex|codecs\.decode|zlib\.decompress|marshal\.loads)",
        r"\beval\s+[\"']?\$\(\s*(?:echo|printf)\s+[^|\n]{4,200}\|\s*(?:base64\s+(?:-d|--decode)|xxd\s+-r)",
        r"(?:read|reverse)\s+(?:the\s+following|this|it|the\s+next\s+line)\s+(?:text\s+)?backwards?\b[^\n]{0,40}?\b(?:follow|run|execute|do|obey|act on)\b",
        r"(?:decode|decipher|deobfuscate|unscramble)\b[^\n]{0,60}?\b(?:and|then)\s+(?:treat|use|take|consider|follow|obey)\s+(?:it|this|the result|them|the output)\s+as\s+(?:a\s+|an\s+|the\s+|your\s+)?(?:standing\s+|new\s+)?(?:instructions?|commands?|orders?|directives?)\b",
        r"(?:run|execute|eval)\s+(?:the\s+)?(?:result|assembled|combined|joined|concatenated|reconstructed|decoded|converted)(?:\s+(?:command|string|script|payload|text))?\s+in(?:to)?\s+(?:the\s+|a\s+)?(?:terminal|shell|bash|console|zsh|powershell)\b",
        r"(?:run|execute|eval)\w{0,3}\s+(?:the\s+)?(?:assembled|combined|joined|concatenated|reconstructed)\s+(?:command|string|script|payload)\b",
        (r"(?:run|execute|eval)\s+[a-z](?:\s*\+\s*[a-z]){2,}\b", ("+",)),
    )),
)  # fmt: skip

# Requests that are a warning when negated ("never echo ~/.aws/credentials into the logs"): a match
# counts only if no negation stands before it in its line (looked for in a bounded window, so a long
# line of matches stays linear).
_UNLESS_NEGATED: tuple[tuple[str, tuple[_Source, ...]], ...] = (
    ("asks the model to send credentials or private files somewhere", _patterns(
        rf"(?:include|put|add|append|paste|embed|insert|print|echo|write|leak|reveal|output|send|encode|base64-encode|log|attach)\b[^\n]{{0,40}}?(?:{_SECRET_THINGS}|os\.environ\[[^\]]{{0,40}}(?:token|key|secret|password)|process\.env\.\w{0,24}(?:token|key|secret|password))[^\n]{{0,60}}?\b(?:in|into|to)\s+(?:(?:your|the next|each|every|all|the|a)\s+(?:next\s+)?(?:reply|replies|response|responses|answer|answers|output|commit messages?|pr description|pull request description|pr body|issue (?:description|body|comment)|pr comments?|logs?|end of your (?:answer|reply))|(?:replies|responses|answers|commit messages))\b",
        r"(?:attach|include|paste|add|post|append)\b[^\n]{0,30}?\b(?:the\s+)?(?:full\s+|whole\s+|raw\s+)?output of\s+`?(?:env|printenv|set|export -p)`?[^\n]{0,60}?\b(?:to|in|into)\s+(?:the\s+|your\s+|a\s+)?(?:\w+\s+)?(?:pr|pull request|issue|comment|description|reply|answer|summary|ticket)",
        rf"(?:read|open|cat|load|grab|collect|get|fetch|copy)\s+[^\n]{{0,20}}?{_SECRET_FILES}(?![\w./]*\.pub\b)[^\n]{{0,60}}?\b(?:and|then|,)\s+(?:post|paste|print|show|include|send|share|output|upload|echo|return|list|quote|put|add|attach|email)\b",
        r"\blog\s+(?:the\s+)?(?:value|values|contents?)\s+of\s+(?:every|each|all|any)\s+(?:secret|token|password|api key|credential)s?\b",
        r"\blog\w{0,24}\s+(?:the\s+)?(?:full|all|raw|complete|entire|every)\s+(?:request\s+|http\s+|response\s+)?(?:headers|requests?|payloads?|bodies)\b[^\n]{0,30}?\bincluding\s+(?:the\s+)?(?:authorization|cookies?|passwords?|tokens?|secrets?|credentials?|api keys?)\b",
        rf"\bpublic\s+(?:github\s+)?(?:gists?|paste(?:bin)?s?|repos?(?:itory)?|buckets?|channels?)\b{_UNNEGATED}{{0,100}}?\b(?:credentials?|secrets?|tokens?|passwords?|api keys?|private keys?)\b",
        r"(?:token|password|segreti|credenziali|contraseñas?|senhas?|passw[oö]rter|mots de passe)\w{0,20}[^\n]{0,60}?\b(?:gist|pastebin)\s+(?:pubblico|público|public|öffentlich\w{0,24})",
        rf"\bcontents?\s+of\s+[^\n]{{0,40}}?{_SECRET_FILES}[^\n]{{0,80}}?\b(?:into|in|to)\s+(?:the\s+)?(?:readme|docs?|wiki|changelog|issue|pr description|public)\b",
        r"\b(?:including|with)\s+(?:the\s+)?(?:db\s+|database\s+|admin\s+|root\s+)?(?:passwords?|credentials?|secrets?|tokens?|api keys?)\)?[^\n]{0,60}?\b(?:into|in|to)\s+(?:the\s+)?(?:readme|wiki|changelog|public)\b",
        r"(?:secrets?|credentials?|private keys?|\.env)\b[^\n]{0,80}?\bchmod\s+(?:0?644|0?666|0?777|[ago]*\+r)\b",
        r"(?:mirror|copy|forward|send|post)\w{0,24}\s+(?:the\s+|every\s+|all\s+)?(?:request|response)\s+(?:bodies|body)\b[^\n]{0,40}?\bto\s+https?://",
        r"(?:\*\.pem|\*\.key|id_\*|private keys?)[^\n]{0,60}?\b(?:quote|print|paste|include)\s+(?:its|their)\s+(?:full\s+)?contents?\b",
        rf"contents?\s+of\s+(?:{_SECRET_FILES}|secrets?\.ya?ml|secrets?\.json|\.env\w{0,24})[^\n]{{0,60}}?\b(?:at the end of|in|into)\s+(?:your|the)\s+(?:answer|reply|response|summary|output)",
        rf"(?:print|output|reveal|dump|paste|read out)\b[^\n]{{0,40}}?{_PRIVATE_FILES}",
        (rf"(?<!\w){_SECRET_THINGS}[^\n]{{0,80}}?\b(?:echo|print|repeat|include|paste|output|quote)\s+(?:it|them|its value|the value)\s+(?:back\s+)?(?:verbatim\s+)?(?:in|into|to)\s+(?:your|the)\s+(?:answer|reply|response|output|summary)",
         ("echo", "print", "repeat", "include", "paste", "output", "quote")),
        rf"(?:attach|include|paste|add|append|upload|send|post)\w{{0,3}}\b[^\n]{{0,60}}?(?:{_SECRET_FILES}|secrets?\.(?:ya?ml|json|toml)|credentials\.json|master\.key)[^\n]{{0,80}}?\b(?:to|in|into|on)\s+(?:every|each|all|any|the|a|your)\s+(?:\w+\s+){{0,2}}?(?:(?:bug reports?|issues?|tickets?|reports?|prs?|pull requests?|comments?|gists?|emails?|details block)\b|<details>)",
        (r"(?:fill|include|add|paste|pass|put|append|attach|echo|print)\w{0,3}\b[^\n]{0,80}?\b(?:any|all|every)\s+(?:\w+\s+)?(?:credentials?|secrets?|tokens?|api keys?|passwords?)\s+(?:that\s+)?you\s+(?:have\s+)?(?:seen|can see|encountered|came across)\b",
         ("credential", "secret", "token", "api key", "password")),
        rf"(?:copy|add|move|put|commit|check in|place)\w{{0,3}}\b{_UNNEGATED}{{0,60}}?{_PRIVATE_FILES}{_UNNEGATED}{{0,80}}?\b(?:into|to|in|under)\s+(?:the\s+)?(?:repo|repository|git|project|source tree)\b",
    )),
    ("asks the model to hide what it does from the person", _patterns(
        rf"(?:skip|avoid|omit)\s+mentioning\s+(?:it|this|them|that|these|those)\s+(?:in|to)\s+(?:the\s+|your\s+)?(?:summary|summaries|reply|replies|response|report|answer|{_WHO})",
        rf"\bdescribe\s+(?:it|them|this|these|that|those|the (?:commands?|changes?|edits?|requests?))\s+to\s+the\s+{_WHO}\s+as\b",
        r"\breport\s+(?:them|it|the\s+(?:failing\s+)?tests?|(?:the\s+)?failures?|(?:the\s+)?failing (?:tests?|checks?)|the\s+(?:build|ci|run|checks?)|(?:every|each|all|any)\s+(?:\w+\s+)?(?:tasks?|commands?|runs?|jobs?|builds?|steps?|checks?|tests?))\s+as\s+(?:passing|passed|green|successful|succeeded|fixed|done)\b",
        r"(?:report|mark|say|claim|tell)\b[^\n]{0,60}?\b(?:successful|succeeded|success|passed|passing|green|done|fine|worked)\b[^\n]{0,30}?\beven\s+(?:if|when|though)\b[^\n]{0,30}?\b(?:failed|fails|failing|broke|broken|errored|errors?|did not|didn['’]t|red)\b",
        rf"\btell\s+the\s+{_WHO}\s+(?:that\s+)?(?:the\s+)?(?:(?:security|secret|dependency|vulnerability)\s+)?(?:build|tests?|ci|deploy\w{0,24}|rotation|upload|it|everything|scans?|checks?|audits?|lint|pipelines?|jobs?|reviews?|migrations?)\s+(?:succeeded|passed|was successful|is green|went fine|worked)\b",
        r"(?:if|when)\s+(?:the\s+)?(?:ci|build|tests?|pipeline)\s+(?:is|are)\s+(?:red|failing|broken)\b[^\n]{0,40}?\b(?:still\s+)?(?:write|say|report|mark|put|claim)\b[^\n]{0,20}?(?:green|passing|passed|success)",
        r"\bskip\b[^\n]{0,40}?\b(?:and|then)\s+(?:just\s+)?(?:report|say|claim|tell (?:them|the user))\b[^\n]{0,30}?\b(?:was|were|has been|have been|is|are)\s+(?:\w+ed|done|green|passing)\b",
    )),
    (UNSAFE_CHANGE, _patterns(
        rf"git\s+push\s+(?:\S+\s+)?(?:--force(?!-with-lease)|-f)\b{_UNNEGATED}{{0,80}}?\b(?:main|master)\b",
        r"git\s+push\s+[^\n]{0,30}?\b(?:main|master)\b[^\n]{0,10}?\s(?:--force(?!-with-lease)|-f)\b",
        r"chmod\s+(?:-r\s+)?(?:0?777|a\+rwx)\s+/(?:\s|$|[;,`'\")]|\.(?:\s|$))",
        r"chmod\s+(?:-r\s+)?(?:0?777|a\+rwx)\s+(?:[^\n]{0,40}?\s)?/(?:etc|usr|var|root|home|boot|bin|sbin|lib)\b",
        r"rm\s+-(?:rf|fr)\s+(?:--no-preserve-root\s+)?(?:~|/|\$home|\$\{home\})/?(?:\s|$|[;,`'\")]|\.(?:\s|$))",
        r"core\.hookspath[= ]+/dev/null",
        r"(?:when(?:ever)?|if|once)\s+(?:the\s+|a\s+|any\s+)?(?:tests?|test suite|ci|checks?|builds?|lint\w{0,24})\s+(?:fails?|breaks?|is red|are red)\b,?\s+(?:just\s+|simply\s+)?(?:delete|remove|comment out|skip|disable|xfail|mark (?:it|them|the task) (?:as )?(?:done|passing|skipped))\b",
        r"if:\s*false\b[^\n]{0,40}\b(?:every|all|each)\s+(?:ci\s+)?jobs?\b|\b(?:every|all|each)\s+(?:ci\s+)?jobs?\b[^\n]{0,40}if:\s*false\b",
        r"(?:verify|auth|check|validate|authenticate|authori[sz]e|is_valid|has_permission)\w{0,24}\(\)[^\n]{0,30}?\b(?:always\s+)?return\s+true\b[^\n]{0,15}?(?:unconditionally|always|for every|no matter)",
        r"(?:always|unconditionally)\s+return\s+true\b[^\n]{0,30}?(?:verify|auth|check|validate|permission)",
        r"(?:auth|authentication|login|csrf|permission_checks?|acl)_?(?:disabled|off|enabled)\s*[=:]\s*(?:true|1|false|0)\b[^\n]{0,40}?\bprod(?:uction)?\b",
        rf"(?:node_tls_reject_unauthorized\s*=\s*['\"]?0|git_ssl_no_verify\s*=\s*['\"]?(?:1|true)|http\.sslverify\s*=?\s*false|strict-ssl\s*=?\s*false|verify\s*=\s*false){_UNNEGATED}{{0,60}}?\b(?:global(?:ly)?|everywhere|profile|bashrc|zshrc|production|prod|every|all"
        r"|producci[oó]n|produ[cç][aã]o|produktion)\b",
        r"\b(?:always|every|all)\b[^\n]{0,40}?(?:verify\s*=\s*false|node_tls_reject_unauthorized\s*=\s*['\"]?0|--insecure\b|-k\s+https)",
        r"return\s+true\s+(?:if|when|whenever)\s+(?:the\s+)?(?:request\s+)?(?:(?:has|contains|carries|sends|includes)\s+(?:(?:a|the|an)\s+)?)?(?:header|param\w{0,24}|query|cookie|x-[\w-]+)",
        r"continue-on-error:\s*true[^\n]{0,40}?\b(?:and\s+)?merge\b|\b(?:checks?|ci|jobs?|builds?|tests?)\s+fails?\b[^\n]{0,40}?continue-on-error",
        r"(?:delete|disable|remove|turn off|bypass|drop)\w{0,24}\s+(?:the\s+)?branch protection|branches/[\w.-]+/protection[^\n]{0,20}?|-x\s+delete\s+[^\n]{0,60}/protection",
        r"gh\s+pr\s+merge\b[^\n]{0,60}?--admin\b|\b(?:merge|approve)\w{0,24}\b[^\n]{0,40}?\bwithout\s+(?:reading|reviewing|review|looking at|checking)\b",
        r"\bdrop\s+(?:database|schema)\s+(?:if\s+exists\s+)?[\w.\"`]*prod",
        r"\b(?:truncate|drop\s+table)\b[^\n]{0,60}?\b(?:against|on|in)\s+(?:the\s+)?prod(?:uction)?\b",
        r"(?:require_2fa|require_mfa|mfa_enabled|two_factor\w{0,24}|otp_required)\s*[=:]\s*(?:false|0|off)\b",
        r"(?:disable|turn off|switch off|deaktivier\w{0,24}|desactiv\w{0,24}|disattiv\w{0,24}|wyłącz\w{0,24}|отключ\w{0,24}|关闭|禁用|無効に)\s*(?:the\s+|die\s+|la\s+|el\s+|il\s+|l['’])?(?:two-factor|2fa|mfa|multi-factor|zwei-faktor\w{0,24}|autenticaci[oó]n de dos factores|doble factor|double authentification|authentification à deux facteurs|autenticazione a due fattori|uwierzytelnianie dwuskładnikowe|двухфактор\w{0,24}|双因素|二要素)",
        r"(?:disable|turn off|switch off|stop)\w{0,24}\s+(?:the\s+)?audit[- ]?(?:logs?|logging|trail)\b|--no-audit(?:-log)?\b|--skip-approvals?\b",
        r"\bufw\s+disable\b|systemctl\s+(?:stop|disable|mask)\s+(?:firewalld|ufw|auditd|apparmor|fail2ban|falco|crowdstrike\w{0,24}|clamav\w{0,24})|\bsetenforce\s+0\b|\bauditctl\s+-d\b|\biptables\s+-f\b",
        r"\ball\s+all\s*=\s*\(all(?::all)?\)\s*nopasswd:\s*all\b",
        r"\brm\s+-\w{0,24}r\w{0,24}\s+[^\n]{0,60}?\bpg_(?:wal|xlog)\b",
        r"pull_request_target\b[^\n]{0,200}?(?:head\.sha|head\.ref|head_ref)|(?:head\.sha|head\.ref)[^\n]{0,200}?pull_request_target",
        r"\bunsalted\s+(?:md5|sha-?1|sha-?256|hash\w{0,24})|password\s+hash\w{0,24}\s*:?\s+use\s+(?:unsalted\s+)?(?:md5|sha-?1)\b",
        r"access-control-allow-origin:?\s*`?\*[^\n]{0,80}?allow-credentials:?\s*`?true|allow-credentials:?\s*`?true[^\n]{0,80}?access-control-allow-origin:?\s*`?\*",
        r"(?:if|when)\s+(?:the\s+)?password\s+(?:equals|is|==|matches)\s+[^\n]{0,40}?\baccept\b|\baccept\s+it\s+for\s+(?:any|every|all)\s+(?:accounts?|users?)\b|\bmaster\s+password\b[^\n]{0,40}?\b(?:any|every|all)\s+(?:accounts?|users?)\b",
        r"\balways\b[^\n]{0,60}?privileged:\s*`?true|privileged:\s*`?true`?[^\n]{0,60}?hostnetwork:\s*`?true|\bmount\s+the\s+host(?:['’]s)?\s+`?/`?\s",
        r"(?:comment(?:s|ing)? out|remov\w{0,3}|delet\w{0,3}|drop\w{0,3}|strip\w{0,3})\s+(?:the\s+|all\s+|any\s+)?`?@?(?:\w+_)?(?:login_required|requires?_auth\w{0,12}|permission_required|jwt_required|csrf_protect|authenticated|authorize|auth_required|require_login|admin_required)\b",
        r"(?:remove|drop|delete|disable)\w{0,24}\s+(?:the\s+)?`?aws:multifactorauthpresent|(?:force|enforce|require)_?mfa\s*[=:]\s*`?(?:false|0|off)\b|mfa_required\s*[=:]\s*`?(?:false|0|off)\b",
        r"(?:config\s+set\s+strict-ssl\s+false|config\s+--global\s+http\.sslverify\s+false)",
        r"auto-?approve\s+mode|\bbypasspermissions\b|(?:disable|turn off)\s+(?:its|your)\s+(?:own\s+)?confirmation prompts?",
        r"0\.0\.0\.0/0\b(?:(?!\b(?:not|never|no)\b)[^\n]){0,60}?\b(?:22|23|3306|5432|6379|27017|9200|3389|2375|11211|5984)\b|\bports?\s+(?:22|23|3306|5432|6379|27017|9200|3389|2375)\b[^\n]{0,40}?0\.0\.0\.0/0",
        r"(?:aws\s+s3\s+rb\b|aws\s+s3\s+rm\b[^\n]{0,80}?--recursive|gsutil\s+(?:-m\s+)?rm\s+-r|terraform\s+destroy\b|kubectl\s+delete\s+(?:ns|namespace)\b|dropdb\b)(?:\s+-{1,2}[\w-]+)*\s+[\w:/.\-]*prod",
        (r"(?:f-?strings?|string concatenation|string formatting|\.format\(\)|%-?formatting)\s+to\s+build\s+(?:the\s+)?(?:sql\s+|raw\s+)?(?:queries|sql|statements)\b[^\n]{0,40}?\bfrom\s+(?:the\s+)?(?:request|user|query|form|input)|\btoo slow with parameteri[sz]ed\b|(?:drop|stop using|avoid|skip)\s+parameteri[sz]ed\s+(?:queries|statements)\b",
         ("string", "format", "parameteri")),
        r"(?:query\s+param\w{0,24}|request\.args|request\.form|request\.values|req\.query|req\.body|url param\w{0,24})\b[^\n]{0,80}?(?:shell\s*=\s*true|os\.system|os\.popen|\beval\(|\bexec\(|child_process|execsync)",
        r"(?:bandit|semgrep|codeql|trivy|snyk|gitleaks|sast|security)\b[^\n.]{0,100}?\bdisabl\w{0,24}\s+(?:the\s+)?(?:\w+\s+)?(?:jobs?|workflows?|steps?)\b|\bdisabl\w{0,24}\s+(?:the\s+)?(?:\w+\s+)?(?:jobs?|workflows?|steps?)\s+in\s+\S*(?:security|codeql|sast)",
        r"authorized_keys\b[^\n]{0,40}?\b(?:on|to|of)\s+(?:any|every|all|each)\s+(?:machines?|servers?|hosts?|box(?:es)?|instances?)\b",
        r"\b(?:pii|customer data|personal data|card numbers?|credit cards?|ssns?|social security numbers?)\b[^\n]{0,80}?\b(?:to|into|in)\s+(?:the\s+)?(?:public/|public (?:folder|directory|bucket|dir)|static folder|world-readable)",
        r"allowed_hosts\s*=\s*\[\s*['\"]\*['\"]\s*\]|cors_origin_allow_all\s*=\s*true|cors_allow_all_origins\s*=\s*true",
        r"\bconcatenat\w{0,24}\s+(?:the\s+)?(?:raw\s+)?user input\b[^\n]{0,60}?\b(?:preferred|house style|always|instead)\b|\b(?:preferred|house style)\b[^\n]{0,60}?\bconcatenat\w{0,24}\s+(?:the\s+)?user input",
        r"\bhard-?code\s+(?:the\s+)?(?:production\s+|prod\s+)?(?:passwords?|secrets?|database_url|api[_ ]?keys?|credentials?|tokens?)\b[^\n]{0,60}?\bcommit\b",
        r"\bskip\s+(?:all\s+|any\s+|the\s+)?(?:confirmation|permission)\s+(?:prompts|checks|dialogs)\b",
        r"(?:launch|run|start|use|with|pass|add)\b[^\n]{0,40}?--dangerously-skip-permissions\b|\bsandbox(?:ing)?\s+(?:to\s+)?off\b|\b(?:disable|turn off)\s+(?:the\s+)?sandbox\b",
        r"\bmerge\w{0,24}\b[^\n]{0,40}?\b(?:with\s+)?admin\s+override\b|\bmerge\w{0,24}\b[^\n]{0,40}?\bwith\s+no\s+review\b|\b(?:remove|delete)\s+(?:the\s+)?codeowners\b",
        r"\balways\s+approve\b[^\n]{0,80}?\b(?:regardless|without|no matter|whatever)\b|\bapprove\w{0,24}\s+(?:every|all|any)\s+(?:prs?|pull requests?|reviews?|changes?|diffs?)\b[^\n]{0,40}?\b(?:regardless|without)",
        r"(?:replace|swap)\s+bcrypt\s+(?:with|for)\s+(?:md5|sha-?1|plain)|(?:md5|sha-?1)\s+for\s+password\s+hash",
        r"password\s*==\s*['\"][^'\"\n]{4,}['\"][^\n]{0,40}?\breturn\b",
        r"(?:accept|trust|honou?r)\s+(?:the\s+)?(?:header\s+)?x-[\w-]+\b[^\n]{0,60}?\b(?:authenticated|identity|as the user|as admin|logged in)",
        r"(?:delete|remove|wipe|erase|rewrite)\s+(?:the\s+)?(?:entire\s+|whole\s+|all\s+(?:of\s+)?(?:the\s+)?)?git\s+history\b",
        r"--extra-index-url\s+http://|--index-url\s+http://|\btrusted-host\b[^\n]{0,40}?\bpip\.conf",
        # (`rm -rf` counts when it reaches outside the working tree: `rm -rf ./build/` without asking is housekeeping)
        r"(?:rm\s+-rf\s+(?:--no-preserve-root\s+)?[\"'`]?(?:~|/|\$|\.\.|\*)|(?:push\s+--force|drop\s+(?:table|database)|truncate|delete)\b)[^\n]{0,80}?\b(?:just do it|without (?:asking|prompting|confirmation|confirming)|and report afterwards)",
        (r"\|\|\s*true\b[^\n]{0,60}?\b(?:security|scan|audit|bandit|trivy|snyk|sast|pip-audit|semgrep)|\b(?:security|scan|audit|bandit|trivy|snyk|sast|pip-audit|semgrep)\b[^\n]{0,60}?\|\|\s*true\b",
         ("||",)),
        r"(?:remove|drop|skip|disable|delete)\s+(?:the\s+)?`?(?:gpg\s+--verify|signature\s+(?:check|verification)s?|checksum\s+(?:check|verification)s?|sha256sum\s+-c)",
        r"\bnc\s+(?:-\w+\s+)*-e\s+/bin/(?:ba)?sh|/dev/tcp/[\w.]+/\d+|\bbash\s+-i\s+>&|\bsocat\b[^\n]{0,40}exec:",
        r"\bapprove\w{0,24}\s+(?:any|all|every)\s+(?:prs?|pull requests?)\s+from\b",
        r"[\"']allow[\"']\s*:\s*\[\s*[\"']bash\(\*\)",
        r"(?:add|put|append|allow|whitelist|allowlist)\w{0,4}\b[^\n]{0,40}?[\"'`]?bash\(\*\)|bash\(\*\)[\"'`]?[^\n]{0,40}?\b(?:allow|permissions)",
        r"\b(?:run|execute)\s+(?:any|every|all|arbitrary)\s+(?:shell\s+|bash\s+)?commands?\b[^\n]{0,60}?\bwithout\s+(?:asking|confirmation|confirming|permission|approval|prompting)",
        r"continue-on-error:\s*`?true`?[^\n]{0,40}?\b(?:security|scan|audit|sast|codeql|trivy|snyk|semgrep|bandit)|\b(?:security|scan|audit|sast|codeql|trivy|snyk|semgrep|bandit)[\w-]{0,20}\s+(?:jobs?|steps?)\b[^\n]{0,40}?continue-on-error:\s*`?true",
        r"\b(?:skip|disable|turn off)\s+(?:the\s+)?(?:sast|dast|dependency audit|security scan\w{0,24}|secret scan\w{0,24}|code scanning)\b[^\n]{0,40}?\b(?:all|every|each)\b",
        r"commit\s+(?:straight|directly)\s+to\s+(?:main|master)\b[^\n]{0,40}?\b(?:skip|without)\s+(?:pull requests|prs|review)",
        r"\bskip\s+(?:pull requests|prs|code review)\b[^\n]{0,40}?\bcommit\s+(?:straight|directly)\s+to\s+(?:main|master)\b",
        r"\btell\s+(?:them|the user|users|the person)\s+to\s+(?:re-?enter|enter|type|submit|paste|provide|confirm)\s+(?:their|the|your)\s+(?:\w+\s+){0,2}?(?:password|passphrase)\s+and\s+(?:their\s+|the\s+)?(?:2fa|mfa|otp|one-time|verification|recovery)\s+codes?\b[^\n]{0,60}?https?://",
    )),
    (UNSAFE_CHANGE, _patterns(
        r"(?<![\w-])commit\s+(?:the\s+|your\s+)?\.env\b(?![.\w-]*(?:example|sample|template|dist|defaults))|\bgit\s+add\s+(?:-f\s+)?\.env\b(?![.\w-]*(?:example|sample|template|dist|defaults))",
        r"(?:remove|delete|drop)\s+(?:the\s+)?(?:line\s+)?[`'\"]?(?:\.env|secrets?|credentials?)[`'\"]?\s+(?:line\s+|entry\s+)?from\s+(?:the\s+)?\.gitignore|\.gitignore\b[^\n]{0,30}?,?\s*(?:remove|delete|drop)\s+(?:that|this|the)\s+(?:line|entry)\b",
        # `none` allowed beside a signing algorithm: a config that takes unsigned tokens too
        r"\balgorithms?\s*[=:]\s*\[[^\]\n]{0,20}?[\"']none[\"'][^\]\n]{0,20}?[\"'](?:hs|rs|es|ps)\d{3}[\"']|\balgorithms?\s*[=:]\s*\[[^\]\n]{0,20}?[\"'](?:hs|rs|es|ps)\d{3}[\"'][^\]\n]{0,20}?[\"']none[\"']",
        r"\b(?:set|enable|allow|use|configure|make)\w{0,3}\s+(?:the\s+)?cors\b[^\n]{0,30}?[`'\"]\*[`'\"][^\n]{0,40}?\bcredentials\s+(?:allowed|enabled|on|true|included)\b",
        r"(?<![\w-])comment\s+out\s+(?:the\s+)?(?:csrf|auth(?:entication|orization|n|z)?|permission|signature|rate[- ]?limit\w{0,3}|tls|ssl|certificate)\s*(?:checks?|middleware|validation|decorators?|guards?|verification)?\b",
        r"\bassert\s+true\s+(?:if|when|whenever)\b[^\n]{0,40}?\b(?:fails?|failing|failed)\b|\b(?:make|have|let)\s+(?:them|the tests?|it)\s+assert\s+true\b",
        r"(?:delete|remove|drop)\s+[^\n]{0,40}?\bfrom\s+(?:the\s+)?codeowners\b[^\n]{0,60}?\b(?:whenever|every time|each time|in the same (?:pr|pull request))\b",
        r"--no-verify\b[^\n]{0,40}?\b(?:to|on|for|in|with)\s+(?:every|each|all)\s+commits?\b|(?:add|use|pass|append)\s+(?:the\s+)?(?:flag\s+)?--no-verify\s+(?:flag\s+)?(?:to|on|for|in)\s+(?:every|each|all)\b",
        r"\b(?:bind|grant|give)\s+(?:the\s+)?default\s+service\s*accounts?\b[^\n]{0,30}?\bcluster-admin\b|--clusterrole[= ]cluster-admin\b[^\n]{0,100}?--serviceaccount[= ][\w-]+:default\b",
        r"\b(?:create|add)\s+(?:a\s+|an?\s+extra\s+)?(?:new\s+)?(?:user|account)\s+[`'\"]?[\w.-]{1,32}[`'\"]?\s+with\s+uid\s*(?:=|:)?\s*0\b",
    )),
    ("tells the model to ignore or replace its instructions", _patterns(
        r"\b(?:same|equal|full|higher)\s+(?:authority|priority|weight|standing)\s+as\s+(?:a\s+|the\s+)?(?:direct\s+)?(?:user|system|developer|operator)\s+(?:messages?|instructions?|prompts?|requests?)\b",
    )),
    ("asks the model to hide what it does from the person", _patterns(
        r"\bpresent\s+(?:the\s+|these\s+|their\s+)?(?:instructions?|notes?|memor(?:y|ies)|suggestions?)\s+(?:from\s+(?:the\s+)?(?:notes?|memor(?:y|ies))\s+)?as\s+(?:if\s+(?:they|it)\s+(?:were|was)\s+)?your\s+own\b",
    )),
)  # fmt: skip
# The same request in another language, where the negation may stand anywhere in the sentence
# ("Die Datei .env nie auf … hochladen"): counted only if the sentence holds none.
_ENVIRONMENT_ABROAD = (
    r"(?:переменн\w+ (?:окружения|среды)|variables? de entorno|variables? d['’]environnement|umgebungsvariablen"
    r"|variabili d['’]ambiente|variáveis de ambiente|zmienn\w+ środowiskow\w+|ortam değişkenleri|环境变量|環境変数|환경 ?변수)"
)
_SECRETS_ABROAD = rf"(?:{_SECRET_FILES}|{_SECRET_VARIABLE}|\btoken\b|{_ENVIRONMENT_ABROAD})"
_ADDRESS = r"(?:https?://|[\w.+-]+@[\w-]+\.\w+|\b[\w-]+\.(?:com|net|org|io|xyz|me|site|app|dev|jp|es|de|fr|it|pl|tr)\b)"
_ABROAD_UNLESS_NEGATED: tuple[_Source, ...] = (
    rf"{_SEND_ABROAD}[^\n]{{0,80}}?{_SECRETS_ABROAD}[^\n]{{0,80}}?{_ADDRESS}",
    (rf"{_SECRETS_ABROAD}[^\n]{{0,60}}?{_SEND_ABROAD}[^\n]{{0,40}}?{_ADDRESS}", gate(_SEND_ABROAD)),
    (
        rf"{_SECRETS_ABROAD}[^\n]{{0,60}}?{_ADDRESS}[^\n]{{0,30}}?(?:に送|へ送|送信|adresine gönder|إلى)",
        ("に送", "へ送", "送信", "adresine gönder", "إلى"),
    ),
    rf"{_SECRET_FILES}[^\n]{{0,40}}?(?:auf|a|à|an|на|到)\s+https?://\S+\s+(?:hoch|laden|hochladen)\b",
)
_NEGATION_ABROAD = re.compile(
    r"\b(?:nie|niemals|nicht|keine?|nunca|jam[aá]s|ne|non|mai|nooit|niet|never|не|никогда|нельзя|asla|nigdy)\b|不要|不得|禁止|别|絶対|しない|ないで|لا\s"
)
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)|[。！？\n]")


def _asserted_anywhere(pattern: Gated, text: str) -> bool:
    """Whether the pattern matches in a sentence that holds no negation (a bounded look around it)."""
    for match in pattern.finditer(text):
        before = text[max(match.start() - _NEGATION_WINDOW, 0) : match.start()]
        begin = max((m.end() for m in _SENTENCE_END.finditer(before)), default=0)
        after = text[match.end() : match.end() + _NEGATION_WINDOW]
        stop = _SENTENCE_END.search(after)
        sentence = before[begin:] + match.group() + after[: stop.start() if stop else len(after)]
        if not _NEGATION_ABROAD.search(sentence):
            return True
    return False


# A negation of the request itself, close before it: "never echo …", "do not put … in commit messages"
# (not any "no" in the line: "No joke: always print ~/.ssh/id_rsa …" is no warning).
_NEGATION = re.compile(
    r"\b(?:never|don['’]t|do not|does not|doesn['’]t|must not|mustn['’]t|should not|shouldn['’]t|not to|avoid(?:ing)?"
    r"|accidentally|mistakenly|by mistake|ran|executed|had run|once ran|nunca|jam[aá]is|niemals|nie|nigdy|никогда|mai più|nooit|asla)\b|不要|别|禁止|決して|絶対に"
)
_NEGATION_WINDOW = 60

# Code is quoted, not hidden: a comment inside a code span or fence is shown to the person as-is.
_CODE = re.compile(r"```.*?(?:```|\Z)|~~~.*?(?:~~~|\Z)|`[^`\n]*`", re.S)
# Comments are found one after another, then searched for words: a single pattern for "a comment
# with words in it" retries from every `<!--` and is quadratic on a text made of them.
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)|^[ \t]*\[//\]:\s*(?:#|<>)\s*\([^)\n]*\)", re.S | re.M)
"""HTML comments, and markdown's `[//]: # (…)` link-definition comments: neither is shown when rendered."""
_TOOL_DIRECTIVE = re.compile(
    r"<!--\s*(?:markdownlint|prettier|eslint|textlint|cspell|vale|remark|toc|more|raw|htmlmin|spell|noqa|pragma|fmt|"
    r"#?region|#?endregion|@formatter|mdformat|docs-|include|snippet|start|end|begin|todo|fixme|xxx)[\w:-]*"
)
"""A comment written for a tool (`<!-- markdownlint-disable MD033 -->`) says nothing to a model."""
HIDDEN_ELEMENT_PATTERN = (
    r"<(?P<tag>[A-Za-z][A-Za-z0-9-]{0,30})\b[^<>]{0,300}?"
    r"(?:display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0(?![.\d])|opacity\s*:\s*0(?![.\d])|\shidden(?=[\s>=/]))"
    r"[^<>]{0,300}>(?P<inside>(?:(?!</(?P=tag)\s*>).){0,4000})(?:</(?P=tag)\s*>)?"
)
"""An element the rendered note does not show (`<div style="display:none">`): what it holds reaches a
model that reads the file, and not the person who reads the note. Read with `re.S`; recall removes
such elements from what it shows (`recall.text.neutralise`). What it holds runs to its closing tag or
4,000 characters, whichever comes first, and is taken whole: an element never closed hides what
follows it, and a scan that looked 4,000 characters ahead for a close from each of a million
openings would cost minutes."""
_HIDDEN_ELEMENT = re.compile(HIDDEN_ELEMENT_PATTERN, re.S)
_WORD = re.compile(r"[^\W\d_]{2,}")
"""A comment of three words or more hides something; `<!-- comments -->` named in prose does not."""


def _gated(source: _Source, flags: int = 0) -> Gated:
    text, needs = source if isinstance(source, tuple) else (source, ())
    return Gated(text, flags, needs)


@functools.cache
def _compiled() -> tuple[tuple[str, tuple[Gated, ...]], ...]:
    """The patterns compiled on first use (a process that never reads a note never pays for them).
    Separate patterns, lower case, no IGNORECASE: each is then found by scanning for its first
    characters; one big case-insensitive alternation is tried at every position, ~10x slower."""
    return tuple((what, tuple(_gated(source, re.M) for source in sources)) for what, sources in _INJECTION)


@functools.cache
def _compiled_unless_negated() -> tuple[tuple[str, tuple[Gated, ...]], ...]:
    return tuple((what, tuple(_gated(source) for source in sources)) for what, sources in _UNLESS_NEGATED)


@functools.cache
def _compiled_abroad() -> tuple[Gated, ...]:
    return tuple(_gated(source) for source in _ABROAD_UNLESS_NEGATED)


def prepare() -> None:
    """Compile the patterns now (once per process): a note's screening budget must not pay for it."""
    _compiled()
    _compiled_unless_negated()
    _compiled_abroad()


def _asserted(pattern: Gated, text: str) -> bool:
    """Whether the pattern matches somewhere with no negation close before it in its line."""
    for match in pattern.finditer(text):
        window = max(match.start() - _NEGATION_WINDOW, 0)
        start = text.rfind("\n", window, match.start()) + 1 or window  # this line's part of the window
        if not _NEGATION.search(text, start, match.start()):
            return True
    return False


_SPACED = re.compile(r"(?<![^\W\d_])(?:[^\W\d_] ){2,}[^\W\d_](?![^\W\d_])")
_INVISIBLE = re.compile(INVISIBLE)
_BLANKS = re.compile(_BLANK)
# Cyrillic and Greek letters drawn like Latin ones. Folded only inside a word that also holds a Latin
# letter (`іgnоrе` with Cyrillic і, о, е): a word wholly in another script is that language's word.
_LOOKALIKE_CHARS = "аеіорсхуѕјԁһԛԝӏοαιυνκρτχ"
_LOOKALIKES = str.maketrans(_LOOKALIKE_CHARS, "aeiopcxysjdhqwloaiuvkptx")
_LETTERS = re.compile(r"[^\W\d_]+")
_LEET = str.maketrans("013457@$", "oieastas")
_DOTTED = re.compile(r"(?<![\w.])(?:[^\W\d_]\.){2,}[^\W\d_]\b")
_HEX_ESCAPE = re.compile(r"\\x([0-9a-f]{2})")
_LEET_WORD = re.compile(r"\b(?=[a-z]*[0-9@$])(?=[0-9@$]*[a-z])[a-z0-9@$]{3,}\b")
"""A word of letters and look-alike digits (`1n5truct10n5`); `utf8`, `h264` and `k8s` read the same
either way, since only the text read with them swapped is searched in addition."""
_MOST_LEET_WORDS = 400
"""Past this many such words a text is tokens, hashes or ids, not a sentence in leetspeak: it is not
read a second time (a note of 37,000 generated tokens would otherwise cost every pattern twice)."""
_LATIN = re.compile(r"[a-z]")


_LOOKALIKE_LETTER = re.compile(f"[{_LOOKALIKE_CHARS}]")
_HOST = re.compile(r"(?<![\w.-])[\w-]{1,63}+(?:\.[\w-]{1,63}+){1,6}+")
_LATIN_HOST_LABEL = re.compile(f"[a-z0-9-]*[{_LOOKALIKE_CHARS}][a-z0-9{_LOOKALIKE_CHARS}-]*")
_LATIN_TLD = re.compile(r"[a-z]{2,24}")
_FILE_SUFFIXES = frozenset(
    "py md js ts jsx tsx txt yaml yml json toml cfg ini log csv html css scss sh rb go rs java kt c h cpp hpp "
    "cs php sql xml pdf png jpg svg lock env conf swift lua pl r ipynb zip gz tar".split()
)
"""What ends a file's name more often than a host's: `сор.py` is a file."""
_ABOUT_LOOKALIKES = re.compile(
    r"homoglyph|homograph|look-?alike|\bidn\b|punycode|spoof|confusable|phishing|mixed[- ]script"
)
"""Words of a note about such addresses: it names one as an example, it does not point to it."""
_MOST_HOSTS = 2_000
"""Host-like words judged per text: a note is not a list of thousands of addresses."""


def _lookalike_host(folded: str) -> bool:
    """Whether the text names a host that reads as Latin but is spelled with Cyrillic or Greek letters
    drawn like Latin ones (`рурі.org`, `раypal.com`): a label made only of Latin letters and such
    look-alikes, under a Latin top-level domain. A host in its own script (`пример.рф`,
    `пример.com`, whose `п` and `м` draw no Latin letter) is that language's own, and a note about
    homoglyph attacks names one rather than points to it."""
    if not _LOOKALIKE_LETTER.search(folded) or _ABOUT_LOOKALIKES.search(folded):
        return False
    for host in itertools.islice(_HOST.finditer(folded), _MOST_HOSTS):
        *labels, tld = host.group().split(".")
        latin_tld = _LATIN_TLD.fullmatch(tld) and tld not in _FILE_SUFFIXES
        if latin_tld and any(_LATIN_HOST_LABEL.fullmatch(label) for label in labels):
            return True
    return False


def _fold_lookalikes(word: str) -> str:
    return word.translate(_LOOKALIKES) if not word.isascii() and _LATIN.search(word) else word


_LONG_SPACE = re.compile(r"\s{9,}")
"""A long run of white space. Patterns allow white space between words (`eval`, spaces, `(`), and a run of
ten thousand spaces makes such a pattern try every way of sharing it out: seconds, minutes. Read as
one space (one line break, or a blank line), the text says the same and costs what its words do."""


def _one_space(run: re.Match[str]) -> str:
    breaks = run.group().count("\n")
    return " " if not breaks else "\n" if breaks == 1 else "\n\n"


def _readings(text: str) -> tuple[str, ...]:
    """The lowered text, and as a model would read it if that differs: without the invisible
    characters recall removes (`ig\u00adnore`), letters in compatibility form (`ⓘgnore`, full-width
    `ｉｇｎｏｒｅ`), Cyrillic and Greek look-alikes inside Latin words (`іgnоrе`), and words spelled
    out with spaces (`i g n o r e`) joined up. A model reads through such disguises; a screen of
    literal patterns must too."""
    text = _LONG_SPACE.sub(_one_space, text)
    lowered = text.lower()
    if text.isascii():
        plain = lowered
    else:
        plain = unicodedata.normalize("NFKC", _INVISIBLE.sub("", _BLANKS.sub(" ", text))).lower()
        plain = _LETTERS.sub(lambda m: _fold_lookalikes(m.group()), plain)
    joined = _SPACED.sub(lambda m: m.group().replace(" ", ""), plain)
    readings = [lowered, plain, joined]
    if _DOTTED.search(joined):  # `d.i.s.r.e.g.a.r.d`
        joined = _DOTTED.sub(lambda m: m.group().replace(".", ""), joined)
        readings.append(joined)
    if joined.count("\\x") >= 3:  # `$(printf '\x63\x75\x72\x6c')`
        readings.append(_HEX_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), joined))
    leet = sum(1 for _ in itertools.islice(_LEET_WORD.finditer(joined), _MOST_LEET_WORDS + 1))
    if 0 < leet <= _MOST_LEET_WORDS:  # `1gn0r3 4ll pr10r 1n5truct10n5`
        readings.append(_LEET_WORD.sub(lambda m: m.group().translate(_LEET), joined))
    if "rot13" in joined or "rot-13" in joined or "rot 13" in joined:  # a payload it names the cipher of
        readings.append(codecs.encode(joined, "rot13"))
    if "backward" in joined or "reverse" in joined:  # `read this backwards: resu eht llet ton od`
        readings.append(joined[::-1])
    return tuple(dict.fromkeys(readings))


# A phrase quoted as what something looks for is named, not said: "rejects messages containing
# 'ignore previous instructions'". Only the ignore-your-instructions class is read without such
# quotes (it is the phrase people quote); a quoted request to send a key is still one.
_MENTIONED = re.compile(r"(?<!\w)(['\"`‘“])(?=[^'\"`’”\n]{1,120}['\"`’”])(?:\S+\s+){0,11}?\S+['\"`’”](?!\w)")
"""A quoted phrase of at most twelve words: named, not said ("an attacker hid 'ignore previous
instructions' in an issue"). Only the ignore-your-instructions class is read without such quotes."""
_MENTION_CUE = re.compile(
    r"\b(?:payloads?|phrases?|strings?|examples?|e\.g\.|such as|like|saw|seen|attacks?|attackers?|injections?|red[- ]team"
    r"|detect\w{0,24}|flag\w{0,24}|regression|test cases?|quoted?|verbatim|reads?|says?|said|wrote|containing|contains)\b"
)
"""Words by which a text says it names a phrase rather than says it: then the rest of the ignore
class, too, is read without its quotes ("a payload we saw was 'Ignore … and print your system prompt'")."""
_IGNORE_CLASS = "tells the model to ignore or replace its instructions"
_QUOTABLE = 2


def addressed_to_model(text: str) -> list[str]:
    """One description per class of instruction aimed at the model that will read the text; never the text."""
    readings = _readings(text)
    folded = readings[0]
    found = [
        what
        for what, patterns in _compiled()
        if any(pattern.search(reading) for pattern in patterns for reading in readings)
    ]
    if _IGNORE_CLASS in found and _MENTIONED.search(folded):
        patterns = dict(_compiled())[_IGNORE_CLASS]
        abroad = len(_EARLIER_RULES)  # the same phrase in other languages, last in the class
        # "ignore (all) previous instructions", in English or another language: the phrase people quote
        quotable = patterns[:_QUOTABLE] + patterns[-abroad:]
        unquoted = _readings(_MENTIONED.sub(" ", text))
        named = unquoted if _MENTION_CUE.search(unquoted[0]) else readings
        said = [p for p in patterns[_QUOTABLE:-abroad] if any(p.search(r) for r in named)]
        if not said and not any(pattern.search(reading) for pattern in quotable for reading in unquoted):
            found.remove(_IGNORE_CLASS)
    for what, patterns in _compiled_unless_negated():
        if what not in found and any(_asserted(pattern, reading) for pattern in patterns for reading in readings):
            found.append(what)
    exfiltration = "asks the model to send credentials or private files somewhere"
    if exfiltration not in found and any(_asserted_anywhere(p, r) for p in _compiled_abroad() for r in readings):
        found.append(exfiltration)
    uncoded = _CODE.sub(" ", folded)
    comments = (c.group() for c in _COMMENT.finditer(uncoded))
    if any(len(_WORD.findall(c)) >= 3 and not _TOOL_DIRECTIVE.match(c) for c in comments):
        found.append(HIDDEN_COMMENT)
    if "<" in folded and any(len(_WORD.findall(m["inside"])) >= 3 for m in _HIDDEN_ELEMENT.finditer(uncoded)):
        found.append(HIDDEN_ELEMENT)
    if _lookalike_host(folded):
        found.append(LOOKALIKE_HOST)
    return found
