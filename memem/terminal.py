"""Text for a terminal: the characters that would act on it instead of being shown, made visible.

A note's title, id, path or body is anyone's text, and `memem search` prints it: an escape sequence in
a title would recolour, retitle or rewrite the screen of whoever runs the command (`ESC ] 0 ; …`
renames the window), a carriage return would overwrite the line before it, and a line separator or a
direction override would break or reorder what is read. Each such character is written as its
`\\uXXXX` escape instead, which is also a valid escape inside a JSON string, so JSON output stays
JSON. Standard library only: the hooks import nothing heavy.
"""

from __future__ import annotations

import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

# C0 controls but tab and newline, DEL, C1 controls, line and paragraph separators, direction
# embeddings, overrides and isolates.
_ACTING = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escaped(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def printable(text: str) -> str:
    """`text` with every character that acts on a terminal written as its `\\uXXXX` escape."""
    return _ACTING.sub(_escaped, text)


_BREAKING = re.compile("[\t\n]")


def inline(text: object) -> str:
    """A value shown inside a line (a path, a title, an id): `printable`, and a tab or line feed
    escaped too. A file name may hold a line feed, and a title falls back to the file's name, so
    `memem search` printed one result over two lines (a carriage return was already escaped)."""
    return _BREAKING.sub(_escaped, printable(str(text)))


class PrintableOutput:
    """A text stream that writes `printable` text: the CLI's stdout for commands people read."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        # A note saved with Windows line endings keeps them; its lines end as lines, not in `\u000d`.
        self._stream.write(printable(text.replace("\r\n", "\n")))
        return len(text)

    def __getattr__(self, name: str) -> object:  # flush, fileno, isatty, encoding, …
        return getattr(self._stream, name)
