"""A hostile vault: every kind of file a memories folder can hold that is not a well-formed note.

Each kind is built on disk by a small function and says what memem must make of it:
- "bad": not indexed, reported with its path (status, doctor, the daemon's log);
- "warned": indexed, with a warning about the property at fault (status, doctor);
- "good": indexed as it is (odd but valid: a huge body, CRLF, a BOM, a folder named like a note).
Every note that is indexed carries a unique word, so a search can prove it is there. Nothing here is
a literal fixture on disk: the vault is made in a temp folder at test time.
"""

from __future__ import annotations

import json
import os
import socket
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

LIBYAML = bool(getattr(yaml, "__with_libyaml__", False))


@dataclass(frozen=True)
class Kind:
    name: str
    expect: str  # "bad", "warned" or "good"
    paths: tuple[str, ...]  # what it creates, relative to the memories folder (as memem reports them)
    build: Callable[[Path], None]
    token: str = ""  # the unique word of an indexed note


def _note(token: str, props: str, body: str = "") -> str:
    return f"---\n{textwrap.dedent(props).strip()}\n---\n\n{body or 'The unique word is'} {token}.\n"


def _write(name: str, text: str | bytes) -> Callable[[Path], None]:
    def build(memories: Path) -> None:
        path = memories / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)

    return build


_BOMB = "".join(f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 9 if n else ['"lol"'] * 9) + "]\n" for n in range(7))


def _aliased(key: str, value: str, times: int) -> str:
    """A small note whose one property refers to a large value many times over (YAML aliases)."""
    return f"---\nid: aliased-{key}\nbig: &big {json.dumps(value)}\n{key}: [{', '.join(['*big'] * times)}]\n---\nx\n"


def _symlink_loop(memories: Path) -> None:
    os.symlink("loop-b.md", memories / "loop-a.md")
    os.symlink("loop-a.md", memories / "loop-b.md")


def _self_loop(memories: Path) -> None:
    os.symlink("self.md", memories / "self.md")


def _broken_symlink(memories: Path) -> None:
    os.symlink("nowhere/gone.md", memories / "broken.md")


def _symlink_out(memories: Path) -> None:
    os.symlink("/etc/hostname", memories / "outside.md")


def _bad_name(memories: Path) -> None:
    with open(os.path.join(os.fsencode(memories), b"latin1-\xe9t\xe9.md"), "wb") as handle:
        handle.write(_note("zqxbadname", "id: bad-name").encode())


def _bad_folder(memories: Path) -> None:
    folder = os.path.join(os.fsencode(memories), b"dossier-\xe9")
    os.mkdir(folder)
    with open(os.path.join(folder, b"inside.md"), "wb") as handle:
        handle.write(_note("zqxbadfolder", "id: bad-folder").encode())


def _fifo(memories: Path) -> None:
    os.mkfifo(memories / "pipe.md")


def _socket(memories: Path) -> None:
    here = os.getcwd()
    os.chdir(memories)  # a socket's path is limited to ~100 bytes: bind by a short relative name
    try:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind("sock.md")
        sock.close()
    finally:
        os.chdir(here)


def _folder_named_like_a_note(memories: Path) -> None:
    (memories / "folder.md").mkdir()
    (memories / "folder.md" / "inner.md").write_text(_note("zqxinner", "id: inner"))


def _symlink_to_root(memories: Path) -> None:
    (memories / "rooted").mkdir()
    os.symlink("/", memories / "rooted" / "root")


TOO_DEEP = "deep120/" + "d/" * 100  # what is reported: the first folder more than 100 deep


def _too_deep(memories: Path) -> None:
    bottom = memories / "deep120" / "/".join(["d"] * 119)
    bottom.mkdir(parents=True)
    (bottom / "deep.md").write_text(_note("zqxtoodeep", "id: too-deep"))


def _duplicate_ids(memories: Path) -> None:
    (memories / "dup-one.md").write_text(_note("zqxdupone", "id: same-id"))
    (memories / "dup-two.md").write_text(_note("zqxduptwo", "id: same-id"))


def kinds() -> list[Kind]:
    big = "x" * 1_100_000
    many_links = " ".join(f"[[target {n}]]" for n in range(5_000))
    many_tags = ", ".join(f"t{n}" for n in range(19_000))
    k: list[Kind] = [
        # dates and numbers a person mistyped: indexed, with a warning
        Kind("impossible created date", "warned", ("created-feb30.md",),
             _write("created-feb30.md", _note("zqxfeb", "id: feb30\ncreated: 2026-02-30")), "zqxfeb"),
        Kind("impossible updated month", "warned", ("updated-month13.md",),
             _write("updated-month13.md", _note("zqxmonth", "id: month13\nupdated: 2026-13-01")), "zqxmonth"),
        Kind("impossible hour", "warned", ("hour25.md",),
             _write("hour25.md", _note("zqxhour", "id: hour25\ncreated: 2026-10-02T25:00:00")), "zqxhour"),
        Kind("a year for a date", "warned", ("year.md",),
             _write("year.md", _note("zqxyear", "id: year\ncreated: 1999")), "zqxyear"),
        Kind("layer out of range", "warned", ("layer9.md",),
             _write("layer9.md", _note("zqxlayer", "id: layer9\nlayer: 9")), "zqxlayer"),
        Kind("importance in words", "warned", ("importance-high.md",),
             _write("importance-high.md", _note("zqximp", "id: imp\nimportance: high")), "zqximp"),
        Kind("importance NaN", "warned", ("importance-nan.md",),
             _write("importance-nan.md", _note("zqxnan", "id: nan\nimportance: .nan")), "zqxnan"),
        Kind("unknown status", "warned", ("status.md",),
             _write("status.md", _note("zqxstatus", "id: status\nstatus: archived")), "zqxstatus"),
        Kind("title is a mapping", "warned", ("title-map.md",),
             _write("title-map.md", _note("zqxtitlemap", "id: title-map\ntitle: {a: 1}")), "zqxtitlemap"),
        Kind("tags are nested lists", "warned", ("tags-nested.md",),
             _write("tags-nested.md", _note("zqxtags", "id: tags\ntags: [[a, b], {c: d}]")), "zqxtags"),
        Kind("a link that is a mapping", "warned", ("link-map.md",),
             _write("link-map.md", _note("zqxlinkmap", "id: link-map\nrelated: [{a: b}]")), "zqxlinkmap"),
        # libyaml refuses the escape (bad note); the pure-Python loader reads it (the title is ignored).
        Kind("a title escaping a lone surrogate", "bad" if LIBYAML else "warned", ("surrogate-title.md",),
             _write("surrogate-title.md", _note("zqxsurr", 'id: surr\ntitle: "bad \\ud800 title"')),
             "" if LIBYAML else "zqxsurr"),
        Kind("five thousand links in the text", "warned", ("links.md",),
             _write("links.md", _note("zqxlinks", "id: links", many_links)), "zqxlinks"),
        # files that cannot be notes: reported, never opened or never indexed
        Kind("symlink loop", "bad", ("loop-a.md", "loop-b.md"), _symlink_loop),
        Kind("symlink to itself", "bad", ("self.md",), _self_loop),
        Kind("broken symlink", "bad", ("broken.md",), _broken_symlink),
        Kind("symlink out of the vault", "bad", ("outside.md",), _symlink_out),
        Kind("file name not UTF-8", "bad", ("latin1-\\xe9t\\xe9.md",), _bad_name),
        Kind("folder name not UTF-8", "bad", ("dossier-\\xe9/",), _bad_folder),
        Kind("named pipe", "bad", ("pipe.md",), _fifo),
        Kind("unix socket", "bad", ("sock.md",), _socket),
        Kind("a symlink to / in a folder", "bad", ("rooted/root/",), _symlink_to_root),
        Kind("a note in folders nested 120 deep", "bad", (TOO_DEEP,), _too_deep),
        Kind("YAML alias bomb", "bad", ("bomb.md",), _write("bomb.md", f"---\n{_BOMB}id: bomb\ntitle: *a6\n---\nx\n")),
        Kind("recursive YAML alias", "bad", ("recursive.md",), _write("recursive.md", "---\nid: r\na: &a [*a]\n---\n")),
        Kind("YAML nested 200 deep", "bad", ("deep.md",),
             _write("deep.md", "---\nid: deep\nx: " + "[" * 200 + "]" * 200 + "\n---\n")),
        Kind("invalid YAML", "bad", ("invalid.md",), _write("invalid.md", "---\nid: x\ntitle: [unclosed\n---\n")),
        Kind("tab-indented YAML", "bad", ("tabs.md",), _write("tabs.md", "---\nid: t\n\ttitle: x\n---\n")),
        Kind("properties are a list", "bad", ("list.md",), _write("list.md", "---\n- a\n- b\n---\nbody\n")),
        Kind("properties are a scalar", "bad", ("scalar.md",), _write("scalar.md", "---\njust text\n---\nbody\n")),
        Kind("no id", "bad", ("no-id.md",), _write("no-id.md", "---\ntitle: no id\n---\nbody\n")),
        Kind("id is a list", "bad", ("id-list.md",), _write("id-list.md", "---\nid: [a, b]\n---\nbody\n")),
        Kind("id over two lines", "bad", ("id-lines.md",), _write("id-lines.md", '---\nid: "a\\nb"\n---\nbody\n')),
        Kind("id escaping a lone surrogate", "bad", ("id-surrogate.md",),
             _write("id-surrogate.md", '---\nid: "x\\udcff"\n---\nbody\n')),
        Kind("empty properties", "bad", ("empty-props.md",), _write("empty-props.md", "---\n---\nbody\n")),
        Kind("no frontmatter", "bad", ("plain.md",), _write("plain.md", "Just some text.\n")),
        Kind("unterminated frontmatter", "bad", ("open.md",), _write("open.md", "---\nid: open\ntitle: x\n")),
        Kind("empty file", "bad", ("empty.md",), _write("empty.md", "")),
        Kind("binary file", "bad", ("binary.md",), _write("binary.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")),
        Kind("NUL deep in the text", "bad", ("late-nul.md",),
             _write("late-nul.md", _note("zqxnul", "id: nul", "a" * 10_000 + "\x00"))),
        Kind("invalid UTF-8 bytes", "bad", ("latin1.md",), _write("latin1.md", b"---\nid: l\n---\ncaf\xe9\n")),
        Kind("UTF-16 with BOM", "bad", ("utf16.md",), _write("utf16.md", _note("zqx16", "id: u16").encode("utf-16"))),
        Kind("over 1 MB", "bad", ("huge.md",), _write("huge.md", _note("zqxhuge", "id: huge", big))),
        Kind("integer of 5000 digits", "warned", ("bigint.md",),
             _write("bigint.md", _note("zqxbigint", "id: bigint\nimportance: 1" + "0" * 5000)), "zqxbigint"),
        Kind("a property given twice", "warned", ("twice.md",),
             _write("twice.md", _note("zqxtwice", "id: twice\ntitle: first\ntitle: second")), "zqxtwice"),
        Kind("properties block not on the first line", "bad", ("late-block.md",),
             _write("late-block.md", "\n---\nid: late\n---\nbody\n")),
        Kind("CR-only line endings", "bad", ("cr-only.md",), _write("cr-only.md", "---\rid: cr\r---\rbody\r")),
        Kind("a 100 KB property", "bad", ("long-title.md",),
             _write("long-title.md", "---\nid: long\ntitle: " + "t" * 100_000 + "\n---\nbody\n")),
        Kind("19,000 aliases of a 60 KB link", "bad", ("alias-links.md",),
             _write("alias-links.md", _aliased("related", "[[" + "l" * 60_000 + "]]", 19_000))),
        Kind("19,000 aliases of a 9,000-word tag", "bad", ("alias-tags.md",),
             _write("alias-tags.md", _aliased("tags", " ".join(f"w{n}" for n in range(9_000)), 19_000))),
        Kind("19,000 tags", "warned", ("many-tags.md",),
             _write("many-tags.md", _note("zqxmanytags", "id: many-tags\ntags: [" + many_tags + "]")),
             "zqxmanytags"),
        Kind("properties block over 256 KB", "bad", ("long-block.md",),
             _write("long-block.md", "---\nid: block\n" + "".join(f"k{n}: {'v' * 60}\n" for n in range(5000)) + "---")),
        # odd but valid: indexed as they are. Half a megabyte each: large enough for a parser that is
        # quadratic on them to show, and well inside the screens' CPU budget per note (0.9 s; 800 KB of
        # either cost 0.7-0.75 s of it, and a loaded CI machine pushed one over, withheld from search)
        Kind("half a million brackets", "good", ("brackets.md",),
             _write("brackets.md", _note("zqxbrackets", "id: brackets", "[[" * 250_000)), "zqxbrackets"),
        Kind("480 KB of setext headings", "good", ("setext.md",),
             _write("setext.md", _note("zqxsetext", "id: setext", "a\n=\n" * 120_000)), "zqxsetext"),
        Kind("CRLF line endings", "good", ("crlf.md",),
             _write("crlf.md", _note("zqxcrlf", "id: crlf").replace("\n", "\r\n")), "zqxcrlf"),
        Kind("UTF-8 byte-order mark", "good", ("bom.md",),
             _write("bom.md", "\ufeff" + _note("zqxbom", "id: bom")), "zqxbom"),
        Kind("a folder named like a note", "good", ("folder.md/inner.md",), _folder_named_like_a_note, "zqxinner"),
        Kind("a 250-byte file name", "good", ("n" * 247 + ".md",),
             _write("n" * 247 + ".md", _note("zqxlongname", "id: long-name")), "zqxlongname"),
        Kind("a newline in the file name", "good", ("new\nline.md",),
             _write("new\nline.md", _note("zqxnewline", "id: newline")), "zqxnewline"),
        Kind("two notes sharing an id", "good", ("dup-one.md", "dup-two.md"), _duplicate_ids, "zqxdupone"),
    ]  # fmt: skip
    return k
