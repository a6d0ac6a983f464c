"""A problem memem reports, with the fix a person should apply (import-light: the CLI parser loads it)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    severity: str  # "error" (something is not indexed or is wrong) or "warning"
    what: str
    fix: str
    path: str | None = None
