"""Screening text before it becomes a memory: secrets are refused, instructions aimed at the model too.

A memory is injected into future prompts and synced wherever the vault goes, so two kinds of text
must never land in it: credentials (named by kind in the refusal, never echoed back or logged) and
prompt injection (text that tries to instruct the model that will later read it). Patterns favour
precision on the injection side: a memory *about* prompt injection is fine, a memory that *is* one
is not.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

_SECRET_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("private key", re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")),
    ("Anthropic API key", re.compile(r"\bsk-ant-[A-Za-z0-9_\-]{20,}")),
    ("OpenAI API key", re.compile(r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}")),
    ("AWS access key id", re.compile(r"\b(?:AKIA|ASIA|AIDA|AGPA|AROA)[0-9A-Z]{16}\b")),
    ("AWS secret access key", re.compile(r"(?i)aws.{0,20}(?:secret|private).{0,20}[:=]\s*['\"]?[A-Za-z0-9/+=]{40}\b")),
    ("GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})")),
    ("GitLab token", re.compile(r"\bglpat-[A-Za-z0-9_\-]{20,}")),
    ("Slack token", re.compile(r"\bxox[abprs]-[A-Za-z0-9\-]{10,}")),
    ("Slack webhook URL", re.compile(r"https://hooks\.slack\.com/services/[A-Za-z0-9/]{20,}")),
    ("Stripe key", re.compile(r"\b(?:sk|rk)_live_[0-9a-zA-Z]{20,}")),
    ("Google API key", re.compile(r"\bAIza[0-9A-Za-z_\-]{35}\b")),
    ("Google OAuth client secret", re.compile(r"\bGOCSPX-[A-Za-z0-9_\-]{20,}")),
    ("npm token", re.compile(r"\bnpm_[A-Za-z0-9]{36}\b")),
    ("PyPI token", re.compile(r"\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_\-]{50,}")),
    ("SendGrid API key", re.compile(r"\bSG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43}\b")),
    ("Twilio API key", re.compile(r"\bSK[0-9a-f]{32}\b")),
    ("Hugging Face token", re.compile(r"\bhf_[A-Za-z0-9]{34,}\b")),
    ("Azure storage key", re.compile(r"(?i)AccountKey=[A-Za-z0-9+/=]{40,}")),
    ("JSON web token", re.compile(r"\beyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{10,}")),
    ("password in a URL", re.compile(r"\b[a-z][a-z0-9+.\-]*://[^/\s:@'\"]+:[^/\s@'\"]{3,}@[^\s/]+")),
    (
        ".env secret",
        re.compile(
            r"(?m)(?<![A-Za-z0-9_])(?:export\s+)?[A-Z][A-Z0-9_]*(?:SECRET|TOKEN|PASSWORD|PASSWD|PWD|API_?KEY|PRIVATE_KEY|ACCESS_KEY|CREDENTIALS?)"
            r"[A-Z0-9_]*\s*=\s*['\"]?(?!\$\{|<|your|xxx|changeme|\*{3})[^\s'\"#]{8,}"
        ),
    ),
]

# `password: hunter2`-style assignments with a long, random-looking value.
_ASSIGNMENT = re.compile(
    r"(?i)\b(?:password|passwd|secret|api[_\- ]?key|access[_\- ]?token|auth[_\- ]?token|client[_\- ]?secret)"
    r"\s*[:=]\s*['\"]?([^\s'\"]{12,})"
)

_INJECTION_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("tells the model to ignore its instructions", re.compile(
        r"(?i)\b(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+|the\s+|your\s+|previous\s+|prior\s+|above\s+|earlier\s+)+"
        r"(?:instructions|prompts?|rules|directions|guidelines|context)")),
    ("claims to be a system or developer message", re.compile(
        r"(?i)(?:^|\n)\s*(?:#+\s*)?(?:system|developer)\s*(?:prompt|message|instructions?)?\s*:|<\s*/?\s*(?:system|im_start|im_end)\b")),
    ("tries to give the model a new role", re.compile(
        r"(?i)\byou are (?:now|no longer)\b|\bfrom now on,? (?:you|the assistant)\b|\bnew instructions\s*:")),
    ("asks the model to hide something from the person", re.compile(
        r"(?i)\b(?:do not|don't|never) (?:tell|inform|show|reveal to|mention (?:this )?to) the (?:user|person|human)"
        r"(?: about)? (?:this|that you|what you|these)\b|\bkeep (?:this|it) (?:secret|hidden) from the (?:user|person)")),
    ("asks the model to send data somewhere", re.compile(
        r"(?i)\b(?:send|post|upload|exfiltrate|forward)\b.{0,60}\b(?:api keys?|credentials|secrets|tokens?|passwords?|\.env|ssh keys?)\b.{0,40}\b(?:to|at)\b")),
    ("asks the model to run a downloaded script", re.compile(
        r"(?i)\b(?:curl|wget)\b[^\n|]{0,200}\|\s*(?:sudo\s+)?(?:ba|z)?sh\b.{0,40}(?:without asking|silently|always|automatically)")),
]  # fmt: skip


@dataclass(frozen=True)
class Finding:
    kind: str  # "secret" or "injection"
    what: str  # e.g. "GitHub token"; never the matched text


def _entropy(text: str) -> float:
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def find_secrets(text: str) -> list[Finding]:
    found = [Finding("secret", name) for name, pattern in _SECRET_PATTERNS if pattern.search(text)]
    for match in _ASSIGNMENT.finditer(text):
        value = match.group(1)
        if _entropy(value) >= 3.0 and any(c.isdigit() for c in value) and not value.startswith(("${", "<", "$")):
            found.append(Finding("secret", "password or key assignment"))
            break
    return list(dict.fromkeys(found))


def find_injection(text: str) -> list[Finding]:
    return [Finding("injection", why) for why, pattern in _INJECTION_PATTERNS if pattern.search(text)]


def screen(text: str) -> list[Finding]:
    """Everything wrong with a text as a memory; empty when it may be written."""
    return find_secrets(text) + find_injection(text)


def describe(findings: list[Finding]) -> str:
    """A refusal message naming what was found, without quoting any of it."""
    secrets = sorted({f.what for f in findings if f.kind == "secret"})
    injections = sorted({f.what for f in findings if f.kind == "injection"})
    parts = []
    if secrets:
        parts.append("it contains a secret (" + ", ".join(secrets) + ")")
    if injections:
        parts.append("it reads as instructions aimed at the model (" + "; ".join(injections) + ")")
    return " and ".join(parts)


def redact(text: str) -> str:
    """The text with every secret replaced by `[redacted <kind>]`: for anything sent out for mining."""
    for name, pattern in _SECRET_PATTERNS:
        text = pattern.sub(f"[redacted {name}]", text)

    def _assignment(match: re.Match[str]) -> str:
        value = match.group(1)
        if _entropy(value) >= 3.0 and any(c.isdigit() for c in value):
            return match.group(0).replace(value, "[redacted secret]")
        return match.group(0)

    return _ASSIGNMENT.sub(_assignment, text)
