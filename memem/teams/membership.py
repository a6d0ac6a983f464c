"""Adding, listing, syncing and removing the team vaults a personal vault holds.

A team is added by cloning its repository into `<vault>/memem/teams/<name>/` (cloned beside it under
a dot-name first, then renamed, so the watcher never indexes half a clone). From then on the daemon's
watcher follows it like any other folder: `memem team sync` (or the daemon's scheduled pull) only
has to move the clone forward, and the changed notes are re-indexed within a second.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from memem.errors import BadRequest, Refused
from memem.memory.screen import quoted
from memem.teams import git
from memem.teams.merge_driver import clear_settled, settled_paths
from memem.vault.teams import LOCAL, MANIFEST, NOTES, TEAMS_FOLDER, Team, is_team_name, team_named, teams

ATTRIBUTES = "memories/**/*.md merge=memem\n"
"""The team repository's `.gitattributes`: every note merges through `memem merge-driver`."""


@dataclass
class SyncResult:
    team: str
    before: str | None = None
    after: str | None = None
    changed: list[str] = field(default_factory=list)  # notes the pull changed, relative to the clone
    kept_both: list[str] = field(default_factory=list)  # notes a conflicting edit turned into a pair
    error: str | None = None
    note: str | None = None  # nothing went wrong, but nothing could be pulled (why)

    def to_json(self) -> dict[str, object]:
        return {
            "team": self.team, "before": self.before, "after": self.after, "changed": self.changed,
            "kept_both": self.kept_both, "error": self.error, "note": self.note,
        }  # fmt: skip


def _check_name(name: str) -> str:
    if not is_team_name(name):
        shown = quoted(name, "that name")
        raise BadRequest(f"team name {shown}: use 1–40 letters, digits, '-' or '_' (not starting with '-' or '.')")
    return name


def _check_source(source: str) -> str:
    if not source or source.startswith("-"):
        raise BadRequest("give the team repository as a URL or a folder (it cannot start with '-')")
    local = Path(source).expanduser()
    return str(local.resolve()) if local.exists() else source


def read_manifest(folder: Path) -> dict[str, object]:
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise Refused(
            f"not a memem team repository: it has no {MANIFEST} (create one with `memem team init`)"
        ) from None
    except ValueError as exc:
        raise Refused(f"{MANIFEST} is not valid JSON ({exc})") from None
    except RecursionError:  # a teammate's repository decides what this file holds
        raise Refused(f"{MANIFEST} nests too deep to be a manifest") from None
    if not isinstance(data, dict):
        raise Refused(f"{MANIFEST} must hold a JSON object")
    return data


def configure_merge_driver(clone: Path) -> None:
    """Register `memem merge-driver` in this clone (git keeps drivers in each clone's own config)."""
    # -P: git runs the driver from the clone's top folder, and a `memem/` folder committed there must
    # never be imported in place of memem (it would run a teammate's code on every merge).
    driver = f"'{sys.executable}' -P -m memem merge-driver %O %A %B %P"
    git.run(clone, "config", "merge.memem.name", "memem: union of typed links, a conflicting edit kept as two notes")
    git.run(clone, "config", "merge.memem.driver", driver)


def _upgrade_merge_driver(clone: Path) -> None:
    """A clone registered by an older memem runs the driver without -P: it is registered again."""
    current = git.run(clone, "config", "--get", "merge.memem.driver", check=False).stdout
    if " -m memem merge-driver " in current and " -P " not in current:
        configure_merge_driver(clone)


def write_local(clone: Path, **values: object) -> None:
    path = clone / ".git" / LOCAL
    try:
        current = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        current = {}
    current = current if isinstance(current, dict) else {}
    path.write_text(json.dumps({**current, **values}, indent=2) + "\n", encoding="utf-8")


def init_repo(folder: Path, name: str, projects: list[str]) -> Path:
    """A new team repository in `folder` (missing or empty), with its manifest and first commit."""
    _check_name(name)
    if folder.exists() and not folder.is_dir():
        raise Refused(f"{folder} is a file, not a folder: a team repository starts in a new or empty folder")
    if folder.exists() and any(folder.iterdir()):
        raise Refused(f"{folder} is not empty: a team repository starts in a new or empty folder")
    (folder / NOTES).mkdir(parents=True, exist_ok=True)
    (folder / NOTES / ".gitkeep").write_text("", encoding="utf-8")
    manifest = {"name": name, "projects": sorted({p.strip() for p in projects if p.strip()})}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    (folder / ".gitattributes").write_text(ATTRIBUTES, encoding="utf-8")
    served = ", ".join(manifest["projects"]) or "every project"
    (folder / "README.md").write_text(
        f"# {name}: team memory\n\nMemory notes for {served}, kept by memem (one note per file in `{NOTES}/`).\n"
        f"Add it beside your own vault with `memem team add <this repository> --name {name}`;\n"
        f"propose your memories with `memem team propose ID… --team {name}`.\n",
        encoding="utf-8",
    )
    git.run(folder, "init", "--quiet", "--initial-branch=main")
    configure_merge_driver(folder)
    git.run(folder, "add", "--all")
    git.commit(folder, f"memem: start the team vault {name}")
    return folder


def add(vault: Path, source: str, name: str | None = None, writable: bool = False) -> Team:
    """Clone a team repository into the vault; its notes are indexed as soon as the clone lands."""
    source = _check_source(source)
    if name is not None:
        _check_name(name)
    base = vault / TEAMS_FOLDER
    base.mkdir(parents=True, exist_ok=True)
    temp = base / f".cloning-{secrets.token_hex(4)}"
    try:
        git.run(None, "clone", "--quiet", "--", source, str(temp))
        _check_checked_out(temp)
        manifest = read_manifest(temp)
        declared = manifest.get("name")
        chosen = _check_name(name or (declared if isinstance(declared, str) else ""))
        target = base / chosen
        if target.exists():
            raise Refused(f"a team named {chosen!r} is already in this vault ({target}); pick another --name")
        configure_merge_driver(temp)
        write_local(temp, writable=writable, source=git.without_credentials(source))
        os.rename(temp, target)
    finally:
        if temp.exists():
            shutil.rmtree(temp, ignore_errors=True)
    team = team_named(vault, chosen)
    if team is None:  # the manifest was read a moment ago: only a folder removed under us gets here
        raise Refused(f"the team {chosen!r} vanished while it was being added")
    return team


def _check_checked_out(clone: Path) -> None:
    """Refused, saying why, when the clone has no commit checked out: the repository is empty, or its
    HEAD names a branch it does not have (git clones it and only warns). Its missing manifest would
    otherwise read as "not a memem team repository" of a repository that is one, on another branch."""
    if git.run(clone, "rev-parse", "--verify", "--quiet", "HEAD^{commit}", check=False).returncode == 0:
        return
    branches = [b.removeprefix("origin/") for b in git.out(clone, "branch", "-r", "--format=%(refname:short)").split()]
    branches = [b for b in branches if b not in ("origin", "HEAD")]
    if not branches:
        raise Refused("the repository is empty (no commit yet): push the team's first commit, or make one with "
                      "`memem team init`")  # fmt: skip
    shown = ", ".join(sorted(branches)[:10])
    raise Refused(f"the repository's HEAD names a branch it does not have, so nothing was checked out (its branches: "
                  f"{shown}); set its default branch to one of them")  # fmt: skip


def require(vault: Path, name: str) -> Team:
    team = team_named(vault, name)
    if team is None:
        known = ", ".join(t.name for t in teams(vault)) or "none yet"
        shown = quoted(name, "by that name")
        raise Refused(f"no team {shown} in this vault (teams: {known}; add one with `memem team add`)")
    return team


def finish_merge(clone: Path) -> list[str]:
    """Commit a merge that stopped on notes the driver settled as two notes (no conflict markers in
    them): those notes and the siblings it wrote, nothing else of the working tree (a draft the person
    has not proposed stays theirs). Anything else conflicting: the merge is undone, the siblings
    removed. Returns the notes that were kept as pairs."""
    git_dir = Path(git.out(clone, "rev-parse", "--absolute-git-dir"))
    unmerged = [p for p in git.out(clone, "diff", "--name-only", "--diff-filter=U").splitlines() if p]
    by_driver = settled_paths(git_dir)
    clear_settled(git_dir)
    settled = [p for p in unmerged if p in by_driver and not _has_markers(clone / p)]
    if len(settled) != len(unmerged):
        git.run(clone, "merge", "--abort", check=False)
        for sibling in by_driver.values():
            (clone / sibling).unlink(missing_ok=True)
        others = ", ".join(sorted(set(unmerged) - set(settled)))
        raise Refused(f"the merge conflicts where memem's note merge could not settle it ({others}); "
                      "it was undone: resolve it with git")  # fmt: skip
    git.run(clone, "add", "--", *settled, *(by_driver[p] for p in settled))
    git.run(clone, *git.identity(clone), "commit", "--quiet", "--no-verify", "--no-edit")
    return settled


def merge(clone: Path, ref: str, *options: str) -> list[str]:
    """`git merge ref` through the note driver, finished when the driver settled every conflict (see
    `finish_merge`); the notes it kept as pairs."""
    _upgrade_merge_driver(clone)
    clear_settled(Path(git.out(clone, "rev-parse", "--absolute-git-dir")))  # this merge's record only
    merged = git.run(clone, *git.identity(clone), "merge", "--quiet", "--no-edit", *options, ref, check=False)
    if merged.returncode == 0:
        return []
    if not git.out(clone, "diff", "--name-only", "--diff-filter=U"):
        raise git.GitError(f"git merge failed: {(merged.stderr or merged.stdout).strip()[-300:]}")
    return finish_merge(clone)


def _has_markers(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return True
    return any(line.startswith(("<<<<<<< ", ">>>>>>> ")) or line == "=======" for line in text.splitlines())


def sync(vault: Path, names: list[str] | None = None) -> list[SyncResult]:
    """Pull each team (or the named ones): fast-forward when the clone has nothing of its own, else a
    merge through the note driver. One team's failure is reported in its result, not raised."""
    chosen = [require(vault, n) for n in names] if names else teams(vault)
    return [_sync_one(team) for team in chosen]


def _sync_one(team: Team) -> SyncResult:
    clone = team.folder
    result = SyncResult(team.name)
    try:
        result.before = git.out(clone, "rev-parse", "HEAD")
        if git.branch(clone) is None:
            result.after = result.before
            result.error = (
                f"{clone} is not on a branch (a proposal checked out?): `git -C {clone} switch -` and sync again"
            )
            return result
        upstream = git.upstream(clone)
        if upstream is None:
            result.after, result.note = result.before, "follows no remote branch: nothing to pull"
            return result
        git.run(clone, "fetch", "--quiet", "--prune")
        incoming = set(git.out(clone, "diff", "--name-only", "HEAD", upstream).splitlines())
        blocked = sorted(incoming & set(git.dirty_paths(clone)))
        if blocked:
            result.after = result.before
            result.error = (
                f"{len(blocked)} note(s) edited here were also changed by the team ({', '.join(blocked[:3])}): "
                "propose your edits with `memem team propose`, or undo them, then sync again"
            )
            return result
        behind = git.run(clone, "merge-base", "--is-ancestor", "HEAD", upstream, check=False).returncode == 0
        if behind:
            git.run(clone, "merge", "--quiet", "--ff-only", upstream)
        else:
            result.kept_both = merge(clone, upstream)
        result.after = git.out(clone, "rev-parse", "HEAD")
        if result.after != result.before:
            diff = git.out(clone, "diff", "--name-only", result.before, result.after, "--", NOTES)
            result.changed = [p for p in diff.splitlines() if p]
    except (git.GitError, Refused) as exc:
        result.error = str(exc)
    return result


def merge_branch(vault: Path, name: str, branch: str, push: bool = True) -> SyncResult:
    """Merge a proposal branch into the team's branch in this clone (a maintainer's review done), through
    the note driver, and push it. Hosting sites merge pull requests without custom drivers; a proposal
    whose notes conflict is merged here instead, and arrives as two notes for review, not as markers."""
    team = require(vault, name)
    clone = team.folder
    if not branch or branch.startswith("-"):
        raise BadRequest("give the proposal's branch name")
    if git.branch(clone) is None:
        raise Refused(f"{clone} is not on a branch: switch back to the team's branch first")
    result = SyncResult(team.name)
    remote = git.has_remote(clone)
    if remote:
        git.run(clone, "fetch", "--quiet", "--prune")
        upstream = git.upstream(clone)
        if upstream is not None:  # merge onto the team's branch as it is now, not as this clone last saw it
            git.run(clone, "merge", "--quiet", "--ff-only", upstream, check=False)
    ref = f"origin/{branch}" if remote and git.run(clone, "rev-parse", "--verify", "--quiet", f"origin/{branch}",
                                                   check=False).returncode == 0 else branch  # fmt: skip
    result.before = git.out(clone, "rev-parse", "HEAD")
    result.kept_both = merge(clone, ref, "--no-ff")
    result.after = git.out(clone, "rev-parse", "HEAD")
    diff = git.out(clone, "diff", "--name-only", result.before, result.after, "--", NOTES)
    result.changed = [p for p in diff.splitlines() if p]
    if push and remote:
        git.run(clone, "push", "--quiet", "origin", "HEAD")
    return result


def remove(vault: Path, name: str, force: bool = False) -> Path:
    """Take a team's clone out of the vault (its notes leave the indexes). Refuses while the clone
    holds edits or commits that exist nowhere else, unless `force`."""
    team = require(vault, name)
    if not force:
        dirty = git.dirty_paths(team.folder)
        unpushed = git.out(team.folder, "log", "--oneline", "--branches", "--not", "--remotes")
        if dirty or unpushed:
            what = f"{len(dirty)} uncommitted change(s)" if dirty else "commits that were never pushed"
            raise Refused(f"the team {name!r} has {what} in {team.folder}; push or propose them, or pass --force")
    shutil.rmtree(team.folder)
    return team.folder


def describe(vault: Path) -> list[dict[str, object]]:
    """Each team as `memem team list` shows it."""
    shown = []
    for team in teams(vault):
        notes = sum(1 for _ in (team.folder / NOTES).rglob("*.md")) if (team.folder / NOTES).is_dir() else 0
        head = git.run(team.folder, "log", "-1", "--format=%h %cs", check=False).stdout.strip()
        remote = git.run(team.folder, "remote", "get-url", "origin", check=False).stdout.strip()
        shown.append({
            "name": team.name, "projects": list(team.projects), "writable": team.writable, "notes": notes,
            "head": head, "remote": git.without_credentials(remote), "folder": str(team.folder),
        })  # fmt: skip
    return shown
