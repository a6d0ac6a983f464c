"""The documentation says what the code does: every setting is in the README's table, with its default,
and nothing reads a `MEMEM_*` variable except memem/settings.py (datasette checks its settings so)."""

from __future__ import annotations

import re
from pathlib import Path

from memem.settings import TABLE

REPO = Path(__file__).resolve().parents[1]
NAME = re.compile(r"\bMEMEM_[A-Z_]+\b")


def readme_settings() -> dict[str, str]:
    table = (
        (REPO / "README.md").read_text(encoding="utf-8").split("<!-- settings -->")[1].split("<!-- /settings -->")[0]
    )
    rows = [line.split("|") for line in table.strip().splitlines()[2:]]
    return {row[1].strip().strip("`"): row[3].strip().strip("`") for row in rows}


def test_every_setting_is_documented_with_its_default() -> None:
    documented = readme_settings()
    assert list(documented) == [s.name for s in TABLE]
    assert documented == {s.name: s.default for s in TABLE}


def test_every_variable_used_anywhere_is_in_the_table() -> None:
    sources = [*REPO.joinpath("memem").rglob("*.py"), REPO / "hooks" / "memem", REPO / "hooks" / "setup-runtime"]
    sources += [*REPO.joinpath("scripts").iterdir()]
    used = {name for path in sources if path.is_file() for name in NAME.findall(path.read_text(encoding="utf-8"))}
    assert used <= {s.name for s in TABLE}, used - {s.name for s in TABLE}


def test_only_settings_reads_memem_variables() -> None:
    reads = re.compile(r"environ(?:\.get)?\(\s*[\"']MEMEM_|environ\[[\"']MEMEM_|getenv\(\s*[\"']MEMEM_")
    offenders = [
        str(path.relative_to(REPO))
        for path in REPO.joinpath("memem").rglob("*.py")
        if path.name != "settings.py" and reads.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
