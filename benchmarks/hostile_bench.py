"""Worst-case cost of one note: CPU time and peak memory to read and parse a hostile file.

The promise is that no single file can cost the indexer more than a few MB or a second of CPU,
whatever it holds. Each case is the worst of its kind that fits under the note size limit (1 MB):
a YAML alias bomb, deep nesting, a maximal properties block, and bodies built to make a markdown
parser work hard (brackets, setext headings, link definitions, emphasis, links). Run:
`python -m benchmarks.hostile_bench`.
"""

from __future__ import annotations

import gc
import random
import resource
import statistics
import string
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from benchmarks.common import print_table
from memem.index.store import read_note_file
from memem.vault.note import MAX_NOTE_BYTES, BadNote, Note
from memem.vault.scan import FileStat
from memem.vault.withheld import why_withheld

LIMIT = MAX_NOTE_BYTES - 100


def _body(unit: str) -> str:
    """A note of ~1 MB made of one construct, with a link at the end so links are looked for throughout."""
    return "---\nid: hostile\ntitle: t\n---\n" + unit * ((LIMIT - 60) // len(unit.encode())) + "\n\nSee [[the end]].\n"


def _dense(make: Callable[[Callable[[int], str]], str]) -> str:
    """A note of ~1 MB made of fake credentials, each different (a dump, or an attack on the screen);
    `make` writes one, given a maker of random tokens of a length."""
    rng = random.Random(0)

    def token(n: int) -> str:
        return "".join(rng.choices(string.ascii_letters + string.digits, k=n))

    parts, size = [], 0
    while size < LIMIT - 200:
        part = make(token)
        parts.append(part)
        size += len(part)
    return "---\nid: dense\ntitle: t\n---\n" + "".join(parts)


def _bomb(levels: int) -> str:
    lines = [f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 9 if n else ['"x"'] * 9) + "]" for n in range(levels)]
    return "---\n" + "\n".join(lines) + f"\nid: bomb\ntitle: *a{levels - 1}\n---\nbody\n"


CASES = {
    "YAML alias bomb, 7 levels (9^7 values)": _bomb(7),
    "YAML alias bomb, 12 levels (9^12 values)": _bomb(12),
    "YAML nested 60 levels (under the limit)": "---\nid: d\nx: " + "[" * 60 + "]" * 60 + "\n---\n",
    "properties block just under 256 KB": "---\nid: p\n" + "".join(f"k{n}: {'v' * 50}\n" for n in range(4_300)) + "---",
    "19,000 aliases of a 60 KB link": (
        "---\nid: a\nx: &x '[[" + "l" * 60_000 + "]]'\nrelated: [" + ", ".join(["*x"] * 19_000) + "]\n---\n"
    ),
    "19,000 tags": "---\nid: t\ntags: [" + ", ".join(f"t{n}" for n in range(19_000)) + "]\n---\n",
    "1 MB of [[": _body("[["),
    "1 MB of [a](": _body("[a]("),
    "1 MB of setext headings": _body("a\n=\n"),
    "1 MB of link definitions": _body("[a]: b\n"),
    "1 MB of *_ emphasis": _body("*_"),
    "1 MB of backticks": _body("` "),
    "1 MB of HTML comments": _body("<!-- -->"),
    "1 MB of fences": _body("```\n"),
    "1 MB of wikilinks (capped at 2,000 edges)": _body("[[a]] "),
    "1 MB of prose": _body("the quick brown fox jumps over the lazy dog. "),
    "1 MB of GitHub-shaped tokens (25,000)": _dense(lambda t: f"ghp_{t(36)} "),
    "1 MB of --password flags (37,000)": _dense(lambda t: f"--password {t(16)} "),
    "1 MB of literals passed to calls": _dense(lambda t: f'f("{t(20)}", "{t(20)}")'),
    # A word a rule looks for, then a run a pattern could share out in many ways (report A of
    # 2026-12-06: "eval" then 10,000 spaces cost 25 s, "password" then 100,000 spaces 124 s).
    "eval, then 1 MB of spaces": _body(" ").replace("---\n ", "---\neval ", 1),
    "password, then 1 MB of spaces": _body(" ").replace("---\n ", "---\npassword ", 1),
    "password, then 1 MB of digits": _body("0").replace("---\n0", "---\npassword 0", 1),
    "1 MB of a-": _body("a-"),
    "key=, then 1 MB of <": _body("<").replace("---\n<", "---\nkey=<", 1),
    "an npm line, then 1 MB of /": _body("/").replace("---\n/", "---\nx/:_authToken= /", 1),
    "a JWT's opening, then 1 MB of eyJ": _body("eyJ").replace("---\neyJ", "---\n.eyJ", 1),
    # The worst of 256 such notes (16 openings x 16 runs, 2026-12-06), and every literal a screen
    # looks for at once, so that each pattern is run, then a run each of them could share out.
    "password=, then 1 MB of =": _body("=").replace("---\n=", "---\npassword==", 1),
    "Bearer, then 1 MB of a_": _body("a_").replace("---\na_", "---\nAuthorization: Bearer a_", 1),
    # A rule's own opening repeated: each try costs a little or runs to the end of the run.
    "1 MB of token_": _body("token_"),
    "1 MB of отправ (a costly opening)": _body("отправ"),
    "1 MB of otpauth:///": _body("otpauth:///"),
}  # fmt: skip


def _every_literal(run: str) -> str:
    """Every literal the screens gate a pattern on, one per line, then ~1 MB of `run`."""
    from memem.vault import injection, secrets
    from memem.vault.literals import Gated

    injection.prepare()
    secrets.prepare()
    literals = sorted({literal for g in gc.get_objects() if isinstance(g, Gated) for literal in g.gate})
    head = "\n".join(literals) + "\n"
    return "---\nid: every\ntitle: t\n---\n" + head + run * ((LIMIT - len(head.encode()) - 60) // len(run))


CASES.update({
    "every literal the screens look for, then 1 MB of _": _every_literal("_"),
    "every literal the screens look for, then 1 MB of a": _every_literal("a"),
    "every literal the screens look for, then 1 MB of prose": _every_literal("the quick brown fox jumps. "),
})  # fmt: skip


def measure(folder: Path, name: str, text: str) -> tuple[str, str, str, str, str]:
    path = folder / "hostile.md"
    path.write_text(text)
    st = path.stat()
    stat = FileStat("hostile.md", st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns)
    times = []
    for _ in range(3):
        started = time.process_time()
        result = read_note_file(folder, stat)
        times.append(time.process_time() - started)
    tracemalloc.start()
    read_note_file(folder, stat)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    outcome = "refused" if isinstance(result, BadNote) else "indexed"
    why = [w for w in (result.warnings if isinstance(result, Note) else []) if why_withheld(w)]
    if why:
        outcome += f", withheld ({why_withheld(why[0])[0]})"  # type: ignore[index]
    cpu = f"{statistics.median(times) * 1000:.0f} ms"
    return name, f"{st.st_size / 1e6:.2f} MB", cpu, f"{peak / 1e6:.1f} MB", outcome


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        rows = [measure(Path(tmp), name, text) for name, text in CASES.items()]
    print("One hostile note: read + parse, CPU time (median of 3) and peak Python memory")
    print_table(rows, ["case", "size", "CPU", "peak memory", "outcome"])
    print(f"process peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
