"""Which notes a retrieval may see: the scope rule, written once and spoken in every dialect it needs.

The rule: a project's notes and the global ones (notes without a project), active ones unless
deprecated ones are asked for, the archive layer (3) only on an explicit search, no note of a team
vault that does not serve the project, and never a note holding text addressed to a model or a
secret (marked when parsed, `vault.withheld`: recall must not carry it into a prompt). Full text asks
it as SQL, the vector store as a chromadb `where`, and code that already holds a note as a test; all
three come from one `Scope` value, so they cannot drift apart.

Standard library only: the hooks' catalog fallback asks it for SQL.
"""

from __future__ import annotations

from memem.vault.withheld import WITHHELD

TYPE_CHECKING = False  # see memem.hooks.events: `typing` is kept off the hook's path
if TYPE_CHECKING:
    from typing import Any

GLOBAL = ""
"""Project value the vector store keeps for a note without a project (chromadb metadata cannot hold None)."""
ARCHIVE_LAYER = 3


NOT_WITHHELD = f"instr({{col}}warnings, '{WITHHELD}\"') = 0"
"""SQL: the note's warnings (JSON text) do not keep it out of recall (`vault.withheld`). The closing
quote makes it `is_withheld`'s "a warning ends with": other warnings quote the note's own values, and
a property that merely holds those words must not hide the note from SQL while Python shows it."""


def hidden_clauses(hidden: tuple[str, ...], col: str = "") -> list[str]:
    """SQL conditions (one parameter each: the prefix) leaving out the notes under these path prefixes."""
    return [f"substr({col}path, 1, {len(prefix)}) != ?" for prefix in hidden]


class Scope:
    """A value: `project` None means every project, unless `global_only` (then only global notes)."""

    __slots__ = ("global_only", "hidden", "include_archive", "include_deprecated", "project")

    def __init__(
        self,
        project: str | None = None,
        include_deprecated: bool = False,
        include_archive: bool = True,
        global_only: bool = False,
        hidden: tuple[str, ...] = (),
    ) -> None:
        self.project = project or None
        self.include_deprecated = include_deprecated
        self.include_archive = include_archive
        self.global_only = global_only and not project
        self.hidden = hidden
        """Path prefixes out of scope: team vaults that do not serve this project (`memem.teams`)."""

    def __repr__(self) -> str:
        return (
            f"Scope(project={self.project!r}, include_deprecated={self.include_deprecated}, "
            f"include_archive={self.include_archive}, global_only={self.global_only}, hidden={self.hidden!r})"
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Scope) and all(getattr(self, k) == getattr(other, k) for k in self.__slots__)

    def __hash__(self) -> int:
        return hash(tuple(getattr(self, k) for k in self.__slots__))

    def sql(self, alias: str = "") -> tuple[str, list[Any]]:
        """The rule as a WHERE clause on the `notes` table (columns prefixed with `alias.`) and its parameters."""
        col = f"{alias}." if alias else ""
        clauses: list[str] = []
        params: list[Any] = []
        if self.project:
            clauses.append(f"({col}project = ? OR {col}project IS NULL)")
            params.append(self.project)
        elif self.global_only:
            clauses.append(f"{col}project IS NULL")
        if not self.include_deprecated:
            clauses.append(f"{col}status = 'active'")
        if not self.include_archive:
            clauses.append(f"{col}layer != {ARCHIVE_LAYER}")
        clauses += hidden_clauses(self.hidden, col)
        params += self.hidden
        clauses.append(NOT_WITHHELD.format(col=col))
        return " AND ".join(clauses), params

    def vector_where(self) -> dict[str, Any] | None:
        """The project part of the rule as a chromadb `where`.

        Only the project is filtered inside chromadb: it pre-filters by metadata at a cost that grows
        with the number of matching notes, and a `status: active` filter (nearly every note) made a
        query at 20,000 notes many times slower. Status and layer are applied on the catalog rows the
        caller reads anyway (`sql` or `admits`).
        """
        if self.project:
            return {"project": {"$in": [self.project, GLOBAL]}}
        if self.global_only:
            return {"project": GLOBAL}
        return None

    def admits(self, project: str | None, status: str, layer: int, path: str = "", withheld: bool = False) -> bool:
        """The rule as a test on one note's properties (and its vault-relative path)."""
        if withheld:
            return False
        if self.hidden and path.startswith(self.hidden):
            return False
        if self.project and project not in (None, self.project):
            return False
        if self.global_only and project is not None:
            return False
        if not self.include_deprecated and status != "active":
            return False
        return self.include_archive or layer != ARCHIVE_LAYER
