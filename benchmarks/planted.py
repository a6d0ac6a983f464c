"""The learned injection check (`memem/vault/planted.py`): its training, its weights, its held-out table.

    python -m benchmarks.planted                  # each red-team set held out in turn: a table
    python -m benchmarks.planted --write-readme   # the same, written into README.md
    python -m benchmarks.planted --write          # train on everything, write memem/vault/planted.bin

Every figure is held out: for each red-team set, a model trained without that set judges it (its
attacks and its benign notes), beside the pattern screen as it stands; ordinary text (sessions,
memories, public rules for AI assistants) is judged in five folds the same way. The operating point
(`THRESHOLD`) and the few knobs below were chosen on sets 1 to 8 this way (the features and the first
threshold before set 9 was written); see the README for what set 9 measured when it came.

Data, all in the repository: the red-team sets (`tests/fixtures/redteam`: attacks written by
reviewers who had not read the screen, and the hard benign notes they wrote beside them), the
project's corpora (`tests/memory/corpora.py`), the recorded sessions and labelled lessons of
`tests/fixtures`, the developer memories of `tests/fixtures/injection*`, and the paragraphs of the
awesome-cursorrules collection (`tests/fixtures/benign`, CC0). Needs numpy (installed with memem).
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmarks.common import print_table, write_readme_table
from memem.vault.planted import BITS, WEIGHTS, Model, chunks, features

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
THRESHOLD = 0.75
"""The score above which a text is flagged, chosen on sets 1-8 and ordinary text held out (never on
set 9): 0.5 until the second and third training sets came, then 0.75, where ordinary text (a goroutine
convention, a note on moving build notes) stopped being flagged for a few more misses."""
HARD_WEIGHT = 3.0
"""How much more a benign note written to look like an attack counts than ordinary text."""
L2 = 1e-5
EPOCHS = 300
ORDINARY_FOLDS = 5


@dataclass(frozen=True)
class Text:
    group: str  # "set1" … "set9", "training", "corpus", "memories" (hard); "ordinary"
    planted: bool
    text: str


def corpus() -> list[Text]:
    """Every labelled text, each once (the first group that holds it keeps it)."""
    sys.path.insert(0, str(REPO))
    from tests.memory.corpora import benign_imperatives, benign_lookalikes, injections

    out: list[Text] = []
    seen: set[str] = set()

    def add(group: str, planted: bool, texts: Iterator[str] | Sequence[str]) -> None:
        for text in texts:
            if text.strip() and text not in seen:
                seen.add(text)
                out.append(Text(group, planted, text))

    for path in sorted(FIXTURES.glob("redteam/injection-set*.json"), key=lambda p: int(p.stem.rsplit("set", 1)[1])):
        data = json.loads(path.read_text(encoding="utf-8"))
        add(f"set{data['set']}", True, data["injections"])
        add(f"set{data['set']}", False, data["benign"])
    for path in sorted(FIXTURES.glob("redteam/training-*.json")):  # written to train on, never held out
        data = json.loads(path.read_text(encoding="utf-8"))
        add("training", True, data["injections"])
        add("training", False, data["benign"])
    add("corpus", True, injections())
    add("corpus", False, benign_imperatives() + benign_lookalikes())
    add("memories", False, list(_memories()))
    add("ordinary", False, list(_session_texts()))
    with gzip.open(FIXTURES / "benign" / "awesome-cursorrules.json.gz", "rt", encoding="utf-8") as rules:
        add("ordinary", False, json.load(rules))
    return out


def _memories() -> Iterator[str]:
    """Developer memories and the lessons a reviewer kept from recorded sessions."""
    for path in FIXTURES.glob("injection*/memories.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                memory = json.loads(line)
                yield f"{memory.get('title', '')}\n{memory.get('content', memory.get('body', ''))}".strip()
    for path in FIXTURES.glob("mining*/labels.json"):
        yield from _strings(json.loads(path.read_text(encoding="utf-8")), ("lesson", "text", "body", "content"))


def _strings(value: object, keys: tuple[str, ...]) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in keys and isinstance(item, str):
                yield item
            else:
                yield from _strings(item, keys)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, keys)


def _session_texts() -> Iterator[str]:
    """What the person and the assistant wrote in the recorded Claude Code sessions."""
    for path in sorted(FIXTURES.rglob("*.jsonl")):
        if path.name in ("memories.jsonl", "prompts.jsonl"):
            continue
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                content = (json.loads(line).get("message") or {}).get("content")
            except (json.JSONDecodeError, AttributeError):
                continue
            if isinstance(content, str):
                yield content
            elif isinstance(content, list):
                yield from (b["text"] for b in content if isinstance(b, dict) and b.get("type") == "text")


class Trainer:
    """Logistic regression over hashed features (`planted.features`), full batch, Adam."""

    def __init__(self, texts: Sequence[Text]) -> None:
        self.size = 1 << BITS
        self.rows = [np.array(features(chunks(t.text)[0]), dtype=np.int64) for t in texts]
        self.labels = np.array([t.planted for t in texts], dtype=float)
        hard = np.array([t.group != "ordinary" for t in texts])
        weight = np.where(hard, HARD_WEIGHT, 1.0)
        positive = self.labels == 1
        weight[positive] = 0.5 * weight[~positive].sum() / max(positive.sum(), 1)
        self.weight = weight

    def train(self, keep: np.ndarray) -> tuple[np.ndarray, float]:
        rows = [self.rows[i] for i in np.flatnonzero(keep)]
        labels, weight = self.labels[keep], self.weight[keep]
        index = np.concatenate(rows)
        lengths = np.array([len(r) for r in rows])
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        owner = np.repeat(np.arange(len(rows)), lengths)
        norm = 1 / np.sqrt(lengths)
        w, b = np.zeros(self.size), 0.0
        m, v, mb, vb = np.zeros(self.size), np.zeros(self.size), 0.0, 0.0
        total = weight.sum()
        for step in range(1, EPOCHS + 1):
            z = np.add.reduceat(w[index], starts) * norm + b
            error = (1 / (1 + np.exp(-z)) - labels) * weight
            grad = np.zeros(self.size)
            np.add.at(grad, index, (error * norm)[owner])
            grad = grad / total + L2 * w
            grad_b = error.sum() / total
            m, v = 0.9 * m + 0.1 * grad, 0.999 * v + 0.001 * grad * grad
            mb, vb = 0.9 * mb + 0.1 * grad_b, 0.999 * vb + 0.001 * grad_b * grad_b
            w -= 0.1 * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
            b -= 0.1 * (mb / (1 - 0.9**step)) / (np.sqrt(vb / (1 - 0.999**step)) + 1e-8)
        return w, float(b)


def shipped(w: np.ndarray, b: float) -> Model:
    """The trained weights as the stdlib model reads them (one signed byte per bucket)."""
    scale = float(np.abs(w).max()) / 127 or 1.0
    quantised = np.clip(np.round(w / scale), -127, 127).astype(np.int8)
    return Model(quantised.tobytes(), scale, b, THRESHOLD)


def held_out(texts: Sequence[Text]) -> dict[int, float]:
    """Each text's score by a model that never saw it: per red-team set, and in folds of the rest."""
    trainer = Trainer(texts)
    groups = np.array([t.group for t in texts])
    scores: dict[int, float] = {}
    sets = sorted({g for g in groups if g.startswith("set")}, key=lambda g: int(g[3:]))
    ordinary = np.flatnonzero(groups == "ordinary")
    folds = [(f"held out: {name}", groups == name) for name in sets]
    folds += [
        (f"held out: ordinary fold {k + 1}", np.isin(np.arange(len(texts)), ordinary[k::ORDINARY_FOLDS]))
        for k in range(ORDINARY_FOLDS)
    ]
    for label, test in folds:
        print(label, file=sys.stderr)
        model = shipped(*trainer.train(~test))
        for i in np.flatnonzero(test):
            scores[int(i)] = model.score(texts[i].text)
    return scores


def table(texts: Sequence[Text], scores: dict[int, float]) -> list[list[str]]:
    from memem.vault.injection import addressed_to_model

    rows: list[list[str]] = []
    groups = sorted(
        {texts[i].group for i in scores}, key=lambda g: (g == "ordinary", int(g[3:]) if g[3:].isdigit() else 0)
    )
    for group in groups:
        members = [i for i in scores if texts[i].group == group]
        attacks = [i for i in members if texts[i].planted]
        benign = [i for i in members if not texts[i].planted]
        patterns = {i: bool(addressed_to_model(texts[i].text)) for i in members}
        both = {i: patterns[i] or scores[i] > THRESHOLD for i in members}
        rows.append(
            [
                "ordinary text (5 folds)" if group == "ordinary" else f"red-team {group}",
                f"{sum(not patterns[i] for i in attacks)} / {len(attacks)}" if attacks else "-",
                f"{sum(not both[i] for i in attacks)} / {len(attacks)}" if attacks else "-",
                f"{sum(patterns[i] for i in benign)} / {len(benign)}",
                f"{sum(both[i] for i in benign)} / {len(benign)}",
            ]
        )
    return rows


HEADERS = ("held out", "attacks missed: patterns", "+ learned", "benign refused: patterns", "+ learned")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true", help="train on everything and write memem/vault/planted.bin")
    parser.add_argument("--write-readme", action="store_true", help="write the held-out table into README.md")
    args = parser.parse_args()
    texts = corpus()
    if args.write:
        trainer = Trainer(texts)
        model = shipped(*trainer.train(np.ones(len(texts), dtype=bool)))
        model.write(WEIGHTS)
        print(f"{WEIGHTS.relative_to(REPO)}: {len(texts)} texts, {int(trainer.labels.sum())} planted")
        return 0
    rows = table(texts, held_out(texts))
    print_table(rows, HEADERS)
    if args.write_readme:
        write_readme_table(REPO / "README.md", "planted", HEADERS, rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
