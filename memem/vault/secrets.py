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
import bisect
import functools
import itertools
import json
import math
import re
import string
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
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
    r"(?i)example|placeholder|dummy|redacted|changeme|your[-_ ]|<[^<>]*>|\{\{|\*{3}|\.{3}|^\[|^%[\w():]+%$|^\$"
    # a value that tells the reader what to put there, and a YAML tag that fetches it (`!secret db_pw`)
    r"|^(?:generate|replace|change|set|fill|insert|put|enter|paste)[-_](?:with|me|your|this|in|it|a|the|here)\b|[-_]here$"
    r"|^!(?:secret|vault|env|ref|sub|getatt|include)$|^:['\"]?\w+['\"]?;?$"
    # a value that is the name of where the secret is (`password: DB_PASSWORD`, psql's `:'app_password'`)
    r"|^[A-Za-z_]*(?:pass(?:word|wd)?|pwd|secret|token|api_?key)[A-Za-z_]*$"
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


_CODE_REFERENCE = re.compile(r"[A-Za-z_]\w*+(?:\.[A-Za-z_]\w*+)+|[\w.]*+[(\[].*")
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
    if _is_ssh_public_key(value):
        return False  # `key: ssh-ed25519 AAAAC3Nz…`: a public key, made to be handed out
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


_UUID_TEXT = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_UUID = re.compile(_UUID_TEXT)
_APP_PASSWORD = re.compile(r"[a-z]{4}(?:-[a-z]{4}){3}")
"""Apple's app-specific passwords: four groups of four random lower-case letters."""


def _reads_as_identifier(value: str) -> bool:
    """`test_ReturnsCorrectValueWhenInputIs0`, `getUserAccountSettings2`: words run together in camel
    case, a few long runs where a generated value has many short ones."""
    runs = re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])\d*|\d+", value)  # `ImplV2`: a version ends a run
    covered = sum(len(run) for run in runs)
    return bool(runs) and covered >= 0.9 * len(value) and covered / len(runs) >= 4


def _is_random_or_uuid(value: str) -> bool:
    """Under a name that says token or key (`X-Consul-Token:`, `secret_id=`, `--key`), a UUID is the
    credential: Consul, Postmark, Splunk, Opsgenie and Cypress issue their keys in that shape."""
    return _is_random(value) or (_UUID.fullmatch(value.lower()) is not None and not _is_placeholder(value))


def _is_typed_secret(value: str) -> bool:
    """A value typed after a short flag (`-P '…'`, `/p:…`) or as a command's argument: a flag of one
    letter means many things (`-p 8080`, `-A INPUT`, `-X POST`, `-p TAG=v2.3.1`), so only a value that
    reads as generated counts: not words, with a digit, and mixed case or a symbol."""
    if "=" in value[1:].rstrip("="):
        name, _, rest = value.partition("=")
        if len(name) > 1 and re.fullmatch(r"[A-Za-z_][\w.-]*", name):
            value = rest  # a `NAME=value` parameter (or a pin, `scikit-learn==1.3.0`): the value decides
    return (
        len(value) >= 8
        and _is_random(value)
        and not _reads_as_identifier(value)
        and any(c.isdigit() for c in value)
        and (any(c in "!@#$%^&*+=?" for c in value) or (value.lower() != value and value.upper() != value))
    )


# Flags whose name ends in `key` but which name a key, not hold one (`--default-key ABCD1234`, gpg).
_SECRET_KEY_FLAG = re.compile(
    r"(?:api|secret|private|hmac|access|license|auth|account|master|signing|encryption|client|shared|record|app|write|admin)-?key"
)
_UUID_FLAGS = frozenset(
    "key token secret apikey api-key auth-token access-token secret-id client-secret license-key password pass".split()
)


def _is_flag_value_secret(name: str, value: str) -> bool:
    """The value of a long flag named for a credential (`--password`, `-storepass`, `--eab-hmac-key`,
    `-auth user:token`): generated, a UUID where the name is plainly a key, or an app-specific password."""
    name = name.lower().lstrip("-")
    if value.startswith(("env:", "file:", "fd:", "stdin", "keychain:")):
        return False  # openssl's and keytool's way to name where the password is
    if ":" in value and "://" not in value:
        value = value.split(":", 1)[1]  # `user:token`, openssl's `pass:secret`
    if _APP_PASSWORD.fullmatch(value) and "pass" in name:
        return True
    if name.endswith("key") and not _SECRET_KEY_FLAG.search(name) and name != "key":
        return _is_random(value) and not re.fullmatch(r"[0-9A-Fa-f]+", value)
    if name in _UUID_FLAGS:
        return _is_random_or_uuid(value)
    return _is_random(value)


def _is_wif(value: str) -> bool:
    """Bitcoin's wallet import format: base58 (no 0, O, I, l), 51 or 52 characters from 5, K or L."""
    return re.fullmatch(r"[5KL][1-9A-HJ-NP-Za-km-z]{50,51}", value) is not None and _is_random(value)


def _decodes_to_private_key(value: str) -> bool:
    """`LS0tLS1CRUdJTi…` is base64 of `-----BEGIN`: how a key sits in a Kubernetes Secret or a CI
    variable. Only a private key counts; a certificate (`tls.crt`, `certificate-authority-data`) is public."""
    head = re.sub(r"\s+", "", value)[:120]
    head = head[: len(head) // 4 * 4]
    try:
        decoded = base64.b64decode(head, validate=True)
    except (binascii.Error, ValueError):
        return False
    return b"PRIVATE KEY" in decoded and len(value) >= 200


def _is_base32_seed(value: str) -> bool:
    """A TOTP seed typed by hand: base32 (A–Z, 2–7), often in groups of four, with a digit in it."""
    seed = value.replace(" ", "")
    return len(seed) >= 16 and bool(re.fullmatch(r"[A-Z2-7]+=*", seed)) and any(c.isdigit() for c in seed)


def _is_spaced_app_password(value: str) -> bool:
    """WordPress application passwords: six groups of four, upper, lower and digits; a GPG fingerprint
    (upper-case hex) and six short words of prose are not one."""
    groups = value.split()
    return (
        any(c.isdigit() for c in value)
        and any(c.isupper() for c in value)
        and any(c.islower() for c in value)
        and sum(g.isalpha() and g.islower() for g in groups) <= 1
    )


_VOWELS = frozenset("aeiouy")


def _is_spelled_app_password(value: str) -> bool:
    """Google's app passwords: four groups of four random letters (`vpgj frjb jodb ajnn`). Four words
    of prose ("this will make sure") each hold a vowel and no run of three consonants; a random group
    seldom does, so one such group among the four tells them apart."""
    groups = value.split()
    unspeakable = sum(1 for g in groups if not _VOWELS & set(g) or re.search(r"[^aeiouy]{3}", g))
    return unspeakable >= 1 and not _is_placeholder(value.replace(" ", ""))


def _is_url_password(value: str) -> bool:
    """The password of a `scheme://user:password@host` URL. A generated one may hold `/` (openssl's
    base64), but then `host:8080/path/@name` and `git@host:org/repo.git@v1` must not pass: a port
    before the first `/`, or a readable path, is not a password."""
    if "/" not in value:
        return _is_concrete(value)
    head = value.split("/", 1)[0]
    return not (head.isdigit() or not head) and _is_random(value)


_RECOVERY_GROUPS = re.compile(r",[ \t]*|[- ]")


def _is_recovery_code(value: str) -> bool:
    """A code a recovery label names (`7HQ2M-KX9PD-…`, `K7QN W3PX …`, `8413 2291`): groups of one
    length with a digit in them; `2024 edition` after "backup key:" is prose."""
    groups = _RECOVERY_GROUPS.split(value)
    if all(g.isdigit() and len(g) == 4 and g[:2] in ("19", "20") for g in groups):
        return False  # `2019, 2021, 2023`: years
    return (
        len({len(g) for g in groups}) == 1
        and sum(len(g) for g in groups) >= 8
        and any(c.isdigit() for c in value)
        and not _is_placeholder(value.replace(" ", "").replace("-", ""))
    )


_TEST_CARDS = frozenset((
    "4242424242424242", "4111111111111111", "4012888888881881", "5555555555554444", "5105105105105100",
    "2223003122003222", "5200828282828210", "378282246310005", "371449635398431", "6011111111111117",
    "6011000990139424", "3056930009020004", "36227206271667", "3566002020360505", "6200000000000005",
))  # fmt: skip
"""Card numbers payment providers publish for tests: a note about a sandbox holds them."""


def _is_card_number(value: str) -> bool:
    """A payment card's number (13 to 19 digits passing the Luhn check), not one published for tests
    (nor a run of zeros, as the test ranges are: `4000 0000 0000 0077`)."""
    digits = value.replace(" ", "").replace("-", "")
    if not 13 <= len(digits) <= 19 or digits in _TEST_CARDS or digits.count("0") >= len(digits) // 2:
        return False
    total = sum(int(d) if i % 2 == 0 else sum(divmod(int(d) * 2, 10)) for i, d in enumerate(reversed(digits)))
    return total % 10 == 0


_PROSE_WORDS = frozenset(
    """the and for not are was were has have had will can its our your you they them this that with from
    into onto than then when where which what who how but also only just still never always every each
    any all some one two three set kept stored used needed required shown sent given same different
    long short strong weak secret random unique known private public written saved typed""".split()
)


def _is_spoken_passphrase(value: str) -> bool:
    """Words given as a passphrase ("… passphrase is correct horse battery staple"), not a sentence
    about one ("the passphrase is never stored anywhere"): no function words, no -ed/-ing/-ly words."""
    words = re.split(r"[ -]", value)
    return not any(w in _PROSE_WORDS or w.endswith(("ed", "ing", "ly")) for w in words)


_SSH_KEY_TYPE = re.compile(
    r"(?:sk-)?(?:ssh-(?:ed25519|ed448|rsa|dss)|ecdsa-sha2-nistp(?:256|384|521))(?:-cert-v01)?(?:@openssh\.com)?"
)
_SSH_BODY_TYPES = (b"ssh-", b"ecdsa-", b"sk-ssh-", b"sk-ecdsa-")


def _is_ssh_public_key(value: str) -> bool:
    """An SSH public key's type name (`ssh-ed25519`) or body (`AAAAC3Nz…`: base64 of a length and that
    name): what `authorized_keys` and a deploy key's settings hold, public by design."""
    if _SSH_KEY_TYPE.fullmatch(value):
        return True
    if not value.startswith("AAAA") or len(value) < 24:
        return False
    try:
        head = base64.b64decode(value[:24], validate=True)
    except (binascii.Error, ValueError):
        return False
    return head[4:].startswith(_SSH_BODY_TYPES)


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
    near: re.Pattern[str] | None = None
    """What the line before the match must end with (searched in the folded text when `folded`): a
    rule found by a frequent literal (`?code=`) and judged by its context (a login link's path)."""


def _rule(
    what: str,
    pattern: str,
    group: int = 0,
    check: Callable[[str], bool] = _not_placeholder,
    *,
    folded: bool = False,
    flags: int = 0,
    needs: tuple[str, ...] = (),
    near: str | None = None,
) -> _Rule:
    return _Rule(what, Gated(pattern, flags, needs), group, check, folded, re.compile(near) if near else None)


_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def _fold(text: str) -> str:
    """The text with letters lowered and every character where it was, so spans carry over."""
    folded = text.lower()
    # A few letters lower to two characters (`İ`); then only ASCII is lowered.
    return folded if len(folded) == len(text) else text.translate(_ASCII_LOWER)


# Names that say their value is something a person chose and must keep: a readable value counts.
_NAME_FOR_PASSWORD = r"(?:[a-z0-9]+_+){0,8}(?:pass(?:word|wd|phrase)?|pwd|authtok|psk|presharedkey)"
_NAME_FOR_KEY = (
    r"(?:[a-z0-9]+_+){0,8}(?:secret|secret_key|api_?key|private_key|access_key|client_secret|auth_token|access_token|secret_id|skey)"
    r"|sharedaccesskey"
)
# The keys and tokens that are public or merely identify something (a site key, a page token).
_PUBLIC_WORDS = (
    "public publishable pub site partition idempotency cache object sort row foreign hash range page nextpage next_page"
    " continuation pagination cursor resume sync lock dedup dedupe instrumentation map lookup index search routing message"
    " trace request correlation group entity kid"
).split()
_PUBLIC_HEADS = "(?:" + "|".join(_PUBLIC_WORDS) + ")"
_NOT_AFTER_PUBLIC_HEAD = "".join(f"(?<!{word}_)" for word in _PUBLIC_WORDS)
"""`page_token=…` is not a token's secret, however random it looks (lookbehinds: each has one width)."""
_NAME_FOR_SECRET = (
    rf"(?!(?:[a-z0-9]+_+){{0,8}}?{_PUBLIC_HEADS}_+(?:key|token|secret)\b)"
    r"(?:[a-z0-9]+_+){0,8}(?:pass(?:word|wd|phrase)?|pwd|token|key|secret|api_?key|credentials?|auth|dsn|secret_key_base)|[a-z0-9_]*pass(?:word|wd)"
    # camelCase and PascalCase names, lowered (`accessToken`, "SigningKey" in appsettings.json).
    rf"|(?!(?:[a-z0-9]*_)?{_PUBLIC_HEADS}(?:key|token|secret))[a-z][a-z0-9]{{1,40}}(?:key|token|secret)"
)
# "Password" in the languages notes are written in, lower-cased.
_PASSWORD_WORDS = (
    *"passwort kennwort contraseña contrasena clave senha пароль 密码 口令 パスワード wachtwoord hasło haslo şifre sifre"
    " lösenord salasana heslo jelszó parola 비밀번호 암호 패스워드 κωδικός סיסמה पासवर्ड รหัสผ่าน adgangskode passord".split(),
    "mot de passe",
    "mật khẩu",
    "كلمة المرور",
)
_IN_EVERY_NAME = ("pass", "pwd", "token", "key", "secret", "credential", "auth", "dsn", "psk")
"""Each name either pattern above can match contains one of these."""

# Provider formats detect-secrets lacks (or matches too narrowly), and secrets recognisable only by
# where they stand: assignments, headers, command lines, prose, credential files. Patterns start
# with a literal where they can (see `_glued` for their left boundary).
_RULES: tuple[_Rule, ...] = (
    # PEM blocks are found by `_private_key_hits`: to their END line across blank lines, or cut.
    _rule("private key", r"-----BEGIN OpenVPN Static key V1-----\s*(?:[0-9a-f]{32}\s*){4,}"),
    _rule("private key", r"private_?key\s*[=:]\s*['\"]?([a-z0-9+/]{42,43}=)", 1, folded=True),  # WireGuard
    _rule("private key", r"PuTTY-User-Key-File-\d:.*?(?:Private-MAC: *\w+|\n[ \t]*\n(?![ \t]*[A-Za-z0-9+/=]{16,}[ \t]*(?:\n|\Z))|\Z)", check=_has_key_body, flags=re.S),
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
    _rule("age secret key", r"AGE-SECRET-KEY-1(?:[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{50,}|[qpzry9x8gf2tvdw0s3jn54khce6mua7l]{50,})"),
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
    # Provider formats a fourth reviewer found missing (2026-12-06): each begins with the provider's own
    # prefix, so it is found by its literal and costs nothing in a note without it.
    _rule("OpenRouter API key", r"sk-or-v1-[a-f0-9]{64}(?![\w-])"),
    _rule("Langfuse secret key", r"sk-lf-" + _UUID_TEXT),
    _rule("ElevenLabs API key", r"sk_[a-f0-9]{48}(?![\w-])"),
    _rule("Perplexity API key", r"pplx-[A-Za-z0-9]{48}(?![\w-])"),
    _rule("xAI API key", r"xai-[A-Za-z0-9]{70,90}(?![\w-])"),
    _rule("Resend API key", r"re_[A-Za-z0-9]{8}_[A-Za-z0-9]{24}(?![\w-])"),
    _rule("Infisical token", r"st\." + _UUID_TEXT + r"\.[0-9a-f]{32}\.[0-9a-f]{32}"),
    _rule("Axiom token", r"xa[ap]t-" + _UUID_TEXT),
    _rule("Appwrite API key", r"standard_[a-f0-9]{128,}"),
    _rule("Frame.io token", r"fio-u-[A-Za-z0-9_\-=]{60,}"),
    _rule("Mandrill API key", r"md-[A-Za-z0-9_\-]{22}(?![\w-])", check=_is_random),
    _rule("Brevo API key", r"x(?:keysib|smtpsib)-[a-f0-9]{64}-[A-Za-z0-9]{16}"),
    _rule("Twitter bearer token", r"AAAAAAAAAAAAAAAAAAAA[A-Za-z0-9%]{30,}"),
    _rule("EasyPost API key", r"EZ[AT]K[A-Za-z0-9]{54}"),
    _rule("payments API key (live_/test_)", r"(?:live|test)_[A-Za-z0-9]{30,40}(?![\w-])", check=lambda v: _is_random(v) and not _reads_as_identifier(v[5:])),  # Mollie, Lob, GoCardless
    _rule("wallet private key", r"[xtyzuv]prv[1-9A-HJ-NP-Za-km-z]{100,112}", needs=("prv",)),  # BIP-32 extended private key
    _rule("Nostr private key", r"nsec1[02-9ac-hj-np-z]{58}"),
    _rule("Microsoft Teams webhook", r"\.webhook\.office\.com/webhookb2/[\w\-@]{20,}/IncomingWebhook/[a-f0-9]{32}/[\w\-]{20,}(?:/[\w\-]{20,})?"),
    _rule("Cloudflare tunnel token", r"eyJhIjoi[A-Za-z0-9+/=]{80,}"),  # base64 of {"a":"<account>","t":"<tunnel>","s":"<secret>"}
    _rule("Dynatrace token", r"dt0c01\.[A-Z0-9]{24}\.[A-Z0-9]{64}"),
    _rule("Sentry auth token", r"sntry[us]_[A-Za-z0-9_=+/\-]{40,}"),
    _rule("PostHog personal API key", r"phx_[A-Za-z0-9]{40,}"),
    _rule("Pinecone API key", r"pcsk_[A-Za-z0-9_]{40,}"),
    _rule("Figma token", r"figd_[A-Za-z0-9_\-]{38,}"),
    _rule("Buildkite token", r"bkua_[a-f0-9]{40}"),
    _rule("CircleCI token", r"CCIPAT_[A-Za-z0-9]{20,}_[a-f0-9]{40}"),
    _rule("HubSpot token", r"pat-(?:na|eu)\d-" + _UUID_TEXT),
    _rule("LaunchDarkly key", r"api-" + _UUID_TEXT),
    _rule("Sourcegraph token", r"sgp_(?:[a-f0-9]{16}_)?[a-f0-9]{40}"),
    _rule("Typeform token", r"tfp_[A-Za-z0-9_\-.=]{40,}"),
    _rule("Shippo token", r"shippo_(?:live|test)_[a-f0-9]{40}"),
    _rule("Flutterwave key", r"FLWSECK(?:_TEST)?-[a-f0-9]{32}-X"),
    _rule("Plaid token", r"access-(?:sandbox|development|production)-" + _UUID_TEXT),
    _rule("Prefect token", r"pnu_[A-Za-z0-9]{36}(?![\w-])"),
    _rule("Neon API key", r"napi_[a-z0-9]{64}"),
    _rule("Render API key", r"rnd_[A-Za-z0-9]{32}(?![\w-])", check=_is_random),
    _rule("Contentful token", r"CFPAT-[A-Za-z0-9_\-]{43}"),
    _rule("Clojars token", r"CLOJARS_[a-z0-9]{60}"),
    _rule("Adafruit IO key", r"aio_[A-Za-z0-9]{28}(?![\w-])", check=_is_random),
    _rule("Duffel token", r"duffel_(?:test|live)_[A-Za-z0-9_\-=]{43}"),
    _rule("Mapbox secret token", r"sk\.eyJ[A-Za-z0-9_\-]{20,}\.[A-Za-z0-9_\-]{20,}"),
    _rule("AWS session token", r"(?:IQoJb3JpZ2luX2Vj|FwoGZXIvYXdzE)[A-Za-z0-9+/=]{100,}"),
    _rule("Yandex Cloud key", r"AQVN[A-Za-z0-9_\-]{35,38}(?![\w-])"),
    _rule("Intercom access token", r"dG9rO[A-Za-z0-9+/]{40,}={0,2}"),  # base64 of `tok:`
    _rule("Telnyx API key", r"KEY[0-9A-F]{32}_[A-Za-z0-9]{22}"),
    _rule("Octopus Deploy API key", r"API-[A-Z0-9]{26,32}(?![\w-])", check=_is_random),
    _rule("JFrog token", r"cmVmdGtuOjAxOj[A-Za-z0-9]{40,}"),  # base64 of `reftkn:01:`
    _rule("Scalingo token", r"tk-us-[A-Za-z0-9_\-]{48}"),
    _rule("Readme API key", r"rdme_[a-z0-9]{70}"),
    _rule("Cloudflare origin CA key", r"v1\.0-[a-f0-9]{24}-[a-f0-9]{146}"),
    _rule("Harness token", r"pat\.[A-Za-z0-9_\-]{22}\.[0-9a-f]{24}\.[A-Za-z0-9]{20}"),
    _rule("Dropbox token", r"sl\.[A-Za-z0-9_\-]{130,}"),
    _rule("Supabase secret key", r"sb_secret_[A-Za-z0-9_\-]{20,}"),
    _rule("Tencent Cloud key", r"AKID[A-Za-z0-9]{32}(?![\w-])", check=_is_random),
    _rule("private key", r"LS0tLS1CRUdJTi[A-Za-z0-9+/=]{60,}(?:\r?\n[ \t]*[A-Za-z0-9+/=]{20,})*", check=_decodes_to_private_key),  # a PEM block in base64
    _rule("private key", r"[\"']d[\"']\s*:\s*[\"']([A-Za-z0-9_\-]{32,})[\"']", 1, _is_random, needs=('"kty"', "'kty'")),  # a JWK's private part
    _rule("private key", r"untrusted comment: [^\n]*secret key\s*\n\s*(RW[A-Za-z0-9+/=]{60,})", 1),  # minisign
    _rule("recovery codes", r"(?:recovery|backup|scratch|emergency|2fa|mfa) codes?[^\n]{0,60}?:?\s*\n?(?:[ \t]*(?:[-*]|\d{1,2}[.)])?[ \t]*[a-z0-9]{4,5}(?:[- ]?[a-z0-9]{4,5}){1,3}[ \t]*(?:\n|$)){3,}", folded=True),
    _rule("wallet seed phrase", r"(?:(?:seed|recovery|mnemonic|secret|backup|wallet)\s+(?:phrase|words)|seed|mnemonic)[^\n]{0,100}?[:=]\s*((?:[a-z]{3,8}\s+){11,23}[a-z]{3,8})(?![ \t]*[a-z])", 1, folded=True),  # 12 to 24 words, and no more
    # Labelled recovery material: one account recovery code, a 1Password Secret Key, a spoken passphrase.
    _rule("recovery codes", r"(?:recovery|backup|scratch|emergency|rescue|2fa|mfa|two[- ]factor|two[- ]step|one[- ]time)[ -](?:codes?|keys?)\b[^\n]{0,60}?[:=：][ \t]*\n?[ \t]*([a-z0-9]{4,8}(?:(?:[- ]|,[ \t]*)[a-z0-9]{4,8}){1,15})(?![\w-])", 1, _is_recovery_code, folded=True),
    _rule("1Password secret key", r"\bA3-[A-Z0-9]{6}-[A-Z0-9]{5,6}(?:-[A-Z0-9]{5}){4}(?![\w-])", needs=("A3-",)),
    _rule("password or key stated in the text", r"\bpass ?phrase\b[^\n]{0,40}?\b(?:is|was)\b[ \t]*:?[ \t]*[\"“']?((?:[a-z]{3,12}[ -]){3,9}[a-z]{3,12})(?=[\"”']?[ \t]*(?:[.,;!)]|\n|\Z))", 1, _is_spoken_passphrase, folded=True),
    _rule("Asana token", r"\b[012]/\d{16}/\d{16}:[a-f0-9]{32}\b|\b0/[a-f0-9]{32}\b"),
    _rule("Fly.io token", r"\bFlyV1 fm[12]_[A-Za-z0-9_\-+/=]{40,}"),
    _rule("LaunchDarkly key", r"\b(?:sdk|mob)-" + _UUID_TEXT + r"\b"),
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
    _rule("password in a URL", r"[\w.\-]{1,64}:([^\s@/:'\"`]{6,128})@(?:tcp|unix|udp)\(", 1, _is_concrete, needs=("@tcp(", "@unix(", "@udp(")),  # Go's MySQL DSN
    # A URL's query parameter named for a credential (`?code=` of an Azure function, `&api_key=`, `?sig=`).
    # `appid=` (OpenWeather), `X-Amz-Signature=` and `X-Goog-Signature=` (presigned URLs) in any case.
    _rule("credential in a URL", r"[?&](?:code|key|apikey|api_key|api-key|app_?id|app_?key|subscription-key|token|access_token|private_token|auth|secret|client_secret|sig|signature|x-amz-signature|x-goog-signature)=([a-z0-9_\-.%~+/=]{32,})", 1, _is_random, folded=True, needs=("code=", "key=", "token=", "auth=", "secret=", "sig=", "signature=", "appid=", "app_id=")),
    # Keys and tokens named by the command or variable that takes them.
    _rule("Vault token", r"(?:vault\s+login|vault_token\s*[=:]|x-vault-token:)\s*['\"]?(?:-\S+\s+)*['\"]?(s\.[A-Za-z0-9]{24})(?![\w.])", 1, folded=False, flags=re.I, needs=("vault", "VAULT", "Vault")),
    _rule("token on a command line", r"(?<![\w-])[\w-]++\s++(?:auth|login)\s++(?:--?[\w-]++\s++)*+['\"]?(" + _UUID_TEXT + r")\b", 1, folded=True, needs=(" auth", " login")),
    _rule("wallet private key", r"(?:accounts|private_?key|privkey|secret|mnemonic|wallet)[^\n]{0,40}?['\"`]?(0x[a-f0-9]{64})(?![\w])", 1, _is_random, folded=True, needs=("0x",)),
    _rule("wallet private key", r"(?:wif|private key|privkey|bitcoin|btc|wallet)[^\n]{0,60}?\b([5kl][1-9a-z]{50,51})\b", 1, _is_wif, folded=True, needs=("wif", "private key", "privkey", "bitcoin", "btc", "wallet")),
    _rule("session cookie", r"cookie:[^\n]{0,300}?=([A-Za-z0-9%._\-+/=:]{32,})", 1, _is_random, folded=True, needs=("cookie:",)),  # any cookie in a Cookie header
    _rule("key in code", r"(?:key|secret|token|iv|salt)\w{0,60}+\s*[:=]\s*(?:new\s+)?[\w.]+\(\s*[bru]?['\"]([A-Za-z0-9+/=_\-]{24,})['\"]", 1, _is_random, folded=True, needs=("key", "secret", "token", "iv", "salt")),
    _rule("password in a URL", r"\b[a-z][a-z0-9+.\-]{1,20}://[^\s:/@'\"`]{1,64}(?:@[\w.\-]+)?:([^\s@'\"`]{6,128})@[\w.\-\[]", 1, _is_url_password, folded=True, needs=("://",)),
    _rule("HTTP Basic credentials", r"basic\s+([a-z0-9+/]{8,}={0,2})(?![\w+/=])", 1, _decodes_to_credentials, folded=True),
    _rule("bearer token", r"bearer\s+([a-z0-9\-._~+/]{16,}=*)", 1, _is_random, folded=True),
    _rule("kubeconfig credential", r"(?:client-key-data|client-certificate-data)\s*:\s*['\"]?([A-Za-z0-9+/]{20,}={0,2})", 1),
    _rule("Rails secret key base", r"secret_key_base['\"]?\s*[=:]\s*['\"]?([^\s'\"]{16,})", 1, _is_random, folded=True),
    _rule(_ASSIGNMENT, rf"(?<![\w$.\-])['\"]?(?:export\s+|set\s+|\$env:)?(?:{_NAME_FOR_SECRET})(?<!public_key)(?<!publishable_key)(?<!pub_key)(?<!public key)['\"]?[ \t]*(?::=|=|:[ \t]*&?(?:'static[ \t]+)?[A-Za-z_][\w<>\[\]]*[ \t]*=(?!=)|:)[ \t]*(?:b(?=['\"]))?['\"]?([^\s'\"`,;]+)", 1, _is_random, folded=True, needs=_IN_EVERY_NAME),
    _rule(_ASSIGNMENT, rf"(?<![\w$.\-])['\"]?(?:export\s+|set\s+|\$env:)?(?:{_NAME_FOR_PASSWORD})['\"]?[ \t]*(?::=|=|:[ \t]*&?(?:'static[ \t]+)?[A-Za-z_][\w<>\[\]]*[ \t]*=(?!=)|:)[ \t]*(?:b(?=['\"]))?['\"]?([^\s'\"`,;]+)", 1, _is_chosen_password, folded=True, needs=_IN_EVERY_NAME),
    _rule(_ASSIGNMENT, rf"(?<![\w$.\-])['\"]?(?:export\s+|set\s+|\$env:)?(?:{_NAME_FOR_KEY})['\"]?[ \t]*(?::=|=|:[ \t]*&?(?:'static[ \t]+)?[A-Za-z_][\w<>\[\]]*[ \t]*=(?!=)|:)[ \t]*(?:b(?=['\"]))?['\"]?([^\s'\"`,;]+)", 1, _is_chosen_key, folded=True, needs=_IN_EVERY_NAME),
    _rule(_ASSIGNMENT, r"(?<![\w$.\-])['\"]?(?:export\s+)?(?:[a-z0-9]+(?:_+[a-z0-9]+){0,8}_(?:token|secret|api_?key|key|secret_id)|secret_id|token|api_?key)['\"]?[ \t]*(?::=|=|:)[ \t]*['\"]?(" + _UUID_TEXT + r")\b", 1, folded=True, needs=("_",)),
    _rule("password on a command line", r"(?:mysql|mysqldump|mysqladmin|mysqlimport|mysqlsh|mysqlcheck|mariadb|mariadb-dump)\b[^\n|;&]{0,200}?\s(?:-p|--password=)(['\"]?)([^\s'\"`]+)\1", 2, _is_concrete),
    _rule("password on a command line", r"(?:PGPASSWORD|MYSQL_PWD)=(['\"]?)([^\s'\"`]+)\1", 2, _is_concrete),
    _rule("password on a command line", r"sshpass\s+-p\s*(['\"]?)([^\s'\"`]+)\1", 2, _is_concrete),
    _rule("password on a command line", r"\bsnmp\w*\b[^\n|;&]{0,200}?\s-c\s*(['\"]?)([^\s'\"`]+)\1", 2, lambda v: v.lower() not in ("public", "private") and _is_concrete(v)),  # a community
    _rule("password on a command line", r"\bldap\w*\b[^\n|;&]{0,200}?\s-w\s*(['\"]?)([^\s'\"`]+)\1", 2, _is_concrete),
    _rule("password on a command line", r"(?:jdbc:oracle:\w+:|sqlplus\s+(?:-[sS]\s+)?)[\w$.\-]+/([^\s@/'\"]{6,})@", 1, _is_concrete),
    _rule("password on a command line", r"convertto-securestring\s+(['\"])([^'\"\n]{6,})\1\s+-asplaintext", 2, _is_concrete, folded=True),
    _rule("password on a command line", r"\bnet\s+use\b[^\n]{0,120}?/user:\S+\s+(['\"]?)([^\s'\"]{6,})\1", 2, _is_concrete, folded=True),
    _rule("password in a config file", r"<(password|passwd|passphrase|secret|token|apikey|api_key|client_secret|private_key)>\s*([^<\s]{6,})\s*</\1>", 2, _is_concrete, folded=True),
    _rule("password in a config file", r"<add\s+key=[\"'][\w.:-]*(?:password|secret|apikey|api_key|token|connectionstring)[\w.:-]*[\"']\s+value=[\"']([^\"']{8,})[\"']", 1, _is_chosen_password, folded=True),
    _rule("password in a config file", r"define\(\s*['\"]\w*(?:password|secret|key|salt|token)\w*['\"]\s*,\s*['\"]([^'\"]{8,})['\"]\s*\)", 1, _is_chosen_password, folded=True),
    _rule("password on a command line", r"(?:docker|podman|nerdctl|buildah|skopeo|oras|helm\s+registry)\s+login\b[^\n|;&]{0,200}?\s(?:-p|--password)(?:=|\s+)(['\"]?)([^\s'\"`]+)\1", 2, _is_concrete),
    _rule("password on a command line", r"redis-cli\b[^\n|;&]{0,200}?\s-a\s+(['\"]?)([^\s'\"`]+)\1", 2, _is_concrete),
    _rule("password on a command line", r"curl\b[^\n|;&]{0,200}?\s(?:-u|--user)\s*['\"]?[^\s:'\"]+:([^\s'\"`@]+)", 1, _is_concrete),
    _rule(".netrc password", r"machine\s+\S+\s+login\s+\S+\s+password\s+(\S+)", 1, _is_concrete),
    # Headers that carry a credential: `Authorization: <scheme> <value>` with any scheme (Splunk,
    # GenieKey, a bare token) and custom `X-…-Token:`/`X-…-Key:` headers, or OTLP's `x-…-team=`.
    _rule("credential in an HTTP header", r"authorization[\"']?[ \t]*[:=][ \t]*[\"']?(?:[a-z][\w-]{1,20}[ \t]+)?(?:[\w.@\-]{1,40}:)?([a-z0-9._~+/=\-]{16,})", 1, _is_random_or_uuid, folded=True),
    _rule("credential in an HTTP header", r"x-[\w-]{0,60}?(?:token|key|secret|auth|pass\w{0,20}|session|team|signature|license)[\"']?[ \t]*[:=][ \t]*[\"']?([a-z0-9._~+/=\-]{16,})", 1, _is_random_or_uuid, folded=True),
    # Network and server configs name their secrets in their own words, separated by spaces.
    _rule("password in a config file", r"key[ \t]+['\"]?([A-Za-z0-9+/=_\-]{20,})", 1, _is_typed_secret),  # `rclone … key <secret>`
    _rule("password in a config file", r"(?:secret|password|key)[ \t]+[0-9][ \t]+(?:md5[ \t]+)?(\S{6,})", 1, _is_typed_password, folded=True),  # Cisco
    _rule("password in a config file", r"community[ \t]+['\"]?([^\s'\"]{8,})", 1, _is_typed_secret, folded=True),  # SNMP
    _rule("password in a config file", r"auth(?:[ \t]+|=)['\"]?[\w.@\\\-]{1,64}:([^\s'\"@]{6,})", 1, _is_typed_password, folded=True),  # `stats auth u:p`, `-auth u:token`
    _rule("password in a config file", r":[ \t]*(?:PSK|EAP|XAUTH|NTLM)[ \t]+(['\"])([^'\"\n]{6,})\1", 2, _is_concrete),  # ipsec.secrets
    _rule("password in a config file", r"identified[ \t]+(?:with[ \t]+\S+[ \t]+)?by[ \t]+(?:password[ \t]+)?(['\"])([^'\"\n]{6,})\1", 2, _is_concrete, folded=True),  # SQL
    _rule("password in a config file", r"\"[\w.@\-]{1,64}\"[ \t]+\"([^\"\s]{8,})\"", 1, _is_typed_secret),  # pgbouncer's userlist.txt, HAProxy's userlist
    _rule("password in a config file", r"auth-user-pass[^\n]*\n(?:[ \t]*\n)?[ \t]*[\w.@\\\-]{2,64}[ \t]*\n[ \t]*(\S{6,})", 1, _is_typed_password, folded=True),
    # A directive alone on its line, its value after a space (`requirepass …`, Groovy's `storePassword "…"`).
    _rule(
        "password in a config file",
        r"(?m)(?:^|[{;])[ \t]*[\w.\-]*(?:pass(?:word|wd|phrase)?|pwd|secret|token|authtok|psk|requirepass|masterauth)[ \t]+(['\"]?)([^\s'\"]{6,})\1(?:[ \t]*[;})\]])*[ \t]*$",
        2, _is_chosen_key, folded=True, needs=("pass", "pwd", "secret", "token", "authtok", "psk", "masterauth"),
    ),
    # Human-held second factors: app-specific and application passwords, recovery keys, TOTP seeds.
    _rule("app-specific password", r"(?:app(?:lication)?[- ]specific[- ]password|app[- ]password)[^\n]{0,80}?([a-z]{4}-[a-z]{4}-[a-z]{4}-[a-z]{4})(?![\w-])", 1, folded=True),
    _rule("app-specific password", r"['\"][\w.@\-]{1,64}:([A-Za-z0-9]{4}(?: [A-Za-z0-9]{4}){5})['\"]", 1, _is_spaced_app_password),
    _rule("app-specific password", r"application password[^\n]{0,60}?[:=][ \t]*['\"]?([a-z0-9]{4}(?: [a-z0-9]{4}){5})(?![\w])", 1, _is_spaced_app_password, folded=True),
    _rule("app-specific password", r"app(?:lication)?[ -]?password\b[^\n]{0,40}?(?:[:=][ \t]*[`'\"]?|[`'\"])([a-z]{4}(?: [a-z]{4}){3})(?![\w])", 1, _is_spelled_app_password, folded=True),  # Google's
    _rule("Rails master key", r"master\.key\b[^\n]{0,30}?[:=][ \t]*[`'\"]?([0-9a-f]{32})(?![\w])", 1, _is_random, folded=True),
    _rule("Azure DevOps token", r"(?:\bpat\b|personal access token|azure devops|\bado\b)[^\n]{0,80}?[:=][ \t]*[`'\"]?([a-z2-7]{52})(?![\w])", 1, _is_random, folded=True, needs=("pat", "personal access token", "azure devops", "ado")),
    _rule("recovery key", r"recovery[^\n]{0,80}?(\d{6}(?:-\d{6}){7})(?![\d-])", 1, folded=True),  # BitLocker
    _rule("TOTP seed", r"otpauth://[^\s]{0,1000}?[?&]secret=([a-z2-7]{16,})", 1, folded=True),
    _rule(
        "TOTP seed",
        r"(?:totp|2fa|mfa|otp|authenticator|two[- ]factor)[^\n]{0,100}?(?:[:=：]|→|->)[ \t]*([a-z2-7]{4}(?: ?[a-z2-7]{4}){3,}=*)(?![\w])",
        1, _is_base32_seed, folded=True,
    ),
    # A one-time login link: its code is a password for as long as the link lives.
    _rule(
        "one-time login link",
        r"\?(?:[^\s#?]*&)?(?:code|token|t|otp|key|k)=([a-z0-9_\-.%~]{16,})",
        1, _is_random, folded=True,
        near=r"(?:verify|magic|login|signin|sign-in|sign_in|reset|confirm|invite|activate|unlock|passwordless)[\w\-/.]*$",
    ),
    # Other languages' words for a key or token (the password words are in the rule further down).
    _rule(
        "password or key stated in the text",
        r"(?:schlüssel|geheimnis|clé|chiave|clave|chave|klucz|anahtar|sleutel|nyckel|nøgle|ключ|токен|секрет|令牌|密钥|秘钥|토큰|トークン|シークレット|jeton|llave)"
        r"[^\n]{0,50}?(?:\s(?:lautet|ist|es|est|é|è|is|je|är|on|er)\s|[:：=]|→|->|は|是|为|為)\s*[`'\"]?([^\s`'\"]{12,})",
        1, _is_random, folded=True,
    ),
    _rule("password or key stated in the text", r"password\b[^\n]{0,50}?\s(?:è|é|ist|lautet|est|es|är|er)\s+[`'\"]?([^\s`'\"]{6,})", 1, _is_chosen_password, folded=True),
    _rule("password or key stated in the text", r"\b(?:login|credentials|creds|user\s*/\s*pass(?:word)?)\s*[:=]\s*[\w.@\-]{2,40}\s*/\s*([^\s,;]{6,})", 1, _is_chosen_password, folded=True),
    _rule("password or key stated in the text", r"\buser(?:name)?\s+is\s+[\w.@\-]{2,40}\s*/\s*([^\s,;]{6,})", 1, _is_typed_password, folded=True),
    _rule("password or key stated in the text", r"\buser(?:name)?\s+[\w.@\-]{2,40}\s*[/,]\s*(?:pass(?:word)?|pw|pwd)\s*[:=]?\s*([^\s,;]{6,})", 1, _is_chosen_password, folded=True),
    _rule("password or key stated in the text", r"\b(?:password|passphrase|pw|pwd|pass)\s+for\s+[^\n=:→]{1,80}?[ \t]*(?:[=:]|→|->|=>|—|–)\s*[`'\"]?([^\s`'\"]{6,})", 1, _is_chosen_password, folded=True),
    _rule("password or key stated in the text", r"\b(?:log ?in(?:to)?|sign(?:ed)? in(?:to)?)\b[^\n]{0,60}?\bas\s+[\w.@\-]{2,40}\s+(?:with|using)\s+(?:password\s+)?[`'\"]?(\S{6,})", 1, _is_typed_password, folded=True),
    _rule("password or key stated in the text", r"\b(?:password|passphrase|passwd|pw|pwd)(?:\s*+\([^)\n]{1,40}\))?(?:\s*+:\s++|\s++)['\"]?([^\s`'\"]{6,})", 1, _is_typed_password, folded=True),
    _rule(
        "password or key stated in the text",
        rf"(?:{'|'.join(_PASSWORD_WORDS)})"
        r"[^\n]{0,50}?(?:\s(?:lautet|ist|es|est|é|is|je|är|on|è|er)\s|[:：=]|は|是|为|為|→|->|=>|—|–)\s*(?:[`'\"„“「]|«\s?)?(\S{6,})",
        1, lambda v: _is_chosen_password(v) and not re.fullmatch(r"[A-ZÄÖÜ][a-zäöüß]+", v), folded=True, needs=_PASSWORD_WORDS,  # a Devanagari sign is no literal to `gate`
    ),
    # "set PGPASSWORD to …", "rotated the deploy key to …": the name may be a variable's.
    _rule("password or key stated in the text", r"\b(?:changed|set|reset|updated|rotated)\s+(?:the\s+|our\s+|my\s+)?(?:[\w.\-]+\s+){0,3}?[\w.\-]*?(?:password|passphrase|passwd|pw|pwd)\s+to\s+[`'\"]?([^\s`'\"]+)", 1, _is_chosen_password, folded=True),
    _rule("password or key stated in the text", r"\b(?:changed|set|reset|updated|rotated)\s+(?:the\s+|our\s+|my\s+)?(?:[\w.\-]+\s+){0,3}?[\w.\-]*?(?:key|token|secret)\s+to\s+[`'\"]?([^\s`'\"]{12,})", 1, _is_random, folded=True),
    # Heroku, Postmark, Opsgenie and others issue keys shaped as UUIDs: under a name that says so, one is.
    _rule("password or key stated in the text", r"\b(?:api[ _-]?key|auth[ _-]?token|access[ _-]?token|api[ _-]?token|secret[ _-]?key|client[ _-]?secret|license[ _-]?key|server[ _-]?token)\b(?:\s++(?:is|was))?[ \t]*+[:=]?[ \t]*+[`'\"]?(" + _UUID_TEXT + r")\b", 1, _is_random_or_uuid, folded=True, needs=("key", "token", "secret")),
    _rule("password or key stated in the text", r"\b(?:password|passphrase|passcode)\b[^\n]{0,60}?\b(?:is|was|:)\s*[\"“']([^\"”'\n]{8,80})[\"”']", 1, _is_concrete, folded=True),
    _rule(
        "password or key stated in the text",
        r"(?<!public )(?<!search-only )(?<!publishable )(?<!\w)"
        rf"(?!(?:[a-z0-9]+_+){{0,8}}?{_PUBLIC_HEADS}_+(?:key|token|secret)\b)"
        r"(?:[a-z0-9]++_)*+(?:api[ _-]?key|secret[ _-]?key|access[ _-]?key[ _-]?secret|accesskeysecret|client[ _-]?secret|app[ _-]?password|auth[ _-]?token|access[ _-]?token|api[ _-]?token|password|passphrase|secret|token|pat"
        r"|\(?(?:write|admin|server|master|private|service|deploy|signing|license|app|access|unseal|root|encryption|decryption|wallet|hmac|webhook|jwt|session|cookie|aes|cipher|shared)\)?[ _-]key|application[ _-]?key)"
        r"(?:\s*+\([^)\n]{1,40}\))?(?:\s++(?:for|of|on)\s++(?:the\s++|our\s++)?[\w.\-/@]{1,40}(?:\s++[\w.\-/@]{1,40}){0,3})?(?:\s*+\([^)\n]{1,40}\))?(?:[ \t]++#?\d{1,2})?(?:[ \t]*+(?::|→|->|=>|—|–)[ \t]++|[ \t]++)([A-Za-z0-9+/_~.\-=]{12,})",
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
        r"(?:\s+(?:for|on|of|to|at|di|de|del|du|für|pour|para|per|van|för|dla)\s+(?:the\s+)?[\w.\-/@]{1,40}(?:[ \t]+[\w.\-/@]{1,40}){0,3})?"
        r"[ \t]*(?:\bis\b|\bwas\b|\s(?:è|é|ist|est|es|lautet|är)\s|:|=|→|->|=>|—|–)[ \t]*(?:now\s+|still\s+|just\s+|set\s+to\s+|changed\s+to\s+)?[`'\"]?([^\s`'\"]+)",
        1,
        _is_chosen_password,
        folded=True,
    ),
    _rule(
        "password or key stated in the text",
        r"(?<!public )(?<!search-only )(?<!publishable )" + _NOT_AFTER_PUBLIC_HEAD + r"(?:passcode|api[ _-]?key|access[ _-]?key|secret(?:[ _-]?key)?|token|credentials?"
        r"|\(?(?:master|private|signing|encryption|decryption|hmac|webhook|jwt|session|cookie|aes|cipher|shared|license|deploy|unseal|wallet)\)?[ _-]key)\b"
        r"(?:\s+(?:for|on|of|to|at|di|de|del|du|für|pour|para|per|van|för|dla)\s+(?:the\s+)?[\w.\-/@]{1,40}(?:[ \t]+[\w.\-/@]{1,40}){0,3})?"
        r"[ \t]*(?:\bis\b|\bwas\b|\s(?:è|é|ist|est|es|lautet|är)\s|:|=|→|->|=>|—|–)[ \t]*(?:now\s+|still\s+|just\s+|set\s+to\s+|changed\s+to\s+)?[`'\"]?([^\s`'\"]+)",
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
    # The plugin's own patterns, unless they are given here: two of them start again inside a long
    # token (`//` in `////…`, `eyJ` in `eyJeyJ…`) and read it to its end each time, so a note of such
    # a run costs minutes; these start only where a token starts, and read it once.
    patterns: tuple[re.Pattern[str], ...] = ()

    def denylist(self) -> Iterable[re.Pattern[str]]:
        return self.patterns or self.detector.denylist

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
                r"(?:key|pwd|pass|token)['\"\]]*+(?:\s*+(?:=>?|:)\s*+|\s++)['\"]?[a-z0-9_\-]{44}(?![a-z0-9_\-])"
            ),
        ),
        _Plugin(
            ibm_cos_hmac.IbmCosHmacDetector(),
            "IBM Cloud Object Storage key",
            trigger=re.compile(r"secret[-_]?(?:access)?[-_]?key"),
        ),
        # A JWT's payload is a JSON object, so `.eyJ` follows its header.
        _Plugin(
            jwt.JwtTokenDetector(),
            "JSON web token",
            trigger=re.compile(r"\.eyj"),
            patterns=(re.compile(r"(?<![A-Za-z0-9_=-])eyJ[A-Za-z0-9_=-]++\.[A-Za-z0-9_=-]++\.?[A-Za-z0-9_.+/=-]*+"),),
        ),
        _Plugin(mailchimp.MailchimpDetector(), "Mailchimp API key", trigger=re.compile(r"-us\d")),
        _Plugin(
            npm.NpmDetector(),
            "npm token",
            trigger=re.compile(":_authtoken="),
            patterns=(re.compile(r"(?<!\S)//\S{1,300}?/:_authToken=\s*+((npm_\S+)|([A-Fa-f0-9-]{36}))"),),
        ),
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


def prepare() -> None:
    """Build the detectors now (once per process): a note's screening budget must not pay for it."""
    _detect_secrets()


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


def _plugin_hits(text: str, folded: str, ds: _DetectSecrets) -> Iterator[_Hit]:
    from detect_secrets.filters import heuristic

    for plugin in ds.plugins:
        if plugin.trigger and not plugin.trigger.search(folded):
            continue
        for regex in plugin.denylist():
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


def _keyword_hits(text: str, folded: str, ds: _DetectSecrets) -> Iterator[_Hit]:
    """detect-secrets' KeywordDetector on the lines (or, in long lines, the windows) where it can match."""
    from detect_secrets.filters import heuristic

    done: set[int] = set()
    for candidate in itertools.islice(ds.keyword_candidate.finditer(folded), _KEYWORD_CANDIDATES):
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


_QUOTES = "'\"`"
_MOST_VALUE = 200


def _value_end(text: str, start: int, end: int) -> int:
    """Where a value a rule stopped at a quote (or, inside quotes, at `,` or `;`) really ends.

    The rules end a value at a quote so that `password='x'` yields `x`; a password may hold a quote
    itself (`DB_PASSWORD='Qm7"vXr2Lp9zK'`, `"Qm7\\"vX…"` in JSON), and judging only `Qm7` missed it.
    A quoted value runs to its closing quote on the line, an unquoted one to the next whitespace.
    """
    if end >= len(text) or text[end] not in _QUOTES + ",;":
        return end
    opening = text[start - 1] if start and text[start - 1] in _QUOTES else ""
    if not opening and text[end] not in _QUOTES:
        return end  # an unquoted value ends at `,` or `;`
    inner = end + 1 < len(text) and text[end + 1].isalnum()  # `"Qm7"vX…"`: the value goes on after it
    if text[end] == opening and text[end - 1] != "\\" and not inner:
        return end  # its own closing quote
    limit, stop = min(len(text), end + _MOST_VALUE), end
    while stop < limit and not text[stop].isspace():
        closing = opening and stop > end and text[stop] == opening and text[stop - 1] != "\\"
        if closing and not (stop + 1 < len(text) and text[stop + 1].isalnum()):
            return stop
        stop += 1
    return end if opening else stop  # a quote never closed on its line: the value as the rule found it


_LONGEST_JUDGED = 4_096
"""A value is judged by its first 4 KB: no key or token is longer (armoured keys are found as blocks),
and the checks read a value several times over (1 MB of `eyJ` after `token ` cost them 0.6 s)."""


def _rule_hits(text: str, folded: str) -> Iterator[_Hit]:
    for rule in _RULES:
        searched = folded if rule.folded else text
        for match in rule.pattern.finditer(searched):
            if _glued(text, match.start()):
                continue
            if rule.near and not rule.near.search(
                searched, _line_bounds(searched, match.start(), match.start())[0], match.start()
            ):
                continue
            start, end = match.span(rule.group)
            if rule.group and rule.what in _CONTEXT_KINDS:
                end = _value_end(text, start, end)
            if rule.group:  # a value runs up to whitespace or a quote; trailing punctuation is prose
                end = start + len(text[start:end].rstrip(_EDGE_JUNK))
            if rule.check(text[start : min(end, start + _LONGEST_JUDGED)]):
                yield _Hit(rule.what, start, end)


# A cookie named for a session or token (`sessionid=`, `_acme_session=`, `remember_user_token=`),
# where cookies stand: after a space, `;` or a quote, not inside a URL's query.
_COOKIE = Gated(
    r"(?:session(?:id)?|sessid|sess|sid|token|auth)=([a-z0-9%._\-+/=:]{20,})", needs=("sess", "sid", "token", "auth")
)


# A card is a secret with its security code beside it (the number alone is printed on receipts):
# found by the code's label and value, then a card number looked for in the same line near it, unless
# the line says the card is one for tests. Looked for from the code, so a text of digits costs nothing.
_CARD_CODE = Gated(
    r"\b(?:cvv2?|cvc2?|cid|csc|security code)\b[ \t]*[:=#]?[ \t]*\d{3,4}\b",
    needs=("cvv", "cvc", "cid", "csc", "security code"),
)
_CARD_NUMBER = re.compile(r"(?<![\d-])(?:\d{4}([ -]?)\d{4}\1\d{4}\1\d{1,7}|\d{4}[ -]?\d{6}[ -]?\d{4,5})(?![\d-])")
_FOR_TESTS = re.compile(r"\b(?:test|testing|sandbox|dummy|example|fake|sample)\b")
_CARD_REACH = 100
_MOST_CARD_CODES = 256


def _card_hits(folded: str) -> Iterator[_Hit]:
    for code in itertools.islice(_CARD_CODE.finditer(folded), _MOST_CARD_CODES):
        line_lo, line_hi = _line_bounds(folded, code.start(), code.end())
        if _FOR_TESTS.search(folded, line_lo, line_hi):
            continue
        lo, hi = max(line_lo, code.start() - _CARD_REACH), min(line_hi, code.end() + _CARD_REACH)
        card = next((n for n in _CARD_NUMBER.finditer(folded, lo, hi) if _is_card_number(n.group())), None)
        if card is not None:
            yield _Hit(
                "payment card with its security code", min(card.start(), code.start()), max(card.end(), code.end())
            )


def _cookie_hits(text: str, folded: str) -> Iterator[_Hit]:
    for match in _COOKIE.finditer(folded):
        name_start, floor = match.start(), max(0, match.start() - 64)  # a cookie's name is short
        while name_start > floor and (folded[name_start - 1].isalnum() or folded[name_start - 1] in "_.-"):
            name_start -= 1
        if name_start and folded[name_start - 1] not in " \t\n;,'\"":  # also: a name longer than 64
            continue
        start, end = match.span(1)
        end = start + len(text[start:end].rstrip(_EDGE_JUNK))
        if _is_random(text[start:end]):
            yield _Hit("session cookie", start, end)


# Long flags named for a credential (`--password`, `-srcstorepass`, `--eab-hmac-key`, `-auth`,
# openssl's `-passin`), and the one-letter flags tools give a password (`-P`, `-p'…'`, `-A`/`-X` of
# snmp, `-w`): found by the flag, judged by the value. Starts with `-`, so it is found by that literal.
_LONG_FLAG = Gated(
    r"(?<![\w-])--?((?:[A-Za-z][\w-]{0,40}?)?(?:pass(?:word|wd|phrase|in|out)?|pwd|pw|secret|token|auth|key|storepass|keypass))"
    r"(?:=|[ \t]+)(['\"]?)([^\s'\"`\-][^\s'\"`]*)\2"
)
_SHORT_FLAG = Gated(r"-[pPAXw](?:[ \t]+(['\"]?)([^\s'\"`\-][^\s'\"`]*)\1|(['\"])([^\s'\"`]+)\3)")
_WINDOWS_FLAG = Gated(r"/p(?:ass(?:word)?)?:(['\"]?)([^\s'\"`]+)\1")  # xfreerdp, msbuild
_USER_PERCENT = Gated(r"-U[ \t]+(['\"]?)[^\s%'\"]+%([^\s'\"]+)\1")  # smbclient's `-U user%password`


def _flag_hits(text: str) -> Iterator[_Hit]:
    """A password on a command line, whatever the tool: a flag named for one, then a value that reads
    as generated (a general rule: each tool's list of flags would always be one tool short)."""
    for match in _LONG_FLAG.finditer(text):
        if match.start() and not (text[match.start() - 1].isspace() or text[match.start() - 1] in "'\"`("):
            continue
        value = match.group(3).rstrip(_EDGE_JUNK)
        if _is_flag_value_secret(match.group(1), value):
            yield _Hit("password on a command line", match.start(3), match.start(3) + len(value))
    for match in _SHORT_FLAG.finditer(text):
        if match.start() and not text[match.start() - 1].isspace():
            continue
        group = 2 if match.group(2) is not None else 4
        if _is_typed_secret(match.group(group)):
            yield _Hit("password on a command line", *match.span(group))
    for pattern in (_WINDOWS_FLAG, _USER_PERCENT):
        for match in pattern.finditer(text):
            if match.start() and text[match.start() - 1].isspace() and _is_typed_secret(match.group(2)):
                yield _Hit("password on a command line", *match.span(2))


# Commands whose arguments hold a credential by position (`mc alias set NAME URL ACCESS SECRET`,
# `rabbitmqctl add_user NAME PASSWORD`, `net user NAME PASSWORD`, redis' `AUTH [user] PASSWORD`,
# `gh secret set NAME --body VALUE`, `vault operator unseal KEY`), and a secret piped into a login (`echo … | az devops login`,
# `echo 'user:pw' | chpasswd`). Any of the first few arguments that reads as generated is the secret.
_CREDENTIAL_COMMAND = Gated(
    r"(?:add_user|change_password|authorize-account|account authorize|alias set|config host add|net user|NET USER"
    r"|htpasswd|AUTH(?=[ \t])|wpa_passphrase|configure set|config set --secret|secret set|secrets set|mysqladmin|operator unseal)"
    r"((?:[ \t]+(?:'[^'\n]*'|\"[^\"\n]*\"|[^\s|;&]+)){1,6})"
)
_PIPED_SECRET = Gated(r"echo[ \t]+(?:-[ne][ \t]+)?(['\"]?)([^\s'\"|]+)\1[ \t]*\|[ \t]*([^\n|;&]*)")
_LOGIN_WORDS = re.compile(r"login|passwd|password|stdin|secret|token|auth")
_ARGUMENT = re.compile(r"'([^'\n]*)'|\"([^\"\n]*)\"|(\S+)")


def _is_secret_argument(value: str) -> bool:
    """A command's argument that is a credential: typed like a password, or long and generated."""
    return _is_typed_secret(value) or (len(value) >= 20 and _is_random(value))


def _command_hits(text: str) -> Iterator[_Hit]:
    for match in _CREDENTIAL_COMMAND.finditer(text):
        if _glued(text, match.start()):
            continue
        for arg in _ARGUMENT.finditer(match.group(1)):
            group = next(n for n in (1, 2, 3) if arg.group(n) is not None)
            value, offset = arg.group(group), 0
            flag = re.match(r"--?[\w-]+=|-[A-Za-z](?=['\"])", value)  # `--body=…`, `-b'…'`
            if flag:
                offset, value = flag.end(), value[flag.end() :]
            if len(value) > 1 and value[0] in "'\"" and value[-1] == value[0]:
                offset, value = offset + 1, value[1:-1]
            if value.startswith("-") or not _is_secret_argument(value):
                continue
            start = match.start(1) + arg.start(group) + offset
            yield _Hit("password on a command line", start, start + len(value))
    for match in _PIPED_SECRET.finditer(text):
        value, start = match.group(2), match.start(2)
        if not _LOGIN_WORDS.search(match.group(3).lower()):
            continue
        if ":" in value and "chpasswd" in match.group(3):
            start += value.index(":") + 1
            value = value.split(":", 1)[1]
        if _is_secret_argument(value):
            yield _Hit("password on a command line", start, start + len(value))


# A string literal passed to a call (`new mysqli("db", "shop", "x^e9…", "shop")`, `Fernet(b'…')`,
# `NetworkCredential("svc", "W^0X…")`, `[]byte("…")`, `rollbar.init('<hex>')`): in code a secret is
# often an argument with no name beside it. A value that reads as generated (mixed case and a digit, or
# a symbol) is one wherever it is passed; a hex or single-case value only to a call whose name says
# key, secret, token, auth, cipher, HMAC, credential, connect or init (else it is a digest or an id).
_CALL_LITERAL = Gated(r"[(,][ \t]*(?:\w+[ \t]*=[ \t]*)?[bru]?(['\"`])([^\s'\"`\\()\[\]{}<>]{12,200})\1(?=[ \t]*[,)])")
_CREDENTIAL_CALL = re.compile(
    r"key|secret|token|auth|cipher|hmac|fernet|credential|connect|login|init|password|passwd|apikey|client|signing|byte|aes"
)
# The last name of the callee (`base64.b64decode`, `logger.info`): calls that take digests, ids and text.
_NOT_A_CREDENTIAL_CALL = re.compile(
    r"\w{0,40}?(?:decode|hash|digest)\w*|unhexlify|fromhex|sha\d*|md5|uuid|objectid|colou?r|compile|match|search|format\w*|"
    r"translate|gettext|log|logger|info|debug|warn\w*|error|trace|print\w*|assert\w*|equal\w*|expect|tobe\w*|id|get|fetch|"
    r"open|join|path|query|select|find\w*|parse|loads?|write|read|send|emit|render|t|_"
)
_CALLEE = re.compile(r"[\w.:\[\]>$-]*$")


def _call_literal_hits(text: str) -> Iterator[_Hit]:
    for match in _CALL_LITERAL.finditer(text):
        value = match.group(2)
        if not _is_random(value):
            continue
        line_start = text.rfind("\n", max(0, match.start() - 300), match.start()) + 1
        before = text[max(line_start, match.start() - 300) : match.start() + 1]
        depth, callee_end = 0, -1
        for i in range(len(before) - 1, -1, -1):  # the call this literal is an argument of
            depth += {")": 1, "(": -1}.get(before[i], 0)
            if depth < 0:
                callee_end = i
                break
        found = _CALLEE.search(before[:callee_end].rstrip().lower()) if callee_end >= 0 else None
        callee = found.group() if found else ""
        if _NOT_A_CREDENTIAL_CALL.fullmatch(re.split(r"\.|::|->", callee)[-1]):
            continue
        if re.fullmatch(r"[a-z]{2,8}_[A-Za-z0-9]{8,}", value):
            continue  # an object id with its type in front (`cus_…`, `req_…`); providers' keys have rules
        strong = _is_typed_secret(value) and not _is_content_address(value)
        if strong or (_CREDENTIAL_CALL.search(callee) and len(value) >= 16):
            yield _Hit("secret passed in code", *match.span(2))


# --- secrets: what is not one, although it sits where one would ---------------------------------

# A doc's published example, said to be one on its line (Slack's docs token, RFC 7519's JWT, jwt.io's).
_DOC_EXAMPLE = re.compile(
    r"(?i)\b(?:docs|documentation|documented|spec|rfc ?\d+|jwt\.io|readme|tutorial)\b[^\n]{0,80}?"
    r"\b(?:examples?|samples?|test key|not an? (?:live|real|valid))\b(?![./])"
    r"|\b(?:examples?|samples?)\b(?![./])[^\n]{0,80}?\b(?:docs|documentation|spec|rfc ?\d+|jwt\.io)\b"
)
# A key its line calls public (a WireGuard public key, an SDK's publishable key): only the names the
# context rules find are judged so; a provider's secret format is never public.
_SAID_PUBLIC = re.compile(
    r"(?i)\bpublic (?:sdk |api |client |)key\b|\bpublishable\b|\bpublic[ -]by[ -]design\b|safe to (?:share|publish|expose|commit)"
    r"|(?://|#|/\*)[^\n]{0,120}?\bpublic\b"  # a code comment that says so
)
_SAID_PUBLIC_WORD = re.compile(r"(?i)publi|safe to ")


def _said_public(text: str) -> Iterator[int]:
    """Where `_SAID_PUBLIC` matches, read only on the lines that hold "publi" or "safe to" (each of its
    forms does, and none crosses a line): in a note of `/` or `#`, each one began a comment that was
    read on for 120 characters looking for "public", seconds per megabyte."""
    at = 0
    while (word := _SAID_PUBLIC_WORD.search(text, at)) is not None:
        start = text.rfind("\n", 0, word.start()) + 1
        end = text.find("\n", word.end())
        end = len(text) if end < 0 else end
        yield from (m.start() for m in _SAID_PUBLIC.finditer(text, start, end))
        at = end + 1


_PUBLIC_KEY_LINE = re.compile(r"(?im)^[ \t]*(?:public key|peer|publickey)[ \t]*[:=]")
# A credential's reference rather than its value: the value sits inside one of these tokens.
_REFERENCE = re.compile(
    r"\{\{|\$\{|%env\(|^['\"]?arn:|^['\"]?(?:vault|op|sm|ref\+\w+|gcp|azure)[:/]|@Microsoft\.KeyVault"
)
# Test code, where a readable password is a fixture (`'password': 'correct-horse'`).
_TEST_CODE = re.compile(
    r"\bdef test_|\bassert\b|\bexpect\(|\bit\(['\"]|\bdescribe\(|@pytest|\bconftest\b|\bTestCase\b|\bfixtures?\b"
)
_CONTEXT_KINDS = frozenset(
    (
        _ASSIGNMENT,
        "password or key stated in the text",
        "password on a command line",
        "password in a config file",
        "secret passed in code",
    )
)


_AROUND = 200
"""How far around a hit its token and line are looked at: a note of one 1 MB line must not cost n²."""


class _Surroundings:
    """Where a text says a value is an example, public or test code: found once per text, on the first
    hit that asks (most texts have none), so that many hits on one long line cost no more than one."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._marks: list[int] | None = None
        self._test_code: bool | None = None

    def marks(self) -> list[int]:
        """Starts of every doc-example, said-public and public-key-line marker, in order."""
        if self._marks is None:
            found = {m.start() for m in _DOC_EXAMPLE.finditer(self.text)} | set(_said_public(self.text))
            found |= {m.start() for m in _PUBLIC_KEY_LINE.finditer(self.text)}
            self._marks = sorted(found)
        return self._marks

    def marked_line(self, start: int, end: int) -> bool:
        """Whether a marker starts on the line of `start`…`end` (within `_AROUND` of it)."""
        lo, hi = _line_bounds(self.text, start, end)
        marks = self.marks()
        i = bisect.bisect_left(marks, lo)
        return i < len(marks) and marks[i] < hi

    def in_test_code(self) -> bool:
        if self._test_code is None:
            self._test_code = _TEST_CODE.search(self.text) is not None
        return self._test_code


def _vetoed(hit: _Hit, around: _Surroundings) -> bool:
    """A hit that its surroundings say is not a secret: a value inside a reference to one (an ARN, a
    `{{resolve:secretsmanager:…}}`, `%env(…)%`), a doc's marked example, a key called public, a test's
    readable fixture."""
    text = around.text
    lo, hi = max(0, hit.start - _AROUND), min(len(text), hit.end + _AROUND)
    token_start = max(lo - 1, *(text.rfind(c, lo, hit.start) for c in " \t\n")) + 1
    token_end = min((i for i in (text.find(c, hit.end, hi) for c in " \t\n") if i >= 0), default=hi)
    if _REFERENCE.search(text[token_start:token_end]):
        return True
    if hit.what not in _CONTEXT_KINDS:
        # a provider's format is never public, but a doc's example of one is marked as such
        return (
            around.marked_line(hit.start, hit.end) and _DOC_EXAMPLE.search(_line(text, hit.start, hit.end)) is not None
        )
    if around.marked_line(hit.start, hit.end):
        return True
    return _is_readable(text[hit.start : hit.end]) and around.in_test_code()


def _line_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """Where the line around a span starts and ends, at most `_AROUND` characters either side."""
    lo = max(text.rfind("\n", max(0, start - _AROUND), start) + 1, start - _AROUND, 0)
    stop = text.find("\n", end, end + _AROUND)
    return lo, end + _AROUND if stop < 0 else stop


def _line(text: str, start: int, end: int) -> str:
    """The line around a span, at most `_AROUND` characters either side."""
    lo, hi = _line_bounds(text, start, end)
    return text[lo:hi]


_BASE64_RUN = re.compile(r"(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{40,4096}={0,2}(?![A-Za-z0-9+/=])")
_MOST_UNWRAPPED = 32


def _wrapped_hits(text: str) -> Iterator[_Hit]:
    """A config, URL or key file wrapped in base64 (a CI variable `ENV_FILE_B64`, a Kubernetes Secret's
    `data:`, `echo '…' | base64 -d`): each of the first few runs that decodes to text is screened as
    text, one level deep, and the run is the secret if its text holds one."""
    for match in itertools.islice(_BASE64_RUN.finditer(text), _MOST_UNWRAPPED):
        run = match.group()
        try:
            decoded = base64.b64decode(run + "=" * (-len(run) % 4), validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            continue
        if decoded.isprintable() or all(c.isprintable() or c in "\n\r\t" for c in decoded):
            found = _hits(decoded, 1, unwrap=False)
            if found:
                yield _Hit(found[0].what, match.start(), match.end())


# Spaces other than ASCII's (no-break, thin, ideographic: pasted from web pages, Slack, Word, and
# French typography before `:`) read as a space, line separators as a line break, full-width ASCII
# as ASCII: the rules say `[ \t]` and `\n`. One character for one, so that spans carry over.
_SPACE_LIKE = "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
_LINE_LIKE = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_PLAIN = str.maketrans(
    {**{ord(c): " " for c in _SPACE_LIKE}, **{ord(c): "\n" for c in _LINE_LIKE}}
    | {0xFF01 + i: 0x21 + i for i in range(94)}
)


def _plain_spaces(text: str) -> str:
    """The text as the rules read it (see `_PLAIN`), of the same length as the text."""
    return text if text.isascii() else text.translate(_PLAIN)


_PEM_BEGIN = re.compile(r"-{4,5} ?BEGIN ([A-Z0-9 ]*)PRIVATE KEY( BLOCK)? ?-{4,5}")
_PEM_END = re.compile(r"-{4,5} ?END ([A-Z0-9 ]*)PRIVATE KEY( BLOCK)? ?-{4,5}")
_KEY_LINE = re.compile(r"(?:[A-Za-z0-9+/]{16,}={0,2}[ \t]*)+|[A-Za-z0-9+/]{1,15}={0,2}|=[A-Za-z0-9+/]{4}")
_KEY_HEADER = re.compile(r"[\w-]++: [^\n]*")  # Proc-Type, DEK-Info, Comment: before the body only
_KEY_MOST = 40_000
"""How far a key block is followed: an RSA-4096 PGP key with subkeys is about 7,000 characters."""


_ESCAPED_BODY = re.compile(r"(?:\\r)?\\n[A-Za-z0-9+/=]{20,}")
"""A key body written on one line with its line breaks escaped, as JSON holds it (a service account's
`"private_key": "-----BEGIN PRIVATE KEY-----\\nMIIE…`), cut short or not."""


def _body_end(text: str, pos: int, limit: int) -> int:
    """The end of the key body from `pos`: lines of base64, headers first, blank lines anywhere."""
    end, body = pos, False
    while pos < limit:
        stop = text.find("\n", pos, limit)
        stop = limit if stop < 0 else stop
        line = text[pos:stop].strip()
        if line and (_KEY_LINE.fullmatch(line) or _ESCAPED_BODY.match(line)):
            end, body = stop, True
        elif line and not (not body and _KEY_HEADER.fullmatch(line)):
            break
        pos = stop + 1
    return end


def _body_start(text: str, pos: int, floor: int) -> int:
    """The start of the base64 lines (blank lines between them) that end at `pos`."""
    start = pos
    while pos > floor:
        begin = max(text.rfind("\n", floor, pos - 1) + 1, floor) if pos - 1 > floor else floor
        line = text[begin:pos].strip()
        if line and not _KEY_LINE.fullmatch(line):
            break
        if line:
            start = begin + (len(text[begin:pos]) - len(text[begin:pos].lstrip()))
        pos = begin
    return start


def _private_key_hits(text: str) -> Iterator[_Hit]:
    """PEM private keys: from BEGIN to the END line of the same label, however many blank lines a
    paste put between the body's lines (bounded: `_KEY_MOST`); with no END (a text cut inside the
    key), as far as its body goes; and an END line with the body before it but no BEGIN (the other
    half of that cut). A docs skeleton (`...` for a body) has no key body and is not one."""
    spans: list[tuple[int, int]] = []
    if "PRIVATE KEY" in text:
        yield from _armoured_key_hits(text, spans)
    yield from _bare_key_hits(text, spans)


def _armoured_key_hits(text: str, spans: list[tuple[int, int]]) -> Iterator[_Hit]:
    """Blocks from BEGIN (to END, or as far as the body goes), then END lines with no BEGIN; each
    span found is added to `spans`."""
    begins = list(_PEM_BEGIN.finditer(text))
    for n, begin in enumerate(begins):
        if spans and begin.start() < spans[-1][1]:
            continue
        limit = min(len(text), begin.end() + _KEY_MOST, begins[n + 1].start() if n + 1 < len(begins) else len(text))
        ends = (m for m in _PEM_END.finditer(text, begin.end(), limit) if m.groups() == begin.groups())
        end = next(ends, None)
        stop = end.end() if end else _body_end(text, begin.end(), limit)
        if _has_key_body(text[begin.start() : stop]):
            spans.append((begin.start(), stop))
            yield _Hit("private key", begin.start(), stop)
    for end in _PEM_END.finditer(text):
        if any(lo <= end.start() < hi for lo, hi in spans):
            continue
        floor = max([hi for _, hi in spans if hi <= end.start()] + [end.start() - _KEY_MOST, 0])
        start = _body_start(text, end.start(), floor)
        if start < end.start() and _has_key_body(text[start : end.start()]):
            spans.append((start, end.end()))
            yield _Hit("private key", start, end.end())


_WRAPPED_LINE = re.compile(r"(?m)^[ \t]*([A-Za-z0-9+/]{60,76}={0,2})[ \t]*\r?$")
_PUBLIC_DER = re.compile(
    r"MII[A-Za-z0-9+/]{3}CC|MI[A-Za-z0-9+/]{2,3}ANBgkqhkiG9w0BAQEFAAOC|MFkwEwYHKoZIzj0CAQ|MCowBQYDK2V|mQ"
)
"""How a certificate, a public key or a PGP public key block begins, in base64."""
_BARE_LINES = 8


def _bare_key_hits(text: str, spans: list[tuple[int, int]]) -> Iterator[_Hit]:
    """A key body with neither its BEGIN nor its END line (a paste cut on both sides): at least
    `_BARE_LINES` base64 lines of one width from 60 to 76 (PEM's 64, OpenSSH's 70, MIME's 76), blank
    lines allowed between, with no armour line next to them that says what they are."""
    run: list[re.Match[str]] = []
    for line in itertools.chain(_WRAPPED_LINE.finditer(text), [None]):
        if line is not None and run and not text[run[-1].end() : line.start()].strip():
            run.append(line)
            continue
        if len(run) >= _BARE_LINES:
            hit = _bare_run(text, run, spans)
            if hit is not None:
                yield hit
        run = [line] if line is not None else []


def _bare_run(text: str, run: list[re.Match[str]], spans: list[tuple[int, int]]) -> _Hit | None:
    widths = Counter(len(m.group(1)) for m in run)
    if widths.most_common(1)[0][1] < len(run) - 2 or _PUBLIC_DER.match(run[0].group(1)):
        return None
    start, end = run[0].start(1), run[-1].end(1)
    if any(lo <= start < hi or lo < end <= hi for lo, hi in spans):
        return None
    before = text[max(0, start - 300) : start].rstrip().rsplit("\n", 1)[-1].strip()
    after = text[end : end + 300].lstrip().split("\n", 1)[0].strip()
    if before.startswith(("-----", "---- ")) or after.startswith(("-----", "---- ")):
        return None  # armour says what this is: a private key's is found above, a public one is no secret
    if len(after) >= 4 and _KEY_LINE.fullmatch(after) and not after.isalpha():  # the body's last, shorter line
        end = text.index(after, end) + len(after)
    return _Hit("private key (without its header)", start, end)


_CODE_LINE = re.compile(r"[ \t]*+(?:[-*]|\d{1,2}[.)])?[ \t]*+([A-Za-z0-9]{4,5})[- ]([A-Za-z0-9]{4,5})[ \t]*+")
_SHEET_MOST = 4_000
_SHEET_CODES = 5


def _code_sheet_hits(text: str) -> Iterator[_Hit]:
    """A file of recovery codes with no heading that says so (GitHub's `b8e1c-4a9f2` lines, Google's
    `8413 2291` pairs): several code-shaped lines, every group different (a list of `PROJ-1234`
    tickets shares its first), digits in most of them, and little else in the text."""
    if len(text) > _SHEET_MOST:
        return
    lines = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text) if m.group().strip()]
    codes = [(lo, hi, m) for lo, hi in lines if (m := _CODE_LINE.fullmatch(text, lo, hi))]
    if len(codes) < _SHEET_CODES or len(codes) < 0.75 * len(lines):
        return
    firsts, seconds = [m.group(1) for *_, m in codes], [m.group(2) for *_, m in codes]
    with_digits = sum(any(c.isdigit() for c in m.group(1) + m.group(2)) for *_, m in codes)
    if len(set(firsts)) == len(codes) and len(set(seconds)) == len(codes) and with_digits >= 0.75 * len(codes):
        yield _Hit("recovery codes", codes[0][0], codes[-1][1])


def _hits(text: str, limit: int | None = None, unwrap: bool = True) -> list[_Hit]:
    """Every secret in the text (the first `limit` of them), the most specific names first: provider
    formats, then contexts, then what base64 wraps (`unwrap`). Found lazily, so a note made of
    thousands of secrets stops costing at the limit instead of judging every one."""
    ds = _detect_secrets()
    text = _plain_spaces(text)  # the same length: every span found is a span of the text given
    text, unseen = _visible(text)  # a zero-width space inside a token does not hide it; mapped back
    text, where = _squeezed(text)  # no rule sees a long run of white space; spans are mapped back
    if unseen is not None:
        where = [unseen[i] for i in where] if where is not None else unseen
    folded = _fold(text)  # the text with ASCII letters lowered, for every folded pattern
    found = itertools.chain(
        _private_key_hits(text),
        _code_sheet_hits(text),
        _plugin_hits(text, folded, ds),
        _rule_hits(text, folded),
        _cookie_hits(text, folded),
        _card_hits(folded),
        _flag_hits(text),
        _command_hits(text),
        _call_literal_hits(text),
        _keyword_hits(text, folded, ds),
        _wrapped_hits(text) if unwrap else (),
    )
    around = _Surroundings(text)
    hits = list(itertools.islice((hit for hit in found if not _vetoed(hit, around)), limit))
    if where is None:
        return hits
    return [
        _Hit(hit.what, where[hit.start], where[max(hit.start, hit.end - 1)] + (hit.end > hit.start)) for hit in hits
    ]


_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164"
    "\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8\U0001d173-\U0001d17a\U000e0000-\U000e0fff]"
)
"""Characters that show nothing (zero-width spaces and joiners, bidi marks, soft hyphens, variation
selectors, tag characters): one inside a token splits it for a pattern, not for whoever copies it."""


def _visible(text: str) -> tuple[str, list[int] | None]:
    """The text without invisible characters, and where each character left came from (None when it
    held none: the text is returned as it is)."""
    if not _INVISIBLE.search(text):
        return text, None
    where = [i for i, ch in enumerate(text) if not _INVISIBLE.match(ch)]
    where.append(len(text))  # one past the end, for a span that ends there
    return "".join(text[i] for i in where[:-1]), where


_LONG_RUN = re.compile(r"\s{17,}")
_RUN_ENDS = 8


def _squeezed(text: str) -> tuple[str, list[int] | None]:
    """The text with each run of white space longer than 16 cut to its first and last 8 characters
    (and a line break from between, if it held one), and where each character came from.

    Rules allow white space around what they look for (`password\\s*:?\\s+…`, detect-secrets' own
    `key *= +…`), and a note of ten thousand spaces after "password" makes a pattern try every way of
    sharing them out: minutes for one note. No secret is inside such a run, and what is around it
    stays as it was, so the same secrets are found, at the same places in the text given.
    """
    if not _LONG_RUN.search(text):
        return text, None
    pieces: list[str] = []
    where: list[int] = []
    last = 0
    for run in _LONG_RUN.finditer(text):
        start, end = run.span()
        kept = [*range(start, start + _RUN_ENDS)]
        middle = text.find("\n", start + _RUN_ENDS, end - _RUN_ENDS)
        if middle >= 0:
            kept.append(middle)
        kept += range(end - _RUN_ENDS, end)
        pieces += (text[last:start], "".join(text[i] for i in kept))
        where.extend(range(last, start))
        where.extend(kept)
        last = end
    pieces.append(text[last:])
    where.extend(range(last, len(text) + 1))  # and one past the end, for a span that ends there
    return "".join(pieces), where


_KINDS_LIMIT = 1000
"""Secrets looked at to name a text's kinds: a real note holds a few; one holding thousands (a dump,
an attack on the parser) is refused or withheld all the same, and is named by its first 1,000."""


def secret_kinds(text: str) -> list[str]:
    """One name per kind of credential in the text (e.g. "GitHub token"), never the text itself."""
    return list(dict.fromkeys(hit.what for hit in _hits(text, _KINDS_LIMIT)))


_FEW_VALUES = 64


def _replace_values(text: str, values: dict[str, str]) -> str:
    """Each value replaced by `[redacted <kind>]` wherever it occurs, a longer one before one inside it.

    A few values: `str.replace` each. Many (a dump of thousands): one pass that looks each position's
    first characters up among the values' (`str.replace` per value would read the text once per value).
    """
    ordered = sorted(values, key=len, reverse=True)
    if len(ordered) <= _FEW_VALUES:
        for value in ordered:
            text = text.replace(value, f"[redacted {values[value]}]")
        return text
    width = min(6, *map(len, ordered))
    starting: dict[str, list[str]] = {}
    for value in ordered:
        starting.setdefault(value[:width], []).append(value)
    out: list[str] = []
    done = i = 0
    while i <= len(text) - width:
        found = next((v for v in starting.get(text[i : i + width], ()) if text.startswith(v, i)), None)
        if found is None:
            i += 1
            continue
        out += [text[done:i], f"[redacted {values[found]}]"]
        i = done = i + len(found)
    return "".join([*out, text[done:]])


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
            if hit.end > hit.start:
                values.setdefault(text[hit.start : hit.end], hit.what)
        if not values:
            break
        text = _replace_values(text, values)
    return text
