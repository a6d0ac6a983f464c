"""Scoring retrieval against a labelled query set: recall@k, MRR, per stage, per category, per project.

Query files are JSON lines. Recognised fields: `question` (or `query`), `gold_ids_audited` (preferred
when present) or `gold_ids`, `project` (or `sample_id`, as in LoCoMo), and optionally `category` /
`category_name`. Queries without gold ids are skipped and counted.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CATEGORY_NAMES = {1: "multi-hop", 2: "temporal", 3: "open-domain", 4: "single-hop", 5: "adversarial"}


@dataclass(frozen=True)
class LabelledQuery:
    question: str
    gold: frozenset[str]
    project: str | None
    category: str


@dataclass
class Scores:
    ks: tuple[int, ...]
    n: int = 0
    recall: dict[int, float] = field(default_factory=lambda: defaultdict(float))
    mrr: float = 0.0

    def add(self, ranked: Sequence[str], gold: frozenset[str]) -> None:
        self.n += 1
        for k in self.ks:
            self.recall[k] += len(gold.intersection(ranked[:k])) / len(gold)
        self.mrr += next((1.0 / i for i, doc in enumerate(ranked, 1) if doc in gold), 0.0)

    def as_dict(self) -> dict[str, float]:
        if not self.n:
            return {"n": 0}
        out: dict[str, float] = {"n": self.n}
        out.update({f"R@{k}": round(self.recall[k] / self.n, 4) for k in self.ks})
        out["MRR"] = round(self.mrr / self.n, 4)
        return out


def _category(raw: dict[str, Any]) -> str:
    value = raw.get("category")
    if isinstance(value, int) and value in CATEGORY_NAMES:
        return f"{value} {CATEGORY_NAMES[value]}"
    return str(raw.get("category_name") or value or "all")


def load_queries(path: Path, categories: set[str] | None = None) -> tuple[list[LabelledQuery], int]:
    """The usable queries, and how many lines were skipped for lack of gold ids or text."""
    queries, skipped = [], 0
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{n}: not JSON ({exc})") from None
        if categories is not None and str(raw.get("category")) not in categories:
            continue
        text = raw.get("question") or raw.get("query")
        gold = raw.get("gold_ids_audited") or raw.get("gold_ids") or []
        if not isinstance(text, str) or not text.strip() or not gold:
            skipped += 1
            continue
        project = raw.get("project") or raw.get("sample_id")
        queries.append(LabelledQuery(text, frozenset(map(str, gold)), project, _category(raw)))
    return queries, skipped


Retriever = Callable[[Sequence[LabelledQuery], str, int], list[list[str]]]
"""(queries, mode, depth) -> ranked note ids per query."""


def evaluate(
    queries: Sequence[LabelledQuery], retrieve: Retriever, modes: Iterable[str], ks: tuple[int, ...]
) -> dict[str, dict[str, dict[str, float]]]:
    """mode -> {"all": scores, "<category>": scores, …}."""
    report: dict[str, dict[str, dict[str, float]]] = {}
    depth = max(ks)
    for mode in modes:
        overall = Scores(ks)
        groups: dict[str, Scores] = defaultdict(lambda: Scores(ks))
        for q, ranked in zip(queries, retrieve(queries, mode, depth), strict=True):
            overall.add(ranked, q.gold)
            groups[q.category].add(ranked, q.gold)
            groups[f"{PROJECT_PREFIX}{q.project}"].add(ranked, q.gold)
        report[mode] = {"all": overall.as_dict(), **{c: s.as_dict() for c, s in sorted(groups.items())}}
    return report


PROJECT_PREFIX = "project "
"""Groups named so are per project (LoCoMo: per conversation, the leave-one-out folds)."""


def render(report: dict[str, dict[str, dict[str, float]]], ks: tuple[int, ...]) -> str:
    metrics = [f"R@{k}" for k in ks] + ["MRR"]
    lines = [f"{'mode':<10}{'n':>6}" + "".join(f"{m:>8}" for m in metrics)]
    for mode, parts in report.items():
        s = parts["all"]
        lines.append(f"{mode:<10}{s['n']:>6.0f}" + "".join(f"{s.get(m, 0):>8.3f}" for m in metrics))
    first = next(iter(report.values()))
    for title, names in (
        ("category", [c for c in first if c != "all" and not c.startswith(PROJECT_PREFIX)]),
        ("project", [c for c in first if c.startswith(PROJECT_PREFIX)]),
    ):
        if len(names) < 2:
            continue
        shown = [m for m in (f"R@{k}" for k in ks if k in (5, 10)) if m in metrics] or metrics[:2]
        shown.append("MRR")
        lines.append("")
        lines.append(f"{title:<16}{'n':>5}  " + "  ".join(f"{mode + ' ' + '/'.join(shown):<28}" for mode in report))
        for c in names:
            cells = ["/".join(f"{report[mode][c].get(m, 0):.3f}" for m in shown) for mode in report]
            label = c.removeprefix(PROJECT_PREFIX)
            lines.append(f"{label[:16]:<16}{first[c]['n']:>5.0f}  " + "  ".join(f"{cell:<28}" for cell in cells))
    return "\n".join(lines)
