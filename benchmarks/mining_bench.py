"""The mining evaluation as a table: each extractor over the labelled sessions, every session shown.

    python -m benchmarks.mining_bench [--write-readme] [--miner api|claude-code]

Always scored: the offline extractor (also on tests/fixtures/mining-probe), and the model path
answered by the recorded stand-in (the real SDK over a mock transport, with answers cut off past a
size so the retry on smaller chunks runs). `--miner` adds a real model (an API key, or Claude Code
signed in). `--write-readme` replaces the table between the `<!-- mining -->` markers of README.md
with this run's.

Precision: notes that match a labelled lesson or an acceptable note, over all notes. Recall:
labelled lessons some note matches. Each row is one session, so a gain that shows only on some is
visible as such (there is nothing fitted to hold out: the offline extractor has rules, not weights).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from benchmarks.common import print_table, write_readme_table

REPO = Path(__file__).resolve().parents[1]
LABELLED = REPO / "tests" / "fixtures" / "mining"
PROBE = REPO / "tests" / "fixtures" / "mining-probe"  # a reviewer's sessions: see its README.md


def figure(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--miner", choices=("api", "claude-code"), help="also score a real model")
    parser.add_argument("--write-readme", action="store_true", help="write the summary table into README.md")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    from memem.mining.choose import choose_extractor
    from memem.mining.evaluation import evaluate, load, totals
    from memem.mining.extract_offline import OfflineExtractor
    from tests.mining.recorded_model import RecordedModel

    labelled = load(LABELLED)
    recorded = RecordedModel()
    extractors = [("offline extractor", OfflineExtractor()), ("model path, recorded stand-in", recorded.extractor())]
    if args.miner:
        extractors.append((f"{args.miner} ({choose_extractor(args.miner).name}, live)", choose_extractor(args.miner)))
    results = [(label, extractor, evaluate(labelled, extractor)) for label, extractor in extractors]

    print(f"\nPer session ({len(labelled)}): notes written / junk / labelled lessons found")
    header = ["session", "source", "lessons", *(label.split(",")[0] for label, _, _ in results)]
    rows = []
    for i, item in enumerate(labelled):
        cells = [f"{len(s[i].notes)} / {len(s[i].junk)} / {s[i].found}" for _, _, s in results]
        rows.append([item.path.name[:52], item.source, str(len(item.lessons)), *cells])
    print_table(rows, header)

    summary_rows = []
    for label, extractor, scores in results:
        t = totals(scores)
        calls = extractor.spent.calls
        summary_rows.append([label, str(t["notes"]), str(t["junk"]), figure(t["precision"]),
                             f"{t['found']} / {t['lessons']}", figure(t["recall"]), str(calls)])  # fmt: skip
    probe = totals(evaluate(load(PROBE), OfflineExtractor()))
    summary_rows.append([f"offline extractor, reviewers' probes ({len(load(PROBE))} sessions)", str(probe["notes"]),
                         str(probe["junk"]), figure(probe["precision"]), f"{probe['found']} / {probe['lessons']}",
                         figure(probe["recall"]), "0"])  # fmt: skip
    headers = ("extractor", "notes", "junk", "precision", "lessons found", "recall", "model calls")
    print(f"\nMining evaluation, {len(labelled)} labelled sessions")
    print_table(summary_rows, headers)
    print(f"(the recorded stand-in cut off {recorded.cut_offs()} answers; every one was asked again about less)")
    if args.write_readme:
        write_readme_table(REPO / "README.md", "mining", headers, summary_rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
