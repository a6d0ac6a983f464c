"""Log lines with their secrets redacted, traceback included.

A log message may quote a tool's argument, a file's name, a model's answer or an exception's text, and
no log memem writes (`daemon.log`, the miner's `miner.log`) may hold a secret.
"""

from __future__ import annotations

import logging
import sys


class RedactingFormatter(logging.Formatter):
    """Every record formatted, then screened: what cannot be screened is not written as it is."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        try:
            from memem.vault.secrets import redact

            return redact(text)
        except Exception:  # a log line must never fail, nor be written unscreened
            return f"{record.levelname} {record.name}: (a message that could not be screened for secrets)"


def redacted_stderr(level: int = logging.WARNING) -> None:
    """Send this process's log records to stderr, redacted (without it, Python's last-resort handler
    writes warnings there as they are): for a command whose stderr is a log file (the miner's)."""
    root = logging.getLogger()
    if any(isinstance(h.formatter, RedactingFormatter) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter("%(levelname)s %(name)s: %(message)s"))
    handler.setLevel(level)
    root.addHandler(handler)
    if root.level > level or root.level == logging.NOTSET:
        root.setLevel(level)
