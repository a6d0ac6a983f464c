"""`memem mine`: turn Claude Code sessions into memories (opt-in)."""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import Any

from memem.cli.context import CommandError, Context, print_json
from memem.settings import settings

IDLE_SECONDS = 120
PRICES = (1.0, 5.0)  # USD per million input / output tokens for a Haiku-class model


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "mine",
        help="mine Claude Code sessions for durable lessons (opt in with --enable)",
        description="Turn Claude Code session transcripts into memories. Nothing is read until you opt in with "
        "--enable; from then on each session is mined when it stops. --history backfills older sessions after "
        "showing what it would cost. With ANTHROPIC_API_KEY set a Claude model extracts the lessons "
        "(MEMEM_MINER_MODEL, default a small fast one); without it an offline extractor runs and marks its notes.",
    )
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--enable", action="store_true", help="opt in: mine sessions from now on")
    what.add_argument("--disable", action="store_true", help="opt out (already mined memories stay)")
    what.add_argument("--status", action="store_true", help="opt-in state and what has been mined")
    what.add_argument("--session", type=Path, metavar="TRANSCRIPT", help="mine the new turns of one transcript")
    what.add_argument("--sweep", action="store_true", help="mine recent sessions whose Stop hook never ran")
    what.add_argument(
        "--history", action="store_true", help="backfill sessions from before opting in (cost estimate first)"
    )
    p.add_argument("--yes", action="store_true", help="with --history: go ahead after the estimate")
    p.add_argument("--project", help="file the lessons under this project (default: from the session's folder)")
    p.add_argument("--offline", action="store_true", help="use the offline extractor even when an API key is set")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(run=run)


def _transcripts_to_mine(home: Path, since: float, idle: float) -> list[Path]:
    from memem.mining.state import MiningState
    from memem.mining.transcript import transcripts

    state = MiningState(home)
    now = time.time()
    due = []
    for path in transcripts():
        st = path.stat()
        if st.st_mtime < since or now - st.st_mtime < idle:
            continue
        if state.get(path).offset < st.st_size:
            due.append(path)
    state.close()
    return due


def _estimate(paths: list[Path], home: Path) -> dict[str, Any]:
    from memem.mining.state import MiningState
    from memem.mining.transcript import read_turns

    state = MiningState(home)
    chars = 0
    for path in paths:
        turns, _ = read_turns(path, state.get(path).offset)
        chars += sum(len(t.text) for t in turns)
    state.close()
    tokens_in = chars // 4 + 800 * len(paths)
    tokens_out = tokens_in // 20 + 300 * len(paths)
    p_in, p_out = settings().miner_prices or PRICES
    return {
        "sessions": len(paths),
        "input_tokens": tokens_in,
        "output_tokens": tokens_out,
        "usd": round(tokens_in / 1e6 * p_in + tokens_out / 1e6 * p_out, 2),
        "prices_per_mtok": [p_in, p_out],
    }


def _mine(ctx: Context, paths: list[Path], args: argparse.Namespace) -> list[dict[str, Any]]:
    from dataclasses import asdict

    from memem.client.spawn import spawn_daemon
    from memem.mining.backends import DaemonBackend, LocalBackend
    from memem.mining.miner import choose_extractor, mine_transcript
    from memem.mining.state import MiningState, SessionBusy

    extractor = choose_extractor(offline=args.offline)
    state = MiningState(ctx.paths.home)
    reports: list[dict[str, Any]] = []

    def each(backend: Any) -> None:
        for path in paths:
            try:
                reports.append(asdict(mine_transcript(path, backend, extractor, state, args.project)))
            except SessionBusy:
                reports.append({"transcript": str(path), "skipped_reason": "another miner is on this session"})
            except Exception as exc:  # one bad transcript must not stop the rest
                state.record_error(path, f"{type(exc).__name__}: {exc}")
                reports.append({"transcript": str(path), "error": f"{type(exc).__name__}: {exc}"})

    info = spawn_daemon(ctx.paths, wait=90)
    if info is not None:
        each(DaemonBackend(ctx.paths, info))
    else:
        from memem.memory.service import MemoryService

        with ctx.open_store(reconcile=True) as store:
            each(LocalBackend(MemoryService(store)))
    state.close()
    return reports


def run(args: argparse.Namespace, ctx: Context) -> int:
    from memem.mining import optin

    home = ctx.paths.home
    if args.enable or args.disable:
        optin.set_enabled(home, args.enable)
        print("mining is on: sessions are mined when they stop" if args.enable else "mining is off")
        if args.enable:
            print("backfill older sessions with `memem mine --history` (it shows the cost first)")
        return 0
    if args.status:
        from memem.mining.state import MiningState

        state = MiningState(home)
        sessions = state.all()
        data: dict[str, Any] = {
            "enabled": optin.enabled(home),
            "sessions": len(sessions),
            "lessons": sum(s.lessons for s in sessions),
            "errors": [{"transcript": s.path, "error": s.last_error} for s in sessions if s.last_error],
            "extractor": "claude" if os.environ.get("ANTHROPIC_API_KEY") else "offline",
        }
        state.close()
        if args.json:
            print_json(data)
        else:
            print(
                f"mining {'on' if data['enabled'] else 'off'} · {data['sessions']} sessions mined · "
                f"{data['lessons']} lessons written · extractor: {data['extractor']}"
            )
            for e in data["errors"]:
                print(f"  error in {e['transcript']}: {e['error']}")
        return 0
    if not optin.enabled(home) and not (args.history and args.yes):
        raise CommandError("mining is off: opt in with `memem mine --enable` (nothing is read before that)")
    if args.session:
        if not args.session.is_file():
            raise CommandError(f"no such transcript: {args.session}")
        paths = [args.session]
    elif args.sweep:
        paths = _transcripts_to_mine(home, optin.enabled_at(home), IDLE_SECONDS)
    else:
        paths = _transcripts_to_mine(home, 0.0, 0.0)
        estimate = _estimate(paths, home)
        if not args.yes:
            if args.json:
                print_json({"estimate": estimate})
            else:
                print(
                    f"{estimate['sessions']} sessions to mine, about {estimate['input_tokens']:,} input and "
                    f"{estimate['output_tokens']:,} output tokens: about ${estimate['usd']:.2f} at "
                    f"${estimate['prices_per_mtok'][0]}/${estimate['prices_per_mtok'][1]} per million tokens "
                    "(set MEMEM_MINER_PRICES=in,out to correct). Run again with --yes to mine them."
                )
            return 0
    reports = _mine(ctx, paths, args)
    if args.json:
        print_json(reports)
    else:
        for r in reports:
            result = r.get("result") or {}
            print(
                f"{r['transcript']}: {r.get('error') or r.get('skipped_reason') or ''}"
                f"{len(result.get('saved', []))} saved, {len(result.get('updated', []))} updated, "
                f"{len(result.get('skipped', []))} skipped, {len(result.get('quarantined', []))} quarantined"
            )
    return 1 if any("error" in r for r in reports) else 0
