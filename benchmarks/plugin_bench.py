"""The Obsidian plugin at scale: lookups, an approve, and an open note saved five times, at 5,000 memories.

    python -m benchmarks.plugin_bench [--notes 5000] [--before REV] [--write-readme]

Builds the plugin and runs the Node harness's benchmark (obsidian-plugin/test/integration/bench.ts) over a
generated vault, with the review pane shown and the contradictions and related panes open behind it.
With --before, the bundle shipped at that git revision runs on a copy of the same vault in the same run,
so the two columns compare like with like. Counts are per interaction: vault scans (`getMarkdownFiles`),
note reads, and milliseconds of plugin time (the action plus the redraws it causes).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.common import print_table, write_readme_table

REPO = Path(__file__).resolve().parents[1]
PLUGIN = REPO / "obsidian-plugin"
SHIPPED = "memem/vault/starter/.obsidian/plugins/memem/main.js"
# The last plugin before the incremental index (issue 14): what "before" means in the README.
BEFORE = "6998819"

MEASURES = [
    ("lookup (memory at a path), ms", "lookup_ms", "{:.3f}"),
    ("approve: plugin time, ms", "approve_ms", "{:.1f}"),
    ("approve: of which the edit (read, processFrontMatter, read), ms", "approve_edit_ms", "{:.1f}"),
    ("approve: of which redrawing the review pane, ms", "approve_draw_ms", "{:.1f}"),
    ("approve: vault scans", "approve_scans", "{:.0f}"),
    ("approve: note reads", "approve_reads", "{:.0f}"),
    ("5 saves of an open note: vault scans", "saves_scans", "{:.0f}"),
    ("5 saves of an open note: note reads", "saves_reads", "{:.0f}"),
    ("5 saves of an open note: drawing, ms", "saves_draw_ms", "{:.1f}"),
    ("load and first draw, ms", "load_ms", "{:.0f}"),
]


def run(bundle: Path, vault: Path) -> dict[str, float]:
    harness = PLUGIN / "test" / "integration" / "dist" / "bench.cjs"
    done = subprocess.run(["node", str(harness), str(bundle), str(vault)], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"the plugin benchmark failed on {bundle}:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--notes", type=int, default=5_000, help="generated memories in the vault")
    parser.add_argument(
        "--before", default=BEFORE, help="git revision whose shipped bundle is the 'before' column ('' for none)"
    )
    parser.add_argument("--write-readme", action="store_true", help="write the table into README.md")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    from benchmarks.synthetic import generate

    subprocess.run(["node", "esbuild.config.mjs", "production"], cwd=PLUGIN, check=True, capture_output=True)
    subprocess.run(["node", "test/integration/build.mjs"], cwd=PLUGIN, check=True, capture_output=True)
    work = Path(tempfile.mkdtemp(prefix="memem-plugin-bench-"))
    try:
        template = work / "template"
        generate(template, args.notes)
        bundles = {"after": PLUGIN / "main.js"}
        if args.before:
            old = work / "before" / "main.js"
            old.parent.mkdir()
            show = ["git", "show", f"{args.before}:{SHIPPED}"]
            shown = subprocess.run(show, cwd=REPO, capture_output=True, check=True)
            old.write_bytes(shown.stdout)
            shutil.copy(PLUGIN / "manifest.json", old.parent / "manifest.json")
            bundles = {"before": old, **bundles}
        results: dict[str, dict[str, float]] = {}
        for label, bundle in bundles.items():
            vault = work / f"vault-{label}"
            shutil.copytree(template, vault)
            results[label] = run(bundle, vault)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    labels = list(results)
    ratio = ["before / after"] if "before" in results else []
    headers = (f"at {results['after']['memories']:.0f} memories", *labels, *ratio)
    rows = []
    for name, key, fmt in MEASURES:
        row = [name, *(fmt.format(results[label][key]) for label in labels)]
        if "before" in results:
            after = results["after"][key]
            row.append(f"{results['before'][key] / after:.0f}×" if after else "–")
        rows.append(row)
    print_table(rows, headers)
    if args.write_readme:
        write_readme_table(REPO / "README.md", "plugin", headers, rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
