"""Merging two edits of one memory note (git's custom merge driver for team vaults).

A line-based merge of a note goes wrong in the two ways that matter most: two people who each add a
link to the same list produce a conflict, and two different rewrites of the text produce a file full
of `<<<<<<<` markers that Obsidian shows as the memory. Here a note merges as what it is:

- typed-link lists (and tags, aliases) merge as sets, three-way: whatever either side added is kept,
  whatever one side removed and the other left alone is gone;
- other properties take the side that changed them (dates and importance: the later or higher; a
  deprecation wins); when both changed one differently, the note is kept as two;
- the text merges line by line (`git merge-file`) when the edits do not overlap; when they do, or
  when both sides changed a property differently, the note is **kept as two notes**: ours at the
  path, theirs beside it under a new id, each linking the other as `contradicts`, neither marked
  reviewed, so the review pane asks a person which one holds.

Pure functions on texts plus `run_driver`, which git calls with the three files.
"""

from __future__ import annotations

import hashlib
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from memem.vault import frontmatter
from memem.vault.note import LINK_KINDS, render_new_note

SET_KEYS = (*LINK_KINDS, "tags", "aliases")
LATER_KEYS = ("updated", "reviewed", "valid_to")
"""Dates: when both sides changed one, the later stands."""
HIGHER_KEYS = ("importance",)
IDENTITY_KEYS = ("title", "kind", "layer", "project")
"""Properties the note kept at the path takes from ours when the two sides are kept as two notes."""


EVIDENCE = "two edits of this note were merged and disagree: keep one, or both"


@dataclass(frozen=True)
class Sibling:
    """Theirs' version of a note, kept as a second note beside ours."""

    name: str  # file name, in the same folder as the merged note
    text: str


@dataclass(frozen=True)
class Merged:
    text: str
    sibling: Sibling | None = None


@dataclass(frozen=True)
class _Note:
    props: dict[str, Any]
    body: str
    parsed: bool


def _read(text: str) -> _Note:
    parts = frontmatter.split(text)
    if parts.yaml_text is None:
        return _Note({}, text, parsed=True)
    try:
        return _Note(frontmatter.load(parts.yaml_text), parts.body.lstrip("\r\n"), parsed=True)
    except frontmatter.FrontmatterError:
        return _Note({}, text, parsed=False)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _merge_set(base: Any, ours: Any, theirs: Any) -> list[Any]:
    """Three-way set merge, in ours' order then theirs' additions."""
    b, o, t = _as_list(base), _as_list(ours), _as_list(theirs)

    def key(value: Any) -> str:
        return str(value).strip().lower()

    bk, ok, tk = {key(v) for v in b}, {key(v) for v in o}, {key(v) for v in t}
    kept: list[Any] = []
    seen: set[str] = set()
    for value in (*o, *t):
        k = key(value)
        if k in seen:
            continue
        in_o, in_t, in_b = k in ok, k in tk, k in bk
        if (in_o and in_t) or (in_o and not in_b) or (in_t and not in_b):
            kept.append(value)
            seen.add(k)
    return kept


def _merge_props(
    base: Mapping[str, Any], ours: Mapping[str, Any], theirs: Mapping[str, Any]
) -> tuple[dict[str, Any], bool]:
    """The merged properties, and whether an identity property conflicts."""
    merged: dict[str, Any] = {}
    conflict = False
    for key in dict.fromkeys([*ours, *theirs]):
        b, o, t = base.get(key), ours.get(key), theirs.get(key)
        if key in SET_KEYS:
            value: Any = _merge_set(b, o, t)
            if value:
                merged[key] = value
            continue
        if o == t or t == b:
            value = o
        elif o == b:
            value = t
        elif key in LATER_KEYS:
            value = max(str(o or ""), str(t or "")) or None
        elif key in HIGHER_KEYS:
            value = max((v for v in (o, t) if isinstance(v, int)), default=o)
        elif key == "status":
            value = "deprecated" if "deprecated" in (o, t) else o
        else:  # both changed it, differently: which holds is a person's call, so the note is kept twice
            conflict = True
            value = o
        if value is not None:
            merged[key] = value
    return merged, conflict


def merge_text(base: str, ours: str, theirs: str) -> str | None:
    """A line-based three-way merge of two note bodies, or None when the edits overlap."""
    if ours == theirs or theirs == base:
        return ours
    if ours == base:
        return theirs
    with tempfile.TemporaryDirectory(prefix="memem-merge-") as tmp:
        files = []
        for label, text in (("ours", ours), ("base", base), ("theirs", theirs)):
            path = Path(tmp, label)
            path.write_text(text, encoding="utf-8")
            files.append(str(path))
        from memem.teams.git import git_executable

        done = subprocess.run(
            [git_executable(), "merge-file", "-p", "--quiet", *files], capture_output=True, text=True, check=False
        )
    return done.stdout if done.returncode == 0 else None


def _stem(path: str) -> str:
    return path.rsplit("/", 1)[-1].removesuffix(".md")


def merge_note(base: str, ours: str, theirs: str, path: str) -> Merged:
    """Merge two edits of the note at `path` (relative to the repository) against their common base."""
    if ours == theirs or theirs == base:
        return Merged(ours)
    if ours == base:
        return Merged(theirs)
    b, o, t = _read(base), _read(ours), _read(theirs)
    if not b.props.get("id") and o.props.get("id") and t.props.get("id") and o.props["id"] != t.props["id"]:
        # Two new notes that chose one file name (two people's "Deploy checklist"): two memories, each
        # with its own id, and no contradiction between them (they were never one note).
        digest = hashlib.sha256(theirs.encode()).hexdigest()[:6]
        return Merged(ours, Sibling(f"{_stem(path)} ({digest}).md", theirs))
    props, identity_conflict = _merge_props(b.props, o.props, t.props)
    body = merge_text(b.body, o.body, t.body) if o.parsed and t.parsed else None
    if body is not None and not identity_conflict:
        reviewed = props.get("reviewed")
        if reviewed is not None and body not in [n.body for n in (o, t) if n.props.get("reviewed") == reviewed]:
            del props["reviewed"]  # a review vouches for the text it read, not for the other side's edit
        return Merged(_written(ours, o, props, body))
    return _two_notes(props, o, t, path)


def _written(text: str, ours: _Note, props: dict[str, Any], body: str) -> str:
    """The merged note as ours' text with the merged properties and body: what both sides left as ours
    has it stays byte for byte (comments, quoting, order, an empty list), as in memem's own edits."""
    if not props or frontmatter.split(text).yaml_text is None:
        return render_new_note(props, body) if props else body
    updates: dict[str, Any] = {k: v for k, v in props.items() if ours.props.get(k) != v}
    updates.update({k: frontmatter.DELETE for k, v in ours.props.items() if k not in props and v not in (None, [], "")})
    try:
        edited = frontmatter.edit_keys(text, updates) if updates else text
    except frontmatter.FrontmatterError:  # a layout memem does not edit: written anew, as before
        return render_new_note(props, body)
    rest = frontmatter.split(edited).body
    blank = rest[: len(rest) - len(rest.lstrip("\r\n"))]
    return edited[: len(edited) - len(rest)] + blank + body


def _two_notes(props: dict[str, Any], ours: _Note, theirs: _Note, path: str) -> Merged:
    """Ours at the path, theirs beside it under a new id; each `contradicts` the other, neither reviewed."""
    digest = hashlib.sha256(theirs.body.encode() + repr(sorted(theirs.props.items(), key=str)).encode()).hexdigest()[:6]
    stem = _stem(path)
    sibling_name = f"{stem} (other edit {digest}).md"
    sibling_stem = sibling_name.removesuffix(".md")
    ours_props = {k: v for k, v in props.items() if k != "reviewed"}
    for key in ("title", "kind", "layer", "project"):
        if key in ours.props:
            ours_props[key] = ours.props[key]
    ours_props["contradicts"] = _merge_set([], ours_props.get("contradicts"), [f"[[{sibling_stem}]]"])
    ours_props["contradiction_evidence"] = EVIDENCE
    theirs_props = {k: v for k, v in {**props, **theirs.props}.items() if k != "reviewed"}
    for key in SET_KEYS:
        if key in props:
            theirs_props[key] = props[key]
    base_id = str(ours.props.get("id") or theirs.props.get("id") or stem)
    theirs_props["id"] = f"{base_id}-{digest}"
    theirs_props["contradicts"] = _merge_set(
        [], [v for v in _as_list(theirs_props.get("contradicts")) if _target(v) != sibling_stem], [f"[[{stem}]]"]
    )
    theirs_props["contradiction_evidence"] = EVIDENCE
    ours_text = render_new_note(ours_props, ours.body)
    theirs_text = render_new_note(theirs_props, theirs.body)
    return Merged(ours_text, Sibling(sibling_name, theirs_text))


def _target(value: Any) -> str:
    return str(value).strip().removeprefix("[[").removesuffix("]]").split("|")[0].strip()


def run_driver(base_file: str, ours_file: str, theirs_file: str, repo_path: str) -> int:
    """What git runs (`memem merge-driver %O %A %B %P`): the merged note into %A; a second note beside it
    when the two edits disagree. Exit 0 when the merge is clean; 1 when a pair was made, so git stops
    the merge for a person (or `memem team sync`) to commit both notes, never with markers in a note."""

    def read(path: str) -> str:
        return Path(path).read_text(encoding="utf-8", errors="surrogateescape")

    merged = merge_note(read(base_file), read(ours_file), read(theirs_file), repo_path)
    Path(ours_file).write_text(merged.text, encoding="utf-8", errors="surrogateescape")
    if merged.sibling is None:
        return 0
    folder = Path(repo_path).parent
    target = folder / merged.sibling.name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(merged.sibling.text, encoding="utf-8")
    record_settled(repo_path, (folder / merged.sibling.name).as_posix())
    return 1


SETTLED = "memem-merge-settled"
"""In the repository's git folder: the notes this merge's driver kept as pairs. `finish_merge` commits
a stopped merge only when every conflicted path is listed here: a driver that crashed also leaves a
clean-looking file (ours), and committing that would drop their edit without a word."""


def _git_dir() -> Path:
    from memem.teams.git import out

    return Path(out(None, "rev-parse", "--absolute-git-dir"))


def record_settled(repo_path: str, sibling: str) -> None:
    with (_git_dir() / SETTLED).open("a", encoding="utf-8") as handle:
        handle.write(f"{repo_path}\t{sibling}\n")


def settled_paths(git_dir: Path) -> dict[str, str]:
    """note path -> the sibling note the driver wrote beside it, for this merge."""
    try:
        lines = (git_dir / SETTLED).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return {}
    return dict(line.split("\t", 1) for line in lines if "\t" in line)


def clear_settled(git_dir: Path) -> None:
    (git_dir / SETTLED).unlink(missing_ok=True)
