"""`memem doctor`: every problem memem can see, each with the way to fix it. Exit 1 on errors."""

from __future__ import annotations

import argparse
import os
import stat
from dataclasses import asdict

from memem.cli.context import Context, print_json
from memem.index.problems import Problem
from memem.terminal import inline


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("doctor", help="diagnose the vault, indexes, model and daemon, and say how to fix each problem")
    p.add_argument("--json", action="store_true", help="print the problems as JSON")
    p.set_defaults(run=run)


def _setup_problems(ctx: Context) -> list[Problem]:
    """Problems outside the indexes: folders, token permissions, daemon, API key."""
    problems: list[Problem] = []
    paths = ctx.paths
    if not paths.memories.is_dir():
        fix = f"run `memem init {paths.vault}` (adds the folder; existing notes are untouched)"
        problems.append(Problem("error", f"no memories folder at {paths.memories}", fix))
    token = paths.token_file
    if token.exists() and stat.S_IMODE(token.stat().st_mode) & 0o077:
        problems.append(Problem("error", f"the token file {token} is readable by other users", f"chmod 600 {token}"))
    if ctx.daemon() is None:
        problems.append(Problem(
            "warning",
            "the daemon is not running: edits in Obsidian are indexed only at its next start",
            "run `memem serve` (Claude Code's hooks start it by themselves)",
        ))  # fmt: skip
    if not os.environ.get("ANTHROPIC_API_KEY"):
        problems.append(Problem(
            "warning",
            "no ANTHROPIC_API_KEY: mining uses the offline extractor",
            "export ANTHROPIC_API_KEY to mine lessons with a Claude model",
        ))  # fmt: skip
    return problems


def _canary_problems(ctx: Context) -> list[dict[str, object]]:
    """The vault's planted canaries (`memem.recall.canaries`), each failure an error."""
    from memem.cli.context import op

    found = []
    for c in op(ctx, "canaries", {}):
        if c["ok"]:
            continue
        what = (f"canary {c['id']!r}: {c['detail']} ({c['probe']!r})" if c["kind"] == "reach"
                else f"canary {c['id']!r} (must never surface) was shown for the prompt {c['probe']!r}")  # fmt: skip
        fix = ("recall lost a note it held: check `memem status` and run `memem index`" if c["kind"] == "reach"
               else "deprecate or archive the note, or check MEMEM_RERANKER and the relevance floor")  # fmt: skip
        found.append({"severity": "error", "what": what, "fix": fix, "path": c["path"]})
    return found


def run(args: argparse.Namespace, ctx: Context) -> int:
    from memem.cli.commands.status import collect

    problems = [asdict(p) for p in _setup_problems(ctx)]
    if ctx.paths.memories.is_dir():
        problems.extend(collect(ctx)["problems"])
        problems.extend(_canary_problems(ctx))
    errors = sum(1 for p in problems if p["severity"] == "error")
    if args.json:
        print_json(problems)
    elif not problems:
        print("memem doctor: no problems found")
    else:
        for p in problems:
            # A file name may hold a line break: one problem stays one line with its [error] tag.
            where = inline(p["path"]) + ": " if p.get("path") else ""
            print(f"[{p['severity']}] {where}{p['what']}\n    fix: {p['fix']}")
        print(f"\n{errors} error(s), {len(problems) - errors} warning(s)")
    return 1 if errors else 0
