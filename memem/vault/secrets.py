"""Credentials in text: found by kind, named without being echoed, redacted before text is sent out.

A note is synced wherever the vault goes and recalled into prompts, so memem refuses to write one
holding a secret (`memem.memory.screen`), redacts them from what it sends to a model for mining, and
marks a note that arrived holding one (an edit, a sync, a team's pull) so that recall never puts it
into a prompt (`memem.vault.withheld`).

Secrets are found by Yelp's detect-secrets plugins (their provider patterns and the keyword
detector) plus memem's own rules for the formats and contexts those miss. Only the plugins' pure
`analyze_string` is called: `scan_line` and `transient_settings` rewrite detect-secrets' process-wide
settings on every call, which the daemon (screening saves from several threads) cannot afford.
detect-secrets is imported on first use.
"""

from __future__ import annotations

import base64
import binascii
import functools
import itertools
import json
import math
import re
import string
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from memem.vault.literals import Gated

if TYPE_CHECKING:
    from detect_secrets.plugins.base import RegexBasedDetector
    from detect_secrets.plugins.keyword import KeywordDetector

# --- secrets: what a credential looks like -------------------------------------------------------

_ASSIGNMENT = "password, token or key assignment"

# Values that stand in for a secret in docs, templates and test fixtures.
_PLACEHOLDER_WORDS = frozenset(
    """password passw0rd pass passwd secret secrets token key apikey api_key test testing tests
    postgres mysql root admin administrator guest user username login none null nil true false
    undefined empty default changeme changeit foo bar baz qux foobar hello world sample
    mysecret mypassword mytoken yourpassword yourtoken letmein qwerty abc123 123456 12345678""".split()
)
_PLACEHOLDER_PARTS = re.compile(
    r"(?i)example|placeholder|dummy|redacted|changeme|your[-_ ]|<[^>]*>|\{\{|\*{3}|\.{3}|^\[|^%\w+%$|^\$"
)
# A value made of words and short numbered words (`created_at`, `release-2024`, `python3.11`) is an
# identifier a person typed, not a generated credential.
_READABLE_PART = re.compile(r"[a-z]+|[A-Z]+|[A-Z][a-z]+|\d+|[a-z]{1,6}\d{1,4}|\d{1,4}[a-z]{1,6}|v\d+")
_TOKEN_CHARS = re.compile(r"[A-Za-z0-9_\-+/=.~]{0,512}")  # bounded: a crafted run of prefixes must not cost n²
_EDGE_JUNK = "\"'`=:,;.!?)]}>"


def _entropy(value: str) -> float:
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def _is_placeholder(value: str) -> bool:
    if value.lower() in _PLACEHOLDER_WORDS or _PLACEHOLDER_PARTS.search(value):
        return True
    if "://" in value:  # a webhook URL's secret is its last part: `…/services/T000/B000/XXXXXXXX` is a doc's
        tail = value.rstrip("/").rsplit("/", 1)[-1]
        return len(tail) >= 4 and _is_placeholder(tail)
    # `xxxxxxxx`, `********`, `AKIA0000000000000000`: one character fills most of it.
    return max(Counter(value).values()) > 0.4 * len(value)


def _is_readable(value: str) -> bool:
    return all(_READABLE_PART.fullmatch(part) for part in re.split(r"[-_.:/@+]+", value) if part)


_NOT_SECRET_PREFIXES = ("SHA256:", "SHA1:", "MD5:", "ENC[")
"""An SSH host key's fingerprint, a value encrypted by sops: they are made to be shown and committed."""


_CODE_REFERENCE = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+|[\w.]*[(\[].*")
"""`getpass.getpass(`, `settings.DB_PASSWORD`, `load_key()`, `os.environ[`: code that reads a secret."""

_BUILD_WORDS = frozenset(
    "linux windows macos darwin ubuntu deps dependencies cache pip poetry npm yarn pnpm node python uv venv cargo"
    " rust gradle maven go gems bundler composer conda docker buildx ccache sccache nuget bun build".split()
)
_HASH_LENGTHS = frozenset((32, 40, 56, 64, 96, 128))


def _is_content_address(value: str) -> bool:
    """A build or cache key: readable words naming what was built, then a digest of its inputs
    (`deps-Linux-<sha256>`, `poetry-3.11-<sha256>`), the shape CI caches and lockfiles are keyed by."""
    *words, digest = re.split(r"[-_.:/@+]+", value)
    return (
        len(digest) in _HASH_LENGTHS
        and all(c in "0123456789abcdef" for c in digest.lower())
        and bool(words)
        and all(_READABLE_PART.fullmatch(word) for word in words if word)
        and any(word.lower() in _BUILD_WORDS for word in words)
    )


def _is_concrete(value: str) -> bool:
    """A password someone actually set: long enough, not a placeholder or a reference."""
    from detect_secrets.filters import heuristic

    return (
        len(value) >= 6
        and not value.startswith(_NOT_SECRET_PREFIXES)
        and not _is_placeholder(value)
        and not (_CODE_REFERENCE.fullmatch(value) and not any(c.isdigit() for c in value.split("(")[0]))
        and not heuristic.is_templated_secret(value)
        and not heuristic.is_not_alphanumeric_string(value)
        and not heuristic.is_sequential_string(value)
    )


def _is_random(value: str) -> bool:
    """A generated credential, as opposed to a word, identifier, version or path after `=`.

    Entropy only counts here, in an assignment context: on its own it flags every hash and UUID.
    """
    from detect_secrets.filters import heuristic

    if len(value) < 8 or not _is_concrete(value) or _is_readable(value) or heuristic.is_potential_uuid(value):
        return False
    if _is_content_address(value) or value.startswith(("pk.", "pk_live_", "pk_test_")):
        return False  # a build key, or a key published by design (Mapbox, Stripe publishable)
    # `~/…` and `./…` are paths; a leading `/` may be base64, so `/home/…` is left to readability.
    if value.startswith(("~/", "./", "../")) or "://" in value or value.startswith(_NOT_SECRET_PREFIXES):
        return False
    has_digit = any(c.isdigit() for c in value)
    has_alpha = any(c.isalpha() for c in value)
    classes = sum(1 for test in (str.islower, str.isupper, str.isdigit) if any(test(c) for c in value))
    classes += any(not c.isalnum() for c in value)
    return (
        (has_digit and has_alpha)
        or (len(value) >= 16 and classes >= 3)
        or (len(value) >= 20 and _entropy(value) >= 4.0)
    )


def _is_chosen_password(value: str) -> bool:
    """A value set for a name that says it is a password: a person's choice, so words count too
    (`summer2024`, `correcthorsebattery`), but not a word of prose (`required`), a reference
    (`$DB_PASS`, `${{ secrets.X }}`), a path or a placeholder. A UUID counts: under a name like
    `HEROKU_API_KEY` or `client_secret` it is the credential, not an id."""
    if not _is_concrete(value):
        return False
    if (
        value.startswith(("~/", "./", "../", "/", "$"))
        or value == "~"
        or re.fullmatch(r"%\w+%", value)
        or "://" in value
    ):
        return False
    has_digit = any(c.isdigit() for c in value)
    has_symbol = any(c in "!@#$%^&*+=?~" for c in value)
    return has_digit or has_symbol or len(value) >= 12 or _is_random(value)


def _is_password_hash(value: str) -> bool:
    """`$2y$10$<53 characters>`: a crypt(3) hash of a real password (an htpasswd or shadow line),
    which an offline attack turns back into it; `$2y$10$...` in docs has no body."""
    body = value.rsplit("$", 1)[-1]
    return len(body) >= 16 and not _is_placeholder(body)


def _is_typed_password(value: str) -> bool:
    """A password given without `is` or `:` ("password Uepz1416!", "as ops with miM0n_dN"): not
    words, and with a digit or a symbol, so "password authentication" and a test's 'test-password'
    are not one."""
    return (
        _is_chosen_password(value)
        and not _is_readable(value)
        and any(c.isdigit() or c in "!@#$%^&*+=?~_-" for c in value.strip("-"))
    )


def _is_chosen_key(value: str) -> bool:
    """A value under a name like `api_key` or `client_secret`: generated, or chosen with a digit in it
    (`live_prod_key_2024`); plain words are a label (`SECRET_KEY = 'django-insecure-test-only'`)."""
    return _is_chosen_password(value) and (not _is_readable(value) or any(c.isdigit() for c in value))


def _not_placeholder(value: str) -> bool:
    return not _is_placeholder(value)


def _has_key_body(block: str) -> bool:
    """A key block with key material in it, not a docs skeleton (`-----BEGIN … KEY-----\n...`)."""
    return re.search(r"[A-Za-z0-9+/]{20,}", block) is not None


def _decodes_to_credentials(value: str) -> bool:
    """`Basic <value>` carries `user:password` in base64; `Basic auth` and other prose do not decode so."""
    try:
        return b":" in base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
    except (binascii.Error, ValueError):
        return False


# --- secrets: memem's own rules --------------------------------------------------------------------


@dataclass(frozen=True)
class _Rule:
    """A named pattern; `group` is the part that is the secret, `check` what that part must pass to be one.

    A `folded` pattern is written in lower case and searched for in the text with ASCII letters
    lowered: `re.IGNORECASE` would make `re` try the pattern at every position instead of scanning
    for its first characters, several times slower on a long note.
    """

    what: str
    pattern: Gated
    """Searched only in a text holding one of the literals every match contains (`needs`, where the
    regex engine cannot find the pattern's start by a literal prefix and would otherwise try it at
    every position of a long note)."""
    group: int = 0
    check: Callable[[str], bool] = _not_placeholder
    folded: bool = False


def _rule(
    what: str,
    pattern: str,
    group: int = 0,
    check: Callable[[str], bool] = _not_placeholder,
    *,
    folded: bool = False,
    flags: int = 0,
    needs: tuple[str, ...] = (),
) -> _Rule:
    return _Rule(what, Gated(pattern, flags, needs), group, check, folded)


_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def _fold(text: str) -> str:
    """The text with letters lowered and every character where it was, so spans carry over."""
    folded = text.lower()
    # A few letters lower to two characters (`İ`); then only ASCII is lowered.
    return folded if len(folded) == len(text) else text.translate(_ASCII_LOWER)


# Names that say their value is something a person chose and must keep: a readable value counts.
_NAME_FOR_PASSWORD = r"(?:[a-z0-9]+_)*(?:pass(?:word|wd|phrase)?|pwd)"
_NAME_FOR_KEY = (
    r"(?:[a-z0-9]+_)*(?:secret|secret_key|api_?key|private_key|access_key|client_secret|auth_token|access_token)"
)
_NAME_FOR_SECRET = r"(?:[a-z0-9]+_)*(?:pass(?:word|wd|phrase)?|pwd|token|key|secret|api_?key|credentials?|auth|dsn|secret_key_base)|[a-z0-9_]*pass(?:word|wd)"
_IN_EVERY_NAME = ("pass", "pwd", "token", "key", "secret", "credential", "auth", "dsn")
"""Each name either pattern above can match contains one of these."""

# Provider formats detect-secrets lacks (or matches too narrowly), and secrets recognisable only by
# where they stand: assignments, headers, command lines, prose, credential files. Patterns start
# with a literal where they can (see `_glued` for their left boundary).
_RULES: tuple[_Rule, ...] = (
    _rule("private key", r"-{4,5} ?BEGIN ([A-Z0-9 ]*)PRIVATE KEY( BLOCK)? ?-{4,5}(?:[ \t]*\n(?:[\w-]+: [^\n]*\n)*[ \t]*\n)?.*?(?:-{4,5} ?END \1PRIVATE KEY\2 ?-{4,5}|\n[ \t]*\n|\Z)", check=_has_key_body, flags=re.S),
    _rule("private key", r"-----BEGIN OpenVPN Static key V1-----\s*(?:[0-9a-f]{32}\s*){4,}"),
    _rule("private key", r"private_?key\s*[=:]\s*['\"]?([a-z0-9+/]{42,43}=)", 1, folded=True),  # WireGuard
    _rule("private key", r"PuTTY-User-Key-File-\d:.*?(?:Private-MAC: *\w+|\n[ \t]*\n|\Z)", check=_has_key_body, flags=re.S),
    _rule("Anthropic API key", r"sk-ant-[a-z]{3,6}\d{2}-[A-Za-z0-9_\-]{20,}|sk-ant-[A-Za-z0-9_\-]{32,}"),
    _rule("OpenAI API key", r"sk-(?:proj|svcacct|admin|None)-[A-Za-z0-9_\-]{20,}|sk-[A-Za-z0-9]{48}\b"),
    _rule("GitHub token", r"github_pat_[A-Za-z0-9_]{40,}"),
    _rule("Google API key", r"AIza[0-9A-Za-z_\-]{35}(?![\w-])"),
    _rule("Google OAuth client secret", r"GOCSPX-[A-Za-z0-9_\-]{20,}"),
    _rule("Hugging Face token", r"hf_[A-Za-z0-9]{30,}\b"),
    _rule("npm token", r"npm_[A-Za-z0-9]{36}\b"),
    _rule("PyPI token", r"pypi-AgE[A-Za-z0-9_\-]{50,}"),
    _rule("Slack token", r"xox(?:[abposrc]|e\.xox[bp])-[A-Za-z0-9\-]{10,}|xapp-\d-[A-Za-z0-9\-]{20,}"),
    _rule("Stripe key", r"(?:sk|rk)_test_[A-Za-z0-9]{20,}"),
    _rule("Stripe webhook secret", r"whsec_[A-Za-z0-9+/=]{24,}"),
    _rule("DigitalOcean token", r"do[opr]_v1_[a-f0-9]{64}\b"),
    _rule("HashiCorp Vault token", r"hv[sbr]\.[A-Za-z0-9_\-]{24,}"),
    _rule("Telegram bot token", r"/bot(\d{8,10}:AA[A-Za-z0-9_\-]{33})(?![\w-])", 1),  # detect-secrets misses it glued to /bot
    _rule("Discord bot token", r"[MNO][A-Za-z0-9_\-]{23,27}\.[A-Za-z0-9_\-]{6}\.[A-Za-z0-9_\-]{27,40}(?![\w-])"),
    _rule("Shopify token", r"shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}\b"),
    _rule("Atlassian API token", r"ATATT3[A-Za-z0-9_\-=]{30,}"),
    _rule("Linear API key", r"lin_(?:api|oauth)_[A-Za-z0-9]{40}\b"),
    _rule("Notion token", r"(?:secret_[A-Za-z0-9]{43}|ntn_[A-Za-z0-9]{40,50})\b"),
    _rule("Postman API key", r"PMAK-[a-f0-9]{24}-[a-f0-9]{34}\b"),
    _rule("Databricks token", r"dapi[a-f0-9]{32}(?:-\d)?\b"),
    _rule("Doppler token", r"dp\.(?:st|sa|ct|scim|audit|pt)\.(?:[a-z0-9_\-]{2,35}\.)?[A-Za-z0-9]{40,44}\b"),
    _rule("Pulumi access token", r"pul-[a-f0-9]{40}\b"),
    _rule("age secret key", r"AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{50,}"),
    _rule("Google OAuth access token", r"ya29\.[A-Za-z0-9_\-]{30,}"),
    _rule("Discord webhook", r"discord(?:app)?\.com/api/webhooks/\d{17,20}/([A-Za-z0-9_\-]{60,})", 1),
    _rule("Tailscale key", r"tskey-(?:auth|api|client|scim|webhook)-[A-Za-z0-9]{6,}-[A-Za-z0-9]{20,}"),
    _rule("PlanetScale token", r"pscale_(?:pw|tkn|oauth)_[A-Za-z0-9_\-.]{32,64}"),
    _rule("Replicate API token", r"r8_[A-Za-z0-9]{32,40}\b"),
    _rule("Groq API key", r"gsk_[A-Za-z0-9]{40,60}\b"),
    _rule("Facebook access token", r"EAA[B-Z][A-Za-z0-9]{96,}"),
    _rule("Grafana token", r"glc_[A-Za-z0-9+/]{32,400}={0,2}|glsa_[A-Za-z0-9]{32}_[a-fA-F0-9]{8}\b"),
    _rule("New Relic key", r"NR(?:AK|AA|II|JS)-[A-Za-z0-9]{19,27}\b"),
    _rule("Mailgun API key", r"key-[a-f0-9]{32}\b"),
    _rule("Azure client secret", r"(?<![\w~.\-])[A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.\-]{31,34}(?![\w~.\-])", needs=("Q~",)),
    _rule("Alibaba Cloud access key", r"\bLTAI[A-Za-z0-9]{12,24}\b"),
    _rule("Airtable token", r"\bpat[A-Za-z0-9]{14}\.[a-f0-9]{64}\b"),
    _rule("Braintree access token", r"access_token\$(?:production|sandbox)\$[a-z0-9]{16}\$[a-f0-9]{32}"),
    _rule("Firebase Cloud Messaging server key", r"\bAAAA[A-Za-z0-9_\-]{7}:APA91b[A-Za-z0-9_\-]{100,}"),
    _rule("Docker Hub token", r"\bdckr_(?:pat|oat)_[A-Za-z0-9_\-]{20,}"),
    _rule("Bitbucket app password", r"\bATBB[A-Za-z0-9_=.\-]{28,}"),
    _rule("Netlify token", r"\bnfp_[A-Za-z0-9]{36,}\b"),
    _rule("Heroku API key", r"\bHRKU-[A-Za-z0-9_\-]{20,}"),
    _rule("Supabase access token", r"\bsbp_(?:v0_)?[a-f0-9]{40}\b"),
    _rule("RubyGems API key", r"\brubygems_[a-f0-9]{48}\b"),
    _rule("Terraform Cloud token", r"\b[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=\-]{60,}", needs=(".atlasv1.",)),
    _rule("1Password service account token", r"\bops_eyJ[A-Za-z0-9+/=_\-]{60,}"),
    _rule("New Relic key", r"\b[a-f0-9]{36}NRAL\b", needs=("NRAL",)),
    _rule("API key (sk-)", r"\bsk-(?!ant-|proj-|svcacct-|admin-|None-)[A-Za-z0-9]{32,}\b"),
    _rule("Okta API token", r"\bSSWS\s+(00[A-Za-z0-9_\-]{38,42})\b", 1),
    _rule("private key", r"[\"']d[\"']\s*:\s*[\"']([A-Za-z0-9_\-]{32,})[\"']", 1, _is_random, needs=('"kty"', "'kty'")),  # a JWK's private part
    _rule("private key", r"untrusted comment: [^\n]*secret key\s*\n\s*(RW[A-Za-z0-9+/=]{60,})", 1),  # minisign
    _rule("session cookie", r"(?:^|[\s;,'\"])(?:session(?:id)?|sessid|phpsessid|jsessionid|connect\.sid|_session|sid|auth_token|remember_token)=([A-Za-z0-9%._\-+/=:]{20,})", 1, _is_random, folded=True, needs=("=",)),
    _rule("recovery codes", r"recovery codes?[^\n]{0,60}?:?\s*\n?(?:[ \t]*[-*]?[ \t]*[a-z0-9]{4,5}-?[a-z0-9]{4,5}[ \t]*\n){3,}", folded=True),
    _rule("wallet seed phrase", r"(?:seed|recovery|mnemonic|secret)\s+(?:phrase|words)[^\n]{0,40}?[:=]\s*((?:[a-z]{3,8}\s+){11,23}[a-z]{3,8})\b", 1, folded=True),
    _rule("Asana token", r"\b[012]/\d{16}/\d{16}:[a-f0-9]{32}\b|\b0/[a-f0-9]{32}\b"),
    _rule("Fly.io token", r"\bFlyV1 fm[12]_[A-Za-z0-9_\-+/=]{40,}"),
    _rule("LaunchDarkly key", r"\b(?:sdk|mob)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"),
    _rule("RPC URL key", r"(?:alchemy\.com/v2|infura\.io/v3|quiknode\.pro)/([A-Za-z0-9_\-]{24,})", 1),
    _rule("API key in a client's constructor", r"\b\w+\.(?:Client|AsyncClient|OpenAI|Anthropic|Groq|Mistral)\(\s*(?:api_key\s*=\s*)?[\"']([A-Za-z0-9_\-.]{20,})[\"']", 1, _is_random, needs=("Client(", "OpenAI(", "Anthropic(", "Groq(", "Mistral(")),
    _rule("token on a command line", r"\b(?:wandb|huggingface-cli|hf|vercel|netlify|flyctl|fly|heroku|doctl|glab|snyk|railway)\s+(?:auth\s+)?login\b[^\n|;&]{0,40}?\s([A-Za-z0-9_\-]{32,})\b", 1, _is_random),
    _rule("private key (without its header)", r"\bMII[A-Za-z0-9+/]{2,3}AIBAAK[A-Za-z0-9+/]{40,}|\bMII[A-Za-z0-9+/]{2,3}IBADANBgkqhkiG9w0BAQEFAAS[A-Za-z0-9+/]{40,}|\bMHcCAQEE[A-Za-z0-9+/]{40,}"),
    _rule("password hash", r"(?:^|(?<=[\s:'\"`]))(\$(?:2[abxy]?|apr1|1|5|6|y|gy|7|argon2(?:id|i|d))\$[^\s:'\"`]{20,})", 1, _is_password_hash, needs=("$",)),
    _rule("Square token", r"(?:sq0atp-[A-Za-z0-9_\-]{22}|sq0csp-[A-Za-z0-9_\-]{43}|EAAA[A-Za-z0-9_\-]{60})(?![\w-])"),
    _rule("Sentry DSN", r"https?://([a-f0-9]{32}:[a-f0-9]{32})@[\w.\-]+(?::\d+)?/\d+", 1),  # a key alone is public
    _rule("Twilio auth token", r"twilio[\w\-]{0,20}?(?:auth|secret)[\w\-]{0,10}?['\"]?\s*[:=]\s*['\"]?([a-f0-9]{32})\b", 1, folded=True),
    _rule("AWS secret access key", r"aws[\w.\- ]{0,20}?(?:secret|private)[\w.\- ]{0,20}?['\"]?\s*[:=]\s*['\"]?([a-z0-9/+]{40})(?![a-z0-9/+=])", 1, folded=True),
    _rule("Azure SAS token", r"[?&]sig=([A-Za-z0-9%+/]{20,}(?:%3[dD]|=){0,2})", 1, _is_random),
    _rule("password in a URL", r"://:([^\s@/:'\"]{6,})@", 1, _is_concrete),
    _rule("password in a URL", r"\b[a-z][a-z0-9+.\-]{1,20}://[^\s:/@'\"`]{1,64}(?:@[\w.\-]+)?:([^\s@/'\"`]{6,128})@[\w.\-\[]", 1, _is_concrete, folded=True, needs=("://",)),
    _rule("HTTP Basic credentials", r"basic\s+([a-z0-9+/]{8,}={0,2})(?![\w+/=])", 1, _decodes_to_credentials, folded=True),
    _rule("bearer token", r"bearer\s+([a-z0-9\-._~+/]{16,}=*)", 1, _is_random, folded=True),
    _rule("kubeconfig credential", r"(?:client-key-data|client-certificate-data)\s*:\s*['\"]?([A-Za-z0-9+/]{20,}={0,2})", 1),
    _rule("Rails secret key base", r"secret_key_base['\"]?\s*[=:]\s*['\"]?([^\s'\"]{16,})", 1, _is_random, folded=True),
    _rule(_ASSIGNMENT, rf"(?<![\w$.\-])['\"]?(?:export\s+|set\s+|\$env:)?(?:{_NAME_FOR_SECRET})(?<!public_key)(?<!publishable_key)(?<!pub_key)['\"]?[ \t]*(?::=|=|:)[ \t]*['\"]?([^\s'\"`,;]+)", 1, _is_random, folded=True, needs=_IN_EVERY_NAME),
    _rule(_ASSIGNMENT, rf"(?<![\w$.\-])['\"]?(?:export\s+|set\s+|\$env:)?(?:{_NAME_FOR_PASSWORD})['\"]?[ \t]*(?::=|=|:)[ \t]*['\"]?([^\s'\"`,;]+)", 1, _is_chosen_password, folded=True, needs=_IN_EVERY_NAME),
    _rule(_ASSIGNMENT, rf"(?<![\w$.\-])['\"]?(?:export\s+|set\s+|\$env:)?(?:{_NAME_FOR_KEY})['\"]?[ \t]*(?::=|=|:)[ \t]*['\"]?([^\s'\"`,;]+)", 1, _is_chosen_key, folded=True, needs=_IN_EVERY_NAME),
    _rule(_ASSIGNMENT, r"(?<![\w$.\-])['\"]?(?:export\s+)?[a-z0-9]+(?:_[a-z0-9]+)*_(?:token|secret|api_?key|key)['\"]?[ \t]*(?::=|=|:)[ \t]*['\"]?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b", 1, folded=True, needs=("_",)),
    _rule("password on a command line", r"(?:mysql|mysqldump|mysqladmin|mysqlimport|mysqlsh|mysqlcheck|mariadb|mariadb-dump)\b[^\n|;&]{0,200}?\s(?:-p|--password=)(['\"]?)([^\s'\"`]+)\1", 2, _is_concrete),
    _rule("password on a command line", r"(?:PGPASSWORD|MYSQL_PWD)=(['\"]?)([^\s'\"`]+)\1", 2, _is_concrete),
    _rule("password on a command line", r"sshpass\s+-p\s*(['\"]?)([^\s'\"`]+)\1", 2, _is_concrete),
    _rule("password on a command line", r"\bldap\w*\b[^\n|;&]{0,200}?\s-w\s*(['\"]?)([^\s'\"`]+)\1", 2, _is_concrete),
    _rule("password on a command line", r"(?:jdbc:oracle:\w+:|sqlplus\s+(?:-s\s+)?)[\w$.\-]+/([^\s@/'\"]{6,})@", 1, _is_concrete),
    _rule("password on a command line", r"convertto-securestring\s+(['\"])([^'\"\n]{6,})\1\s+-asplaintext", 2, _is_concrete, folded=True),
    _rule("password on a command line", r"\bnet\s+use\b[^\n]{0,120}?/user:\S+\s+(['\"]?)([^\s'\"]{6,})\1", 2, _is_concrete, folded=True),
    _rule("password in a config file", r"<(password|passwd|passphrase|secret|token|apikey|api_key|client_secret|private_key)>\s*([^<\s]{6,})\s*</\1>", 2, _is_concrete, folded=True),
    _rule("password in a config file", r"<add\s+key=[\"'][\w.:-]*(?:password|secret|apikey|api_key|token|connectionstring)[\w.:-]*[\"']\s+value=[\"']([^\"']{8,})[\"']", 1, _is_chosen_password, folded=True),
    _rule("password in a config file", r"define\(\s*['\"]\w*(?:password|secret|key|salt|token)\w*['\"]\s*,\s*['\"]([^'\"]{8,})['\"]\s*\)", 1, _is_chosen_password, folded=True),
    _rule("password on a command line", r"(?:docker|podman|nerdctl|buildah|skopeo|oras|helm\s+registry)\s+login\b[^\n|;&]{0,200}?\s(?:-p|--password)(?:=|\s+)(['\"]?)([^\s'\"`]+)\1", 2, _is_concrete),
    _rule("password on a command line", r"redis-cli\b[^\n|;&]{0,200}?\s-a\s+(['\"]?)([^\s'\"`]+)\1", 2, _is_concrete),
    _rule("password on a command line", r"curl\b[^\n|;&]{0,200}?\s(?:-u|--user)\s*['\"]?[^\s:'\"]+:([^\s'\"`@]+)", 1, _is_concrete),
    _rule("password on a command line", r"--(?:password|passwd|pass|api-key|apikey|token|secret|client-secret|auth-token)(?:=|\s+)(['\"]?)([^\s'\"`-][^\s'\"`]*)\1", 2, _is_random),
    _rule(".netrc password", r"machine\s+\S+\s+login\s+\S+\s+password\s+(\S+)", 1, _is_concrete),
    _rule("password or key stated in the text", r"\b(?:login|credentials|creds|user\s*/\s*pass(?:word)?)\s*[:=]\s*[\w.@\-]{2,40}\s*/\s*([^\s,;]{6,})", 1, _is_chosen_password, folded=True),
    _rule("password or key stated in the text", r"\buser(?:name)?\s+is\s+[\w.@\-]{2,40}\s*/\s*([^\s,;]{6,})", 1, _is_typed_password, folded=True),
    _rule("password or key stated in the text", r"\buser(?:name)?\s+[\w.@\-]{2,40}\s*[/,]\s*(?:pass(?:word)?|pw|pwd)\s*[:=]?\s*([^\s,;]{6,})", 1, _is_chosen_password, folded=True),
    _rule("password or key stated in the text", r"\b(?:password|passphrase|pw|pwd|pass)\s+for\s+[^\n=:]{1,80}?\s[=:]\s*[`'\"]?([^\s`'\"]{6,})", 1, _is_chosen_password, folded=True),
    _rule("password or key stated in the text", r"\b(?:log ?in(?:to)?|sign(?:ed)? in(?:to)?)\b[^\n]{0,60}?\bas\s+[\w.@\-]{2,40}\s+(?:with|using)\s+(?:password\s+)?[`'\"]?(\S{6,})", 1, _is_typed_password, folded=True),
    _rule("password or key stated in the text", r"\b(?:password|passphrase|passwd|pw|pwd)(?:\s*\([^)\n]{1,40}\))?\s*:?\s+['\"]?([^\s`'\"]{6,})", 1, _is_typed_password, folded=True),
    _rule(
        "password or key stated in the text",
        r"(?:passwort|kennwort|contraseña|contrasena|clave|mot de passe|senha|пароль|密码|口令|パスワード|wachtwoord|hasło|haslo|şifre|sifre|lösenord|salasana|heslo|jelszó|parola)"
        r"[^\n]{0,50}?(?:\s(?:lautet|ist|es|est|é|is|je|är|on|è)\s|[:：=]|は|是)\s*[`'\"]?(\S{6,})",
        1, _is_chosen_password, folded=True,
    ),
    _rule("password or key stated in the text", r"\b(?:changed|set|reset|updated|rotated)\s+(?:the\s+|our\s+|my\s+)?(?:[\w.\-]+\s+){0,3}?(?:password|passphrase|pw|pwd)\s+to\s+[`'\"]?([^\s`'\"]+)", 1, _is_chosen_password, folded=True),
    _rule("password or key stated in the text", r"\b(?:password|passphrase|passcode)\b[^\n]{0,60}?\b(?:is|was|:)\s*[\"“']([^\"”'\n]{8,80})[\"”']", 1, _is_concrete, folded=True),
    _rule(
        "password or key stated in the text",
        r"(?<!public )(?<!search-only )(?<!publishable )(?<!\w)(?:[a-z0-9]+_)*(?:api[ _-]?key|secret[ _-]?key|access[ _-]?key[ _-]?secret|accesskeysecret|client[ _-]?secret|app[ _-]?password|auth[ _-]?token|access[ _-]?token|api[ _-]?token|password|passphrase|secret|token|pat"
        r"|(?:write|admin|server|master|private|service|deploy|signing|license|app|access)[ _-]key)"
        r"(?:\s*\([^)\n]{1,40}\))?(?:\s+(?:for|of|on)\s+(?:the\s+|our\s+)?[\w.\-/@]{1,40}(?:\s+[\w.\-/@]{1,40}){0,3})?(?:\s*\([^)\n]{1,40}\))?[ \t]*:?[ \t]+([A-Za-z0-9+/_~.\-=]{12,})",
        1, _is_random, folded=True, needs=("key", "secret", "token", "pass", "pat"),
    ),
    _rule(
        "password or key stated in the text",
        r"(?:api[ _-]?key|token|secret|password|passphrase)[^\n]{0,30}:[ \t]*\n(?:[ \t]*(?:```|~~~)[\w-]*[ \t]*\n)?[ \t]*([A-Za-z0-9+/=_\-.~]{16,})[ \t]*(?:\n|$)",
        1, _is_random, folded=True,
    ),
    _rule(".netrc password", r"(?m)^[ \t]*login\s+\S+\s+password\s+(\S+)", 1, _is_concrete),
    _rule(".pgpass password", r"(?<![\w:/.\-])(?:\*|(?=[\w.\-]*[A-Za-z])[\w.\-]+):(?:\d{2,5}|\*):[\w.\-*]+:[\w.\-*@]+:([^\s:]+)(?![\w:])", 1, _is_concrete, needs=(":",)),
    _rule(
        "password or key stated in the text",
        r"(?<!\w)(?:password|passphrase|passcode|pwd|pw|pass)\b"
        r"(?:\s+(?:for|on|of|to|at)\s+(?:the\s+)?[\w.\-/@]{1,40}(?:[ \t]+[\w.\-/@]{1,40})?)?"
        r"[ \t]*(?:\bis\b|\bwas\b|:|=)[ \t]*(?:now\s+|still\s+|just\s+|set\s+to\s+|changed\s+to\s+)?[`'\"]?([^\s`'\"]+)",
        1,
        _is_chosen_password,
        folded=True,
    ),
    _rule(
        "password or key stated in the text",
        r"(?<!public )(?<!search-only )(?<!publishable )(?:passcode|api[ _-]?key|access[ _-]?key|secret(?:[ _-]?key)?|token|credentials?)\b"
        r"(?:\s+(?:for|on|of|to|at)\s+(?:the\s+)?[\w.\-/@]{1,40}(?:[ \t]+[\w.\-/@]{1,40})?)?"
        r"[ \t]*(?:\bis\b|\bwas\b|:|=)[ \t]*(?:now\s+|still\s+|just\s+|set\s+to\s+|changed\s+to\s+)?[`'\"]?([^\s`'\"]+)",
        1,
        _is_random,
        folded=True,
    ),
)  # fmt: skip


# --- secrets: detect-secrets ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Plugin:
    """A detect-secrets pattern plugin and what memem calls its findings (by value prefix, if it matters)."""

    detector: RegexBasedDetector
    what: str
    by_prefix: tuple[tuple[str, str], ...] = ()
    # Plugins whose patterns start with a lookbehind or ignore case are tried at every position of
    # the text; a fast search of the lowered text for what they cannot match without skips most texts.
    trigger: re.Pattern[str] | None = None

    def name(self, value: str) -> str:
        return next((name for prefix, name in self.by_prefix if value.startswith(prefix)), self.what)


@dataclass(frozen=True)
class _DetectSecrets:
    plugins: tuple[_Plugin, ...]
    keyword: KeywordDetector
    keyword_rules: dict[re.Pattern[str], int]
    keyword_candidate: re.Pattern[str]


@functools.cache
def _detect_secrets() -> _DetectSecrets:
    """The plugins, built once: analyze_string reads only their compiled patterns, so threads can share them.

    Left out: the high-entropy plugins (they flag every git SHA, UUID and hash; entropy is used only
    for assignments, in `_is_random`) and PrivateKeyDetector (it matches the BEGIN line only; the
    `private key` rule takes the whole block, of every PEM flavour, so redaction removes the key).
    """
    from detect_secrets.plugins import (
        artifactory,
        aws,
        azure_storage_key,
        basic_auth,
        cloudant,
        discord,
        github_token,
        gitlab_token,
        ibm_cloud_iam,
        ibm_cos_hmac,
        jwt,
        keyword,
        mailchimp,
        npm,
        openai,
        pypi_token,
        sendgrid,
        slack,
        softlayer,
        square_oauth,
        stripe,
        telegram_token,
        twilio,
    )

    plugins = (
        _Plugin(
            aws.AWSKeyDetector(),
            "AWS secret access key",
            tuple((p, "AWS access key id") for p in ("AKIA", "ASIA", "ABIA", "ACCA", "A3T")),
        ),
        _Plugin(azure_storage_key.AzureStorageKeyDetector(), "Azure storage key"),
        _Plugin(basic_auth.BasicAuthDetector(), "password in a URL"),
        _Plugin(
            cloudant.CloudantDetector(),
            "Cloudant credentials",
            trigger=re.compile(r"cloudant|cl(?:ou)?[_-]?(?:api)?(?:key|pw|pass|token)"),
        ),
        _Plugin(discord.DiscordBotTokenDetector(), "Discord bot token"),
        _Plugin(github_token.GitHubTokenDetector(), "GitHub token"),
        _Plugin(gitlab_token.GitLabTokenDetector(), "GitLab token"),
        _Plugin(
            ibm_cloud_iam.IbmCloudIamDetector(),
            "IBM Cloud IAM key",
            trigger=re.compile(
                r"(?:key|pwd|pass|token)['\"\]]*\s*(?:=|:|=>|\s)\s*['\"]?[a-z0-9_\-]{44}(?![a-z0-9_\-])"
            ),
        ),
        _Plugin(
            ibm_cos_hmac.IbmCosHmacDetector(),
            "IBM Cloud Object Storage key",
            trigger=re.compile(r"secret[-_]?(?:access)?[-_]?key"),
        ),
        # A JWT's payload is a JSON object, so `.eyJ` follows its header.
        _Plugin(jwt.JwtTokenDetector(), "JSON web token", trigger=re.compile(r"\.eyj")),
        _Plugin(mailchimp.MailchimpDetector(), "Mailchimp API key", trigger=re.compile(r"-us\d")),
        _Plugin(npm.NpmDetector(), "npm token", trigger=re.compile(":_authtoken=")),
        _Plugin(openai.OpenAIDetector(), "OpenAI API key", trigger=re.compile("t3blbkfj")),
        _Plugin(pypi_token.PypiTokenDetector(), "PyPI token"),
        _Plugin(sendgrid.SendGridDetector(), "SendGrid API key"),
        _Plugin(slack.SlackDetector(), "Slack token", (("https://", "Slack webhook URL"),)),
        _Plugin(
            softlayer.SoftlayerDetector(),
            "SoftLayer API key",
            trigger=re.compile(r"softlayer|sl[_-]?(?:api)?(?:key|pwd|pass|token)"),
        ),
        _Plugin(square_oauth.SquareOAuthDetector(), "Square token"),
        _Plugin(stripe.StripeDetector(), "Stripe key"),
        _Plugin(telegram_token.TelegramBotTokenDetector(), "Telegram bot token"),
        _Plugin(twilio.TwilioKeyDetector(), "Twilio API key", (("AC", "Twilio account SID"),)),
        _Plugin(
            artifactory.ArtifactoryDetector(),
            "Artifactory token",
            trigger=re.compile(r"akc[a-z0-9]{10}|ap[\da-f][a-z0-9]{8}"),
        ),
    )
    words = "(?:" + "|".join(keyword.DENYLIST) + ")"
    # Notes hold code in any language and config: every rule detect-secrets has for some file type
    # applies, except the two quoted-value variants that the unquoted ones already cover.
    rules: dict[re.Pattern[str], int] = {}
    for table in (keyword.QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP, *keyword.REGEX_BY_FILETYPE.values()):
        rules.update(table)
    del (
        rules[keyword.FOLLOWED_BY_COLON_QUOTES_REQUIRED_REGEX],
        rules[keyword.FOLLOWED_BY_EQUAL_SIGNS_QUOTES_REQUIRED_REGEX],
    )
    return _DetectSecrets(
        plugins=plugins,
        keyword=keyword.KeywordDetector(),
        keyword_rules=rules,
        # Where those rules can match at all (a keyword next to an operator, bracket or quote), found
        # fast in the lowered text; only the lines around these are handed to the detector, whose
        # regexes cost ~3 ms each per 20,000 characters they are given.
        keyword_candidate=re.compile(
            rf"{words}\w{{0,64}}[\]'\"]{{0,2}}\s*(?:[:=!(\[]|\.assign)|{words}\S{{0,50}}?\s*['\"`]|[!=]=\s*\w{{0,64}}{words}"
        ),
    )


# --- secrets: finding them ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Hit:
    what: str
    start: int
    end: int


def _public_by_design(text: str, start: int, value: str) -> bool:
    """Values made to be published: a Twilio account SID (an id; its auth token is the secret), a
    Mapbox public token (`pk.` + a JWT), a Supabase anon key (a JWT whose role is `anon`)."""
    if value.startswith("AC") and len(value) == 34:
        return True
    if text[max(start - 3, 0) : start] == "pk.":
        return True
    if value.startswith("eyJ") and value.count(".") == 2:
        try:
            payload = value.split(".")[1]
            claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        except ValueError:
            return False
        return isinstance(claims, dict) and claims.get("role") == "anon"
    return False


def _plugin_hits(text: str, ds: _DetectSecrets) -> Iterator[_Hit]:
    from detect_secrets.filters import heuristic

    folded = _fold(text)
    for plugin in ds.plugins:
        if plugin.trigger and not plugin.trigger.search(folded):
            continue
        for regex in plugin.detector.denylist:
            for match in regex.finditer(text):
                start, end = _secret_span(match)
                value = text[start:end]
                if not value or heuristic.is_sequential_string(value) or _is_placeholder(value):
                    continue
                if _public_by_design(text, start, value):
                    continue
                if not _glued(text, start):
                    yield _Hit(plugin.name(value), start, _token_end(text, end))


def _secret_span(match: re.Match[str]) -> tuple[int, int]:
    """Where the secret is in a detect-secrets match.

    Its plugins use groups two ways: around the secret within some context (`aws…key = "(…)"`), or
    around a prefix inside the secret (`(ghp|gho)_…`), and its `analyze_string` returns the groups,
    so a GitHub token came back as `ghp`. The longest group is the secret unless it is only a prefix.
    """
    spans = [match.span(n) for n in range(1, (match.re.groups or 0) + 1) if match.span(n)[0] >= 0]
    start, end = max(spans, key=lambda s: s[1] - s[0], default=match.span())
    if end - start < 8:
        start, end = match.span()
    value = match.string[start:end]
    trimmed = value.strip(" \t\"'=:")
    offset = value.index(trimmed) if trimmed else 0
    return start + offset, start + offset + len(trimmed)


def _glued(text: str, start: int) -> bool:
    """A match that starts inside a longer alphanumeric run (a hash, a base64 blob) is part of something else.

    Checked here rather than with a leading `\\b` in each pattern: a pattern that starts with a literal
    is scanned for with a fast search, one that starts with an assertion is tried at every position.
    """
    before, first = text[start - 1 : start], text[start : start + 1]
    # ASCII only: Japanese and Chinese run words together ("本番DBのパスワードは …").
    return start > 0 and first.isascii() and first.isalnum() and before.isascii() and before.isalnum()


def _token_end(text: str, end: int) -> int:
    """Where the token around a match ends: patterns of fixed length (Stripe's 24 characters, JWT's
    lazy signature) stop inside it, and redaction must leave nothing of it behind."""
    tail = _TOKEN_CHARS.match(text, end)
    stop = tail.end() if tail else end
    while stop > end and text[stop - 1] == ".":
        stop -= 1
    return stop


# Long lines are analysed in windows around each candidate; beyond this many candidates a text
# relies on memem's own assignment rule, which finds every occurrence.
_KEYWORD_WINDOW = (60, 240)
_KEYWORD_CANDIDATES = 32


def _keyword_hits(text: str, ds: _DetectSecrets) -> Iterator[_Hit]:
    """detect-secrets' KeywordDetector on the lines (or, in long lines, the windows) where it can match."""
    from detect_secrets.filters import heuristic

    done: set[int] = set()
    for candidate in itertools.islice(ds.keyword_candidate.finditer(_fold(text)), _KEYWORD_CANDIDATES):
        start, end = _keyword_segment(text, candidate.start(), candidate.end())
        if start in done:
            continue
        done.add(start)
        segment = text[start:end]
        for raw in ds.keyword.analyze_string(segment, denylist_regex_to_group=ds.keyword_rules):
            value = raw.split(maxsplit=1)[0].strip(_EDGE_JUNK) if raw.strip() else ""
            if (
                _is_random(value)
                and not heuristic.is_prefixed_with_dollar_sign(value)
                and not heuristic.is_likely_id_string(value, segment, ds.keyword)
                and not heuristic.is_indirect_reference(segment)  # last: it is the slow one
            ):
                at = start + segment.index(value)
                yield _Hit(_ASSIGNMENT, at, at + len(value))


def _keyword_segment(text: str, start: int, end: int) -> tuple[int, int]:
    """The line around a candidate, or a window of it when the line is long: the keyword regexes
    cost time in proportion to what they are given, and a window holds any assignment."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    before, after = _KEYWORD_WINDOW
    if line_end - line_start <= before + after:
        return line_start, line_end
    return max(line_start, start - before), min(line_end, end + after)


def _rule_hits(text: str) -> Iterator[_Hit]:
    folded = _fold(text)
    for rule in _RULES:
        searched = folded if rule.folded else text
        for match in rule.pattern.finditer(searched):
            if _glued(text, match.start()):
                continue
            start, end = match.span(rule.group)
            if rule.group:  # a value runs up to whitespace or a quote; trailing punctuation is prose
                end = start + len(text[start:end].rstrip(_EDGE_JUNK))
            if rule.check(text[start:end]):
                yield _Hit(rule.what, start, end)


def _hits(text: str) -> list[_Hit]:
    """Every secret in the text, the most specific names first: provider formats, then contexts."""
    ds = _detect_secrets()
    return [*_plugin_hits(text, ds), *_rule_hits(text), *_keyword_hits(text, ds)]


def secret_kinds(text: str) -> list[str]:
    """One name per kind of credential in the text (e.g. "GitHub token"), never the text itself."""
    return list(dict.fromkeys(hit.what for hit in _hits(text)))


def redact(text: str) -> str:
    """The text with every secret replaced by `[redacted <kind>]`: for anything sent out for mining.

    Each flagged value is replaced wherever it occurs (longest first, so a value inside another is
    not left half-done), and the screen runs again on the result, a few times at most, so that a
    redacted text does not trip `find_secrets`; one more pass is the norm.
    """
    for _ in range(5):
        hits = _hits(text)
        if not hits:
            break
        values: dict[str, str] = {}
        for hit in hits:
            values.setdefault(text[hit.start : hit.end], hit.what)
        for value in sorted(values, key=len, reverse=True):
            text = text.replace(value, f"[redacted {values[value]}]")
    return text
