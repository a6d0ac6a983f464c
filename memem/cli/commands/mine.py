"""`memem mine`: turn Claude Code sessions into memories (opt-in)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from memem.cli.context import CommandError, Context, print_json
from memem.settings import settings

IDLE_SECONDS = 120


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "mine",
        help="mine Claude Code sessions for durable lessons (opt in with --enable)",
        description="Turn Claude Code session transcripts into memories. Nothing is read until you opt in with "
        "--enable; from then on each session is mined when it stops. --history backfills older sessions after "
        "showing what it would cost. A Claude model extracts the lessons (MEMEM_MINER_MODEL, default a small "
        "fast one): through the API when ANTHROPIC_API_KEY is set, else through Claude Code's headless mode "
        "(`claude -p`, your own sign-in). With neither, an offline extractor writes only what it can stand "
        "behind and marks its notes. Parts that could not be mined are set aside, listed by --status and "
        "mined again by --retry. Lessons are written through memem's daemon, started here if it is not "
        "running (and left running, as the hooks would start it).",
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
    what.add_argument("--retry", action="store_true", help="mine again the parts of sessions that were set aside")
    p.add_argument("--yes", action="store_true", help="with --history: go ahead after the estimate")
    p.add_argument("--project", help="file the lessons under this project (default: from the session's folder)")
    p.add_argument(
        "--miner",
        choices=("api", "claude-code", "offline"),
        help="which extractor (default: MEMEM_MINER, "
        "else the API with a key, else Claude Code's headless mode, else offline)",
    )
    p.add_argument("--offline", action="store_true", help="the same as --miner offline")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(run=run)


def _transcripts_to_mine(home: Path, idle: float, history: bool = False) -> list[Path]:
    """Transcripts with turns not mined yet, idle for `idle` seconds: with `history` all of them, else
    only those last written while mining was on (not before the opt-in, nor while it was turned off)."""
    from memem.mining import optin
    from memem.mining.state import MiningState
    from memem.mining.transcript import transcripts

    state = MiningState(home)
    now = time.time()
    due = []
    try:
        for path in transcripts():
            st = path.stat()
            if now - st.st_mtime < idle or not (history or optin.written_while_on(home, st.st_mtime)):
                continue
            if state.place(path) < st.st_size:
                due.append(path.resolve())
    finally:
        state.close()
    return list(dict.fromkeys(due))


def _set_aside_transcripts(home: Path) -> list[Path]:
    """The transcripts with parts set aside; says which ones cannot be found (never skips them silently)."""
    from memem.mining.state import MiningState

    state = MiningState(home)
    try:
        named = list(dict.fromkeys(p.path for p in state.set_aside_parts()))
    finally:
        state.close()
    found = [Path(name) for name in named if Path(name).is_absolute() and Path(name).is_file()]
    for name in named:
        if not Path(name).is_absolute():
            print(
                f"set aside: {name} is named relative to the folder it was mined from, and is not in this one: "
                "run `memem mine --retry` from that folder",
                file=sys.stderr,
            )
        elif not Path(name).is_file():
            print(f"set aside: {name} is gone: there is nothing to mine again", file=sys.stderr)
    return found


def _estimate(paths: list[Path], home: Path) -> dict[str, Any]:
    from memem.mining.state import MiningState
    from memem.mining.transcript import read_turns

    state = MiningState(home)
    chars = 0
    for path in paths:
        turns, _ = read_turns(path, state.place(path))
        chars += sum(len(t.text) for t in turns)
    state.close()
    from memem.mining import prices
    from memem.mining.extract_claude import DEFAULT_MODEL

    model = settings().miner_model or DEFAULT_MODEL
    per_token = prices.chars_per_token(model)
    tokens_in = int(chars / per_token) + 800 * len(paths)
    tokens_out = tokens_in // 20 + 300 * len(paths)
    p_in, p_out = prices.prices(model)
    return {
        "model": model,
        "sessions": len(paths),
        "input_tokens": tokens_in,
        "output_tokens": tokens_out,
        "usd": round(tokens_in / 1e6 * p_in + tokens_out / 1e6 * p_out, 2),
        "prices_per_mtok": [p_in, p_out],
    }


def _extractor(args: argparse.Namespace) -> Any:
    from memem.mining.choose import choose_extractor
    from memem.mining.failures import ModelUnavailable
    from memem.vault.secrets import redact

    try:
        return choose_extractor("offline" if args.offline else args.miner)
    except ModelUnavailable as exc:
        raise CommandError(redact(str(exc))) from None  # it may quote a setting, a key pasted into it


def _mine(ctx: Context, paths: list[Path], args: argparse.Namespace) -> tuple[list[dict[str, Any]], str]:
    from dataclasses import asdict

    from memem.client.spawn import spawn_daemon
    from memem.mining.backends import DaemonBackend, LocalBackend
    from memem.mining.miner import mine_transcript, retry_set_aside
    from memem.mining.prompts import one_line
    from memem.mining.slots import MinersBusy
    from memem.mining.state import MiningState, SessionBusy
    from memem.vault.redacted_log import redacted_stderr
    from memem.vault.secrets import redact

    redacted_stderr()  # a Stop hook's miner writes to miner.log: its warnings, screened like the daemon's
    extractor = _extractor(args)
    state = MiningState(ctx.paths.home)
    reports: list[dict[str, Any]] = []
    mine = retry_set_aside if args.retry else mine_transcript

    def each(backend: Any) -> None:
        for path in paths:
            try:
                reports.append(asdict(mine(path, backend, extractor, state, args.project)))
            except SessionBusy:
                reports.append({"transcript": str(path), "skipped_reason": "another miner is on this session"})
            except MinersBusy as exc:
                reports.append({"transcript": str(path), "skipped_reason": f"{exc}; left for the next run"})
            except Exception as exc:  # one bad transcript must not stop the rest
                unreadable = state.broken(exc)
                if unreadable is not None:  # the state itself: nothing more can be mined, say what to do
                    raise unreadable from None
                said = one_line(redact(f"{type(exc).__name__}: {exc}"))
                state.record_error(path, said, attempt=False)
                reports.append({"transcript": str(path), "error": said})

    info = spawn_daemon(ctx.paths, wait=90)
    if info is not None:
        each(DaemonBackend(ctx.paths, info))
    else:
        from memem.memory.service import MemoryService

        with ctx.open_store(reconcile=True) as store:
            each(LocalBackend(MemoryService(store)))
    state.close()
    spent = extractor.spent
    summary = (
        f"{extractor.name} extractor: {spent.calls} model calls, {spent.input_tokens:,} input and "
        f"{spent.output_tokens:,} output tokens, ${spent.usd:.4f}"
    )
    return reports, summary


def _status(home: Path, as_json: bool) -> int:
    from memem.mining import optin
    from memem.mining.choose import available
    from memem.mining.state import MiningState

    state = MiningState(home)
    sessions = state.all()
    parts = state.set_aside_parts()
    data: dict[str, Any] = {
        "enabled": optin.enabled(home),
        "sessions": len(sessions),
        "lessons": sum(s.lessons for s in sessions),
        "cost_usd": round(state.total_cost(), 4),
        "errors": [{"transcript": s.path, "error": s.last_error} for s in sessions if s.last_error],
        "set_aside": [{"transcript": p.path, "bytes": [p.start, p.end], "reason": p.reason} for p in parts],
        "extractor": settings().miner or available(),
    }
    state.close()
    if as_json:
        print_json(data)
        return 0
    print(
        f"mining {'on' if data['enabled'] else 'off'} · {data['sessions']} sessions mined · "
        f"{data['lessons']} lessons written · extractor: {data['extractor']} · model cost so far "
        f"${data['cost_usd']:.4f}"
    )
    from memem.vault.secrets import redact

    for e in data["errors"]:  # redacted when stored; again here for what an older memem stored
        print(f"  error in {e['transcript']}: {redact(str(e['error']))}")
    for part in data["set_aside"]:
        start, end = part["bytes"]
        print(f"  set aside: {part['transcript']} bytes {start}-{end}: {redact(part['reason'])}")
    if data["set_aside"]:
        print("  mine them again with `memem mine --retry`")
    return 0


def run(args: argparse.Namespace, ctx: Context) -> int:
    from memem.config import memem_home
    from memem.mining import optin

    # Opting in and out, and the status, are about the person, not a vault: they need none.
    home = memem_home()
    if args.enable or args.disable:
        optin.set_enabled(home, args.enable)
        print("mining is on: sessions are mined when they stop" if args.enable else "mining is off")
        if args.enable:
            print("backfill older sessions with `memem mine --history` (it shows the cost first)")
        return 0
    if args.status:
        return _status(home, args.json)
    if not optin.enabled(home) and not (args.history and args.yes):
        raise CommandError("mining is off: opt in with `memem mine --enable` (nothing is read before that)")
    if args.retry:
        paths = _set_aside_transcripts(home)
        if not paths:
            print("nothing was set aside: there is nothing to retry")
            return 0
    elif args.session:
        if not args.session.is_file():
            raise CommandError(f"no such transcript: {args.session}")
        paths = [args.session.resolve()]  # one name per file: `./x.jsonl` and a symlink to it are one session
    elif args.sweep:
        paths = _transcripts_to_mine(home, IDLE_SECONDS)
    else:
        paths = _transcripts_to_mine(home, 0.0, history=True)
        estimate = _estimate(paths, home)
        if not args.yes:
            if args.json:
                print_json({"estimate": estimate})
            else:
                print(
                    f"{estimate['sessions']} sessions to mine, about {estimate['input_tokens']:,} input and "
                    f"{estimate['output_tokens']:,} output tokens: about ${estimate['usd']:.2f} with "
                    f"{estimate['model']} at ${estimate['prices_per_mtok'][0]}/${estimate['prices_per_mtok'][1]} "
                    "per million tokens (set MEMEM_MINER_PRICES=in,out to correct; through Claude Code's "
                    "headless mode your plan's usage applies instead). Run again with --yes to mine them."
                )
            return 0
    reports, spent = _mine(ctx, paths, args)
    from memem.mining.prompts import one_line

    if args.json:
        print_json(reports)
    else:
        for r in reports:
            result = r.get("result") or {}
            said = r.get("error") or r.get("skipped_reason")
            print(
                f"{r['transcript']}: {one_line(said) + ' · ' if said else ''}"
                f"{len(result.get('saved', []))} saved, {len(result.get('updated', []))} updated, "
                f"{len(result.get('skipped', []))} skipped, {len(result.get('quarantined', []))} quarantined"
                + (f", {len(r['set_aside'])} set aside" if r.get("set_aside") else "")
                + (f" · ${r['cost_usd']:.4f}" if r.get("cost_usd") else "")
            )
        print(spent)  # in the miner's log when the Stop hook ran it: what mining cost
    return 1 if any(r.get("error") for r in reports) else 0
