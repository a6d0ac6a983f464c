"""The active memory slice: what Claude sees of memem before a prompt, as compact markdown.

The renderer for the CLI, the daemon's hooks and the MCP tools. Two sections: **Working** (pinned layer-0
notes of the project and open tensions between recalled notes) and **Relevant** (ranked: title,
one-line snippet, id). It stops at the caller's token budget; full text is fetched by id only when
asked. The whole slice sits between markers so the miner can strip it from transcripts: memem
must never mine its own injected context back as new memories.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from memem.recall.text import CLOSE, OPEN, estimate_tokens, neutralise

if TYPE_CHECKING:
    from memem.recall.search import Hit


@dataclass(frozen=True)
class Slice:
    markdown: str  # empty when nothing fits or nothing was given
    shown: tuple[str, ...]  # ids in the order shown
    tokens: int

    @property
    def empty(self) -> bool:
        return not self.markdown


def _line(hit: Hit, n: int | None) -> str:
    """One memory as a slice line. Note text is neutralised: a person's note is not screened, and a
    hidden comment or a role label in it must not reach the prompt as anything but plain words."""
    lead = "📌" if n is None else f"{n}."
    kind = f" · {neutralise(hit.row.kind)}" if hit.row.kind else ""
    title, snippet = neutralise(hit.row.title), neutralise(hit.snippet)
    text = f"{lead} **{title}** — {snippet}" if snippet else f"{lead} **{title}**"
    return f"{text} `{neutralise(hit.row.id)}`{kind}"


def render(
    hits: Sequence[Hit], budget_tokens: int = 600, project: str | None = None, with_markers: bool = True
) -> Slice:
    """Render hits (pinned ones first, as `search` returns them) within `budget_tokens`."""
    pinned = [h for h in hits if h.pinned]
    ranked = [h for h in hits if not h.pinned]
    if not pinned and not ranked:
        return Slice("", (), 0)
    scope = f" for {project}" if project else ""
    head = [OPEN] if with_markers else []
    head.append(f"## memem: what you remember{scope}")
    foot = ["_Full text: `memory_get` with these ids._"] + ([CLOSE] if with_markers else [])
    lines = list(head)
    used = estimate_tokens("\n".join(head + foot))
    if used > budget_tokens:
        return Slice("", (), 0)
    shown: list[str] = []

    def add(line: str) -> bool:
        nonlocal used
        cost = estimate_tokens(line) + 1
        if used + cost > budget_tokens:
            return False
        lines.append(line)
        used += cost
        return True

    tensions = []
    seen_pairs: set[frozenset[str]] = set()
    for hit in ranked:
        for other_id, other_title in hit.tensions:
            pair = frozenset((hit.row.id, other_id))
            if pair not in seen_pairs:
                seen_pairs.add(pair)
                this = f"**{neutralise(hit.row.title)}** (`{neutralise(hit.row.id)}`)"
                that = f"**{neutralise(other_title)}** (`{neutralise(other_id)}`)"
                tensions.append(f"- ⚠ {this} contradicts {that}: check which holds")
    if (pinned or tensions) and add("### Working"):
        for hit in pinned:
            if add(_line(hit, None)):
                shown.append(hit.row.id)
        for tension in tensions:
            add(tension)
    if ranked and add("### Relevant"):
        for n, hit in enumerate(ranked, 1):
            if not add(_line(hit, n)):
                break
            shown.append(hit.row.id)
    if not shown:
        return Slice("", (), 0)
    lines.extend(foot)
    markdown = "\n".join(lines)
    return Slice(markdown, tuple(shown), estimate_tokens(markdown))
