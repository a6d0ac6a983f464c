"""Screening text before it becomes a memory: secrets are refused, instructions aimed at the model too.

A memory is injected into future prompts and synced wherever the vault goes, so two kinds of text
must never land in it: credentials (named by kind in the refusal, never echoed back or logged) and
prompt injection (text that tries to instruct the model that will later read it).

Secrets are found by `memem.vault.secrets`, injection by `memem.vault.injection`: every parsed note
is checked by both too, and one that holds either is kept out of recall (`memem.vault.withheld`).
memem's own writes get a second, learned opinion on injection (`memem.vault.planted`), which
catches much of what the patterns miss; a false alarm there costs a trip through the quarantine, so
it is not applied to notes a person writes in the vault.
`memem.recall.text.neutralise` is the second
line of defence: whatever reaches the prompt is flattened to one line without hidden text or role
markers.
"""

from __future__ import annotations

from dataclasses import dataclass

from memem.errors import Refused
from memem.vault.injection import addressed_to_model
from memem.vault.planted import planted
from memem.vault.secrets import redact, secret_kinds
from memem.vault.withheld import NOTE_SECONDS, screened

__all__ = [
    "Finding", "describe", "find_injection", "find_secrets", "quoted", "redact", "refuse_secret_name", "screen",
]  # fmt: skip


@dataclass(frozen=True)
class Finding:
    kind: str  # "secret", "injection", or "cost" (a text the screens could not read in their budget)
    what: str  # e.g. "GitHub token"; never the matched text


# --- secrets: `memem.vault.secrets`, where every parsed note is checked too ---------------------


def find_secrets(text: str) -> list[Finding]:
    """One finding per kind of credential in the text."""
    return [Finding("secret", what) for what in secret_kinds(text)]


# --- injection: `memem.vault.injection` (every parsed note is checked too), then `vault.planted` ---


def find_injection(text: str, learned: bool = True) -> list[Finding]:
    """One finding per class of instruction aimed at the model that will read the memory; when the
    patterns find none, the learned check's opinion (`learned=False`: the patterns alone, as for a
    note the person keeps in the vault; a team's note gets both, `vault.withheld`)."""
    found = addressed_to_model(text) or (planted(text) if learned else [])
    return [Finding("injection", what) for what in found]


def screen(text: str) -> list[Finding]:
    """Everything wrong with a text as a memory; empty when it may be written. A text the screens
    cannot read within the budget a note gets when it is parsed (`vault.withheld`) is refused: it
    would be kept out of recall once written."""
    found = screened(lambda: find_secrets(text) + find_injection(text))
    return [Finding("cost", f"over {NOTE_SECONDS:g} s of CPU")] if found is None else found


def describe(findings: list[Finding]) -> str:
    """A refusal message naming what was found, without quoting any of it."""
    secrets = sorted({f.what for f in findings if f.kind == "secret"})
    injections = sorted({f.what for f in findings if f.kind == "injection"})
    parts = [f"it is too costly to screen ({f.what}); shorten it" for f in findings if f.kind == "cost"][:1]
    if secrets:
        parts.append("it contains a secret (" + ", ".join(secrets) + ")")
    if injections:
        parts.append("it reads as instructions aimed at the model (" + "; ".join(injections) + ")")
    return " and ".join(parts)


def refuse_secret_name(value: str | None, what: str) -> None:
    """Refused when a name given in a request (a project) looks like a secret. A name is repeated where
    an error message would not be (a slice's heading says which project it is for, a file is named
    after it), so it is refused where it comes in rather than left to every place that shows it."""
    if value and find_secrets(value):
        raise Refused(f"{what} (not repeated: it looks like a secret) is not a name memem will use")


def quoted(text: str, what: str = "that value", limit: int = 200) -> str:
    """A value named in a message (a refusal, a log line), or, when it looks like a secret, a phrase
    saying it is not repeated: an error must not print what the screen exists to keep out."""
    if find_secrets(text):
        return f"{what} (not repeated: it looks like a secret)"
    return repr(text[:limit])
