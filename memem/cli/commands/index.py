"""`memem index`: reconcile the vault into every index once, then exit."""

from __future__ import annotations

import argparse
import shutil
import threading
from typing import Any

from memem.cli.context import CommandError, Context, print_json
from memem.cli.progress import PhaseBar


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "index",
        help="reconcile the vault into all indexes and exit (only changed notes are re-embedded)",
        description="Bring the vector, full-text and graph indexes in line with the vault: new and edited "
        "notes are indexed, deleted ones removed, renamed ones moved without re-embedding. Runs through the "
        "daemon when it is running. Shows a progress bar on a terminal.",
    )
    p.add_argument("--rebuild", action="store_true", help="delete the indexes first and build them from the vault")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(run=run)


def _through_daemon(ctx: Context, bar: PhaseBar) -> dict[str, Any]:
    info = ctx.daemon()
    assert info is not None
    done = threading.Event()

    def poll() -> None:
        while not done.wait(0.5):
            try:
                progress = ctx.call(info, "GET", "/v1/status", timeout=5)["daemon"].get("progress")
            except CommandError:
                continue
            if progress:
                bar(*progress)

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    try:
        result: dict[str, Any] = ctx.call(info, "POST", "/v1/reconcile", timeout=24 * 3600)
    finally:
        done.set()
    return result


def run(args: argparse.Namespace, ctx: Context) -> int:
    from memem.index.store import VaultGone
    from memem.sync.loop import report_dict

    paths = ctx.paths
    if not paths.memories.is_dir():
        raise CommandError(f"no memories folder at {paths.memories}; run `memem init {paths.vault}` first")
    info = ctx.daemon()
    with PhaseBar(enabled=False if args.json else None) as bar:
        if info is not None:
            if args.rebuild:
                raise CommandError(f"the daemon (pid {info.pid}) is running; stop it before --rebuild")
            report = _through_daemon(ctx, bar)
        else:
            if args.rebuild:
                from memem.sync.lock import LockHeld, OwnerLock

                try:
                    with OwnerLock(paths.lock_file, "command"):
                        paths.catalog_db.unlink(missing_ok=True)
                        for suffix in ("-wal", "-shm"):
                            paths.catalog_db.with_name(paths.catalog_db.name + suffix).unlink(missing_ok=True)
                        shutil.rmtree(paths.chroma_dir, ignore_errors=True)
                except LockHeld as exc:
                    raise CommandError(str(exc)) from None
            with ctx.open_store() as store:
                try:
                    report = report_dict(store.reconcile(progress=bar))
                except VaultGone as exc:
                    raise CommandError(str(exc)) from None
                except Exception as exc:  # recorded in the catalog for `memem doctor`; said once, plainly
                    log_hint = f"run `memem doctor`, fix the cause, then `memem index` again ({type(exc).__name__})"
                    raise CommandError(f"the index failed: {exc}; {log_hint}") from None
    if args.json:
        print_json(report)
    else:
        print(
            f"indexed in {report['seconds']:.1f}s: {report['added']} added, {report['updated']} updated, "
            f"{report['moved']} moved, {report['deleted']} deleted, {report['unchanged']} unchanged, "
            f"{report['embedded']} embedded" + (f", {report['bad']} bad (see `memem status`)" if report["bad"] else "")
        )
    return 0
