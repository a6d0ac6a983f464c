"""Notes recall never puts into a prompt: those holding text addressed to a model, or a secret, and
those the screens could not read through in their budget (so cannot vouch for).

memem refuses to write either (`memem.memory.screen`), but a note can arrive holding one through an
edit, a sync or a team's pull. Such a note is still indexed (nothing in the vault is hidden from its
owner: `memem doctor` names it, Obsidian shows it), and the warning parsing gives it tells recall to
leave it out of every prompt and search. Each kind has its own warning, naming what was found (never
quoting it); all end with the same words, so one check, in Python or SQL, reads them all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

TYPE_CHECKING = False  # see memem.hooks.events: `typing` is kept off the hook's path
if TYPE_CHECKING:
    from typing import TypeVar

    _T = TypeVar("_T")

WITHHELD = "kept out of what recall puts in a prompt"
ADDRESSED = "text addressed to a model"
SECRET = "a secret"
UNSCREENED = "text too costly to screen"
KINDS = (ADDRESSED, SECRET, UNSCREENED)
NOTE_SECONDS = 0.9
"""CPU one note may cost to read: what parsing its properties and links leaves of it is the screens'
budget. An ordinary note costs a few milliseconds and 1 MB of prose about half a second; only a text
built to make the patterns work (every literal they look for, then a megabyte they can each share
out) runs out of it, and is kept out of recall rather than read on."""


def screened(read: Callable[[], _T], spent: float = 0.0) -> _T | None:
    """`read()` (screening a note's text) within the CPU a note gets, less the `spent` seconds reading
    it has cost so far; None when the budget ran out. The patterns are compiled and the learned
    check's weights read first: that one-time cost is the process's, not the first note's."""
    # Here, not at the top: the hook path reads WITHHELD from this module and must stay light.
    from memem.vault import injection, planted, secrets
    from memem.vault.literals import TooCostly, budget

    injection.prepare()
    secrets.prepare()
    planted.model()
    try:
        with budget(NOTE_SECONDS - spent):
            return read()
    except TooCostly:
        return None


def withheld_warnings(text: str, spent: float = 0.0, learned: bool = False) -> list[str]:
    """The warnings a note with this title and body gets, one per kind found (none: recall may use it);
    `spent`: the CPU seconds reading the note has cost so far. `learned`: the note is not the person's
    own (a team's pull), so the learned check's opinion counts too, as for what memem writes; a
    person's own note is judged by the patterns alone, so a false alarm never hides it."""
    from memem.vault import injection, planted, secrets

    def found() -> list[tuple[str, str]]:
        # A note holding a secret is kept out of every prompt already: it is not read a second time for
        # text addressed to a model (a 1 MB dump of tokens would cost that screen a second more for
        # nothing). Once the secret is gone, the note is parsed again and that screen runs.
        held = ", ".join(secrets.secret_kinds(text))
        if held:
            return [(SECRET, held)]
        addressed = injection.on_parse(text) or (planted.planted(text) if learned else [])
        return [(ADDRESSED, "; ".join(addressed))]

    kinds = screened(found, spent)
    if kinds is None:
        kinds = [(UNSCREENED, f"over {NOTE_SECONDS:g} s of CPU")]
    return [f"{kind} ({what}): {WITHHELD}" for kind, what in kinds if what]


def is_withheld(warnings: Sequence[str]) -> bool:
    """Whether a note's warnings keep it out of recall."""
    return any(w.endswith(WITHHELD) for w in warnings)


def why_withheld(warning: str) -> tuple[str, str] | None:
    """(kind, what was found) from one such warning; None for any other warning."""
    if not warning.endswith(WITHHELD):
        return None
    for kind in KINDS:
        if warning.startswith(f"{kind} ("):
            return kind, warning[len(kind) + 2 : -len(WITHHELD) - 3]
    return None
