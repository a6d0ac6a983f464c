"""`memem doctor`: every problem memem can see, each with the way to fix it. Exit 1 on errors."""

from __future__ import annotations

import argparse
import os
import stat
from dataclasses import asdict
from pathlib import Path

from memem.cli.context import QUICK, CommandError, Context, DaemonHung, print_json
from memem.index.problems import Problem
from memem.terminal import inline


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "doctor",
        help="diagnose the vault, indexes, model and daemon, and say how to fix each problem",
        description="Check the vault's folders, memem's state folder and token, the daemon, the API key, the "
        "indexes (notes that could not be indexed, duplicate ids, a fallback model) and the vault's canaries, "
        "and print each problem with the way to fix it. Exit status 1 when an error is found, else 0. A daemon "
        "that does not answer within a few seconds is reported as hung; the checks that need no daemon still run.",
    )
    p.add_argument("--json", action="store_true", help="print the problems as JSON")
    p.set_defaults(run=run)


def _unwritable(folder: Path) -> str | None:
    """Why memem could not write in `folder` (or, if it is missing, create it), or None if it can."""
    while not folder.exists() and folder.parent != folder:
        folder = folder.parent
    if not folder.is_dir():
        return f"{folder} is not a folder"
    if not os.access(folder, os.W_OK | os.X_OK):
        try:
            read_only = bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
        except OSError:
            read_only = False
        return f"{folder} is on a read-only file system" if read_only else f"{folder} is not writable"
    return None


def _setup_problems(ctx: Context) -> list[Problem]:
    """Problems outside the indexes: folders, token permissions, API key (the daemon is `_daemon_problems`)."""
    problems: list[Problem] = []
    paths = ctx.paths
    if not paths.memories.is_dir():
        fix = f"run `memem init {paths.vault}` (adds the folder; existing notes are untouched)"
        problems.append(Problem("error", f"no memories folder at {paths.memories}", fix))
    why = _unwritable(paths.memories if paths.memories.is_dir() else paths.vault)
    if why:
        problems.append(Problem(
            "error",
            f"memem cannot write in the vault: {why}; saving, mining and consolidation will fail",
            "make the vault's folder writable (or remount it read-write)",
        ))  # fmt: skip
    for folder in (paths.state, paths.home):
        why = _unwritable(folder)
        if why:
            problems.append(Problem(
                "error",
                f"memem cannot write its state folder {paths.home}: {why}; nothing can be indexed",
                "make it writable, or set MEMEM_DIR to a writable folder (e.g. export MEMEM_DIR=~/.memem)",
            ))  # fmt: skip
            break
    token = paths.token_file
    if token.exists() and stat.S_IMODE(token.stat().st_mode) & 0o077:
        problems.append(Problem("error", f"the token file {token} is readable by other users", f"chmod 600 {token}"))
    if not os.environ.get("ANTHROPIC_API_KEY"):
        problems.append(Problem(
            "warning",
            "no ANTHROPIC_API_KEY: mining uses the offline extractor",
            "export ANTHROPIC_API_KEY to mine lessons with a Claude model",
        ))  # fmt: skip
    return problems


def _daemon_problems(ctx: Context) -> list[Problem]:
    problems: list[Problem] = []
    if ctx.daemon() is None:
        problems.append(Problem(
            "warning",
            "the daemon is not running: edits in Obsidian are indexed only at its next start",
            "run `memem serve` (Claude Code's hooks start it by themselves)",
        ))  # fmt: skip
    return problems


def _canary_problems(ctx: Context) -> list[dict[str, object]]:
    """The vault's planted canaries (`memem.recall.canaries`), each failure an error."""
    from memem.cli.context import op

    found = []
    for c in op(ctx, "canaries", {}, timeout=60):
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

    setup = _setup_problems(ctx)
    problems = [asdict(p) for p in setup + _daemon_problems(ctx)]
    state_broken = any("state folder" in p.what for p in setup)
    if ctx.paths.memories.is_dir() and not state_broken:
        # What needs the indexes: through the daemon, or opened here. A daemon that does not answer, or a
        # command holding the indexes, is one more problem to report, never the end of the diagnosis.
        try:
            problems.extend(collect(ctx)["problems"])
            problems.extend(_canary_problems(ctx))
        except DaemonHung as exc:
            what = f"the daemon (pid {exc.info.pid}) did not answer within {QUICK:g} s: it is hung or overloaded"
            problems.append({"severity": "error", "what": what, "fix": exc.fix, "path": None})
        except CommandError as exc:
            fix = "run `memem doctor` again; if it persists, `memem index`"
            problems.append({"severity": "error", "what": f"the indexes could not be checked: {exc}", "fix": fix,
                             "path": None})  # fmt: skip
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
