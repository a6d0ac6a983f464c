"""The house rules of ARCHITECTURE.md, checked on the code: who may import whom, and what the hook path
may load. Every import counts, the lazy ones inside functions included (a lazy import is still a
dependency; it only moves the cost)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "memem"

# Lowest first. A module may import its own package and any package of a lower floor, nothing above.
FLOORS: list[tuple[str, ...]] = [
    ("errors", "settings", "terminal"),
    ("config", "project"),
    ("vault",),
    ("graph",),
    ("index",),
    ("sync",),
    ("client",),
    ("recall",),
    ("memory",),
    ("mining", "teams"),
    ("hooks",),
    ("daemon",),
    ("cli",),
    ("__main__", "testing"),
]
FLOOR = {room: n for n, rooms in enumerate(FLOORS) for room in rooms}

# What a Claude Code hook (and `memem mcp`) imports when it runs in a process of its own: every
# prompt pays for it, so none of the heavy libraries, and not even `typing` or `dataclasses`.
HOOK_PATH = ("memem.cli.main", "memem.cli.hook_entry", "memem.hooks.fallback", "memem.client.relay")
HEAVY = (
    "chromadb", "numpy", "onnxruntime", "tokenizers", "yaml", "frontmatter", "networkx", "starlette", "uvicorn",
    "mcp", "anthropic", "httpx", "httpx2", "pydantic", "detect_secrets", "watchdog", "tqdm", "typing",
    "dataclasses",
)  # fmt: skip


def room_of(module: str) -> str:
    """`memem.index.store` -> `index`; `memem.config` -> `config`."""
    return module.split(".")[1]


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def memem_imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import of a memem module in the file, however deep in the code."""
    found = []
    here = module_name(path)
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names if alias.name.startswith("memem")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                base = here.split(".")[: -node.level if path.name != "__init__.py" else len(here.split("."))]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if target.startswith("memem"):
                found.append((node.lineno, target))
    return found


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def test_every_room_has_a_floor() -> None:
    rooms = {room_of(module_name(p)) for p in modules() if module_name(p) != "memem"}
    assert rooms <= set(FLOOR), f"rooms without a floor in FLOORS (and ARCHITECTURE.md): {rooms - set(FLOOR)}"


@pytest.mark.parametrize("path", modules(), ids=lambda p: module_name(p))
def test_no_import_reaches_up_or_sideways(path: Path) -> None:
    here = module_name(path)
    if here == "memem":
        return
    mine = room_of(here)
    wrong = []
    for line, target in memem_imports(path):
        if target == "memem":
            continue
        theirs = room_of(target)
        if theirs != mine and FLOOR[theirs] >= FLOOR[mine]:
            wrong.append(f"line {line}: {here} ({mine}, floor {FLOOR[mine]}) imports {target} (floor {FLOOR[theirs]})")
    assert not wrong, "\n".join(wrong)


def test_the_hook_path_loads_nothing_heavy() -> None:
    script = (
        "import sys\n"
        f"for name in {HOOK_PATH!r}: __import__(name)\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))\n"
    )
    loaded = subprocess.run([sys.executable, "-P", "-c", script], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]", f"the hook path loads: {loaded.stdout.strip()}"


def test_the_rules_are_the_documented_ones() -> None:
    """ARCHITECTURE.md lists the same floors, top to bottom, so the document cannot drift from the test."""
    doc = (PACKAGE.parent / "ARCHITECTURE.md").read_text(encoding="utf-8")
    table = doc.split("<!-- floors -->")[1].split("<!-- /floors -->")[0]
    rows = [line for line in table.splitlines() if line.startswith("| ") and not line.startswith("| floor")]
    documented = [tuple(r.strip().strip("`") for r in row.split("|")[2].split(",")) for row in rows]
    assert documented == list(reversed(FLOORS))


def test_only_the_index_queries_the_catalog() -> None:
    """The catalog's tables are read and written by `memem/index` alone: one place for the SQL, the
    scope rule and the ranking weights (the miner's own offsets database is not the catalog: `state`
    keeps it, and `notices` reads its set-aside parts for the SessionStart hook without `dataclasses`)."""
    outside = []
    for path in modules():
        room = room_of(module_name(path)) if module_name(path) != "memem" else ""
        if room == "index" or module_name(path) in ("memem.mining.state", "memem.mining.notices"):
            continue
        text = path.read_text(encoding="utf-8")
        for needle in ("notes_fts", "FROM notes", "catalog.conn", ".execute("):
            if needle in text:
                outside.append(f"{module_name(path)}: {needle}")
    assert outside == []
