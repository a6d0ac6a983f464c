"""`memem team …`: team vaults, git repositories of memory notes beside the person's own vault.

A team starts with two commands: one person runs `memem team init DIR --name T --project P` and
pushes DIR to the team's git host; everyone runs `memem team add URL`. Memories go to the team with
`memem team propose ID…` (a branch to review as a pull request) and come back with `memem team sync`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from memem.cli.context import CommandError, Context, UsageError, non_empty, op, print_json
from memem.terminal import inline


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "team",
        help="share memories with a team through a git repository",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
    )
    teams = p.add_subparsers(dest="team_command", metavar="ACTION", required=True)

    init = teams.add_parser("init", help="create a new team repository in DIR (then push it to your git host)")
    init.add_argument("folder", metavar="DIR", help="a new or empty folder")
    init.add_argument("--name", required=True, help="the team's name (letters, digits, '-', '_')")
    init.add_argument(
        "--project", action="append", default=[], metavar="P",
        help="a project whose sessions recall the team's memories (repeat it; none: every project)",
    )  # fmt: skip
    init.set_defaults(run=run_init)

    add = teams.add_parser("add", help="clone a team repository into this vault; its notes are recalled from then on")
    add.add_argument("source", metavar="URL-or-DIR", help="the team repository (any address `git clone` takes)")
    add.add_argument("--name", help="what to call it here (default: the name in its memem-team.json)")
    add.add_argument(
        "--writable", action="store_true",
        help="let memem's tools edit the team's notes in place (default: read-only; changes go through propose)",
    )  # fmt: skip
    add.add_argument("--json", action="store_true", help="print the team as JSON")
    add.set_defaults(run=run_add)

    ls = teams.add_parser("list", help="the team vaults in this vault")
    ls.add_argument("--json", action="store_true", help="print a JSON array")
    ls.set_defaults(run=run_list)

    sync = teams.add_parser("sync", help="pull the teams' repositories (the daemon also does every MEMEM_TEAM_SYNC s)")
    sync.add_argument("names", nargs="*", metavar="TEAM", help="only these teams (default: all)")
    sync.add_argument("--json", action="store_true", help="print a JSON array of results")
    sync.set_defaults(run=run_sync)

    prop = teams.add_parser(
        "propose",
        help="copy memories into a new branch of a team repository, for the team to review",
        description="Each memory is screened for secrets and instructions to a model first (one that fails is "
        "left out and named); the rest are committed to a new branch, with a message saying where each came "
        "from, and pushed so the team can review it as a pull request.",
    )
    prop.add_argument("ids", nargs="+", metavar="ID", type=non_empty, help="memory ids (or note names)")
    prop.add_argument("--team", help="the team (default: the only one in this vault)")
    prop.add_argument("--no-push", action="store_true", help="commit the branch, do not push it")
    prop.add_argument("--json", action="store_true", help="print the proposal as JSON")
    prop.set_defaults(run=run_propose)

    merge = teams.add_parser(
        "merge",
        help="merge a reviewed proposal branch into the team's branch, through memem's note merge, and push it",
        description="For a maintainer: hosting sites merge pull requests without custom merge drivers, so a "
        "proposal whose notes conflict with the team's is merged here. Typed links merge as unions; two edits "
        "of a note's text that disagree become two notes linked `contradicts`, for review.",
    )
    merge.add_argument("branch", metavar="BRANCH", help="the proposal's branch (as `memem team propose` named it)")
    merge.add_argument("--team", help="the team (default: the only one in this vault)")
    merge.add_argument("--no-push", action="store_true", help="merge here, do not push")
    merge.set_defaults(run=run_merge)

    server = teams.add_parser(
        "index-server",
        help="run a Chroma server for the team's vectors, behind a token",
        description="Runs `chroma run` on a private loopback port and, in front of it, a gate that forwards only "
        "requests carrying the team's token. Each person then sets MEMEM_CHROMA_URL (this address) and "
        "MEMEM_CHROMA_TOKEN. Anywhere but loopback, serve it behind TLS.",
    )
    server.add_argument("--path", required=True, help="where the server keeps its data")
    server.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    server.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000)")
    server.set_defaults(run=run_index_server)

    rm = teams.add_parser("remove", help="take a team's clone out of this vault (its notes leave recall)")
    rm.add_argument("name", metavar="TEAM")
    rm.add_argument("--force", action="store_true", help="even if the clone holds edits or commits not pushed")
    rm.set_defaults(run=run_remove)


def run_init(args: argparse.Namespace, ctx: Context) -> int:
    from memem.teams.membership import init_repo

    folder = Path(args.folder).expanduser().resolve()
    if folder.exists() and not folder.is_dir():
        raise CommandError(f"{folder} is a file, not a folder: a team repository starts in a new or empty folder")
    folder = init_repo(folder, args.name, args.project)
    print(f"created the team repository {args.name} in {folder}")
    print("next: push it to your team's git host, then each person runs `memem team add <its address>`")
    return 0


def run_add(args: argparse.Namespace, ctx: Context) -> int:
    from memem.teams.membership import add

    team = add(ctx.paths.vault, args.source, args.name, writable=args.writable)
    if args.json:
        print_json({"name": team.name, "projects": list(team.projects), "writable": team.writable,
                    "folder": str(team.folder)})  # fmt: skip
        return 0
    serves = ", ".join(team.projects) or "every project"
    mode = "writable" if team.writable else "read-only"
    print(f"added the team {team.name} in {team.folder} (recalled for {serves}; {mode})")
    if ctx.daemon() is None:
        print("no daemon runs: `memem index` (or `memem serve`) indexes its notes")
    return 0


def run_list(args: argparse.Namespace, ctx: Context) -> int:
    from memem.teams.membership import describe

    shown = describe(ctx.paths.vault)
    if args.json:
        print_json(shown)
        return 0
    if not shown:
        print("no team vaults (add one with `memem team add URL`)")
    for team in shown:
        projects = ", ".join(team["projects"]) or "every project"  # type: ignore[arg-type]
        mode = "writable" if team["writable"] else "read-only"
        remote = team["remote"] or "no remote"
        print(f"{team['name']}  {team['notes']} notes · {projects} · {mode} · {team['head']} · {remote}")
    return 0


def run_sync(args: argparse.Namespace, ctx: Context) -> int:
    from memem.teams.membership import sync

    results = sync(ctx.paths.vault, args.names or None)
    if args.json:
        print_json([r.to_json() for r in results])
    else:
        if not results:
            print("no team vaults to sync")
        for r in results:
            if r.error or r.note:
                print(f"{r.team}: {r.error or r.note}")
            elif r.before == r.after:
                print(f"{r.team}: up to date")
            else:
                print(f"{r.team}: {len(r.changed)} note(s) changed ({(r.before or '')[:8]}..{(r.after or '')[:8]})")
            for path in r.kept_both:
                print(f"  {inline(path)}: two edits disagreed; both kept, linked `contradicts`, for review")
    return 1 if any(r.error for r in results) else 0


def _team_name(ctx: Context, given: str | None) -> str:
    from memem.vault.teams import teams

    if given is not None:
        return given
    known = teams(ctx.paths.vault)
    if len(known) != 1:
        names = ", ".join(t.name for t in known) or "none"
        raise UsageError(f"say which team with --team (teams in this vault: {names})")
    return known[0].name


def run_merge(args: argparse.Namespace, ctx: Context) -> int:
    from memem.teams.membership import merge_branch

    result = merge_branch(ctx.paths.vault, _team_name(ctx, args.team), args.branch, push=not args.no_push)
    span = f"{(result.before or '')[:8]}..{(result.after or '')[:8]}"
    print(f"merged {args.branch}: {len(result.changed)} note(s) changed ({span})")
    for path in result.kept_both:
        print(f"  {inline(path)}: two edits disagreed; both kept, linked `contradicts`, for review")
    return 0


def run_propose(args: argparse.Namespace, ctx: Context) -> int:
    from memem.teams.propose import propose

    name = _team_name(ctx, args.team)
    found = op(ctx, "get", {"ids": args.ids})
    result = propose(ctx.paths.vault, name, [(n["id"], n["path"]) for n in found], push=not args.no_push)
    if args.json:
        print_json(result.to_json())
        return 0
    for note_id, path in result.proposed:
        print(f"proposed {inline(note_id)} → {inline(path)}")
    for note_id, reason in result.refused:
        print(f"left out {note_id}: {reason}")
    where = "pushed; open a pull request for it" if result.pushed else "committed, not pushed"
    print(f"branch {result.branch} ({result.commit[:8]}): {where}")
    return 0


def run_index_server(args: argparse.Namespace, ctx: Context) -> int:
    from memem.settings import settings
    from memem.teams.index_server import serve

    if not 1 <= args.port <= 65535:
        raise UsageError(f"--port must be from 1 to 65535, not {args.port}")
    path = Path(args.path).expanduser().resolve()
    if path.exists() and not path.is_dir():
        raise CommandError(f"--path {path} is a file: give a folder for the server's data (new or existing)")
    return serve(path, args.host, args.port, settings().chroma_token)


def run_remove(args: argparse.Namespace, ctx: Context) -> int:
    from memem.teams.membership import remove

    folder = remove(ctx.paths.vault, args.name, force=args.force)
    print(f"removed the team {args.name} ({folder})")
    return 0
