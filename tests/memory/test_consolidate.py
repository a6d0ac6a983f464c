"""Consolidation on a synthetic vault with planted near-duplicates, exact duplicates, supersede chains,
contradictions and stale notes among distinct memories: what it proposes (precision and recall), what it
applies by itself (only the provably safe), and that no note is ever deleted."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest

from memem.memory.consolidate import Consolidator, Proposal, ProposalBook, accept, reject
from memem.memory.service import MemoryService
from memem.testing import write_note

TODAY = dt.date(2026, 12, 5)
NOW = time.mktime(TODAY.timetuple())
OLD = "2025-09-01"  # over 180 days before TODAY

DISTINCT = [
    ("Release tags are signed", "Every release tag is signed with the team's GPG key."),
    ("Logs go to Loki", "Application logs are shipped to Loki through promtail."),
    ("Webhooks are logged", "The payments service logs every incoming webhook body to the audit table."),
    ("Staging deploys on merge", "Merging to main deploys staging automatically."),
    ("API uses pydantic v2", "Request models use pydantic v2; v1 validators no longer work."),
    ("Feature flags live in LaunchDarkly", "Feature flags are created in LaunchDarkly, never in code constants."),
    ("Secrets come from Vault", "Services read their secrets from Vault at start-up through the sidecar."),
    ("Frontend builds with Vite", "The web frontend is built with Vite; webpack configs are gone."),
    ("Backups run nightly", "Postgres is backed up nightly at 01:00 UTC to the cold-storage bucket."),
    ("Code owners review infra", "Changes under infra/ need a review from the platform team's code owners."),
    ("Python 3.12 everywhere", "All services run on Python 3.12; 3.10 images are no longer built."),
    ("Metrics use OpenTelemetry", "Services export metrics with the OpenTelemetry SDK to the collector."),
]
PARAPHRASES = [
    (
        (
            "Retry failed webhooks three times",
            "The payments service retries a failed webhook three times before giving up.",
        ),
        (
            "Failed webhooks are retried three times",
            "Payments retries each failed webhook up to three times, then gives up.",
        ),
    ),
    (
        (
            "Migrations run with alembic",
            "Run alembic upgrade head before starting the API; the app does not migrate by itself.",
        ),
        ("Run alembic before the API starts", "The API never migrates on its own: run alembic upgrade head first."),
    ),
    (
        (
            "Staging resets on Sundays",
            "The staging database is wiped every Sunday at 02:00 UTC; keep no test data there over the weekend.",
        ),
        (
            "Staging is wiped every Sunday",
            "Every Sunday at 02:00 UTC the staging database gets wiped; leave no test data there for the weekend.",
        ),
    ),
    (
        ("Use uv for installs", "Install Python dependencies with uv, not pip: CI caches uv's wheels."),
        (
            "Install with uv rather than pip",
            "Python dependencies are installed with uv instead of pip, because CI caches the uv wheels.",
        ),
    ),
    (
        (
            "Flaky upload test",
            "The upload test is flaky on CI because the S3 mock starts slowly; rerun it once before investigating.",
        ),
        (
            "The upload test flakes on CI",
            "On CI the upload test is flaky since the S3 mock is slow to start: rerun once before digging in.",
        ),
    ),
]


def plant(vault: Path) -> set[tuple[str, str, frozenset[str]]]:
    """Write the synthetic vault; return the proposals a perfect pass would make: (kind, reason, ids)."""
    expected: set[tuple[str, str, frozenset[str]]] = set()
    common = {"project": "shop", "created": "2026-11-01", "updated": "2026-11-01", "source_type": "user"}
    for n, (title, body) in enumerate(DISTINCT):
        write_note(vault, title, body, id=f"distinct-{n}", title=title, **common)
    for n, ((t1, b1), (t2, b2)) in enumerate(PARAPHRASES):
        write_note(vault, t1, b1, id=f"para-{n}-a", title=t1, **common)
        write_note(vault, t2, b2, id=f"para-{n}-b", title=t2, **common)
        expected.add(("merge", "near-duplicate", frozenset({f"para-{n}-a", f"para-{n}-b"})))
    # Exact duplicates: a mined, unreviewed copy (safe to fold), and two copies a person wrote (a proposal).
    write_note(
        vault,
        "Cache keys",
        "Cache keys include the schema version.",
        id="dup-a",
        title="Cache keys",
        **{**common, "reviewed": "2026-11-02"},
    )
    write_note(
        vault,
        "Cache keys 2",
        "cache keys include the schema version",
        id="dup-a-mined",
        title="Cache keys",
        **{**common, "source_type": "mined"},
    )
    expected.add(("merge", "duplicate", frozenset({"dup-a", "dup-a-mined"})))
    write_note(vault, "Queue names", "Queue names are kebab-case.", id="dup-b", title="Queue names", **common)
    write_note(vault, "Queue names copy", "queue names are  kebab-case!", id="dup-b-2", title="Queue names", **common)
    expected.add(("merge", "duplicate", frozenset({"dup-b", "dup-b-2"})))
    # The same text in another project is not a duplicate: each project keeps its own.
    write_note(
        vault,
        "Queue names elsewhere",
        "Queue names are kebab-case.",
        id="dup-b-other",
        title="Queue names",
        **{**common, "project": "billing"},
    )
    # Supersede chains whose older links are still active.
    chains = [
        (
            "Deploys",
            [
                "deploy with fabric scripts from a laptop",
                "deploy with the CI pipeline's manual job",
                "deploys happen automatically on every merge",
            ],
        ),
        (
            "Package index",
            [
                "packages come from the public PyPI",
                "packages come from the Artifactory mirror",
                "packages come from the internal devpi server",
            ],
        ),
        (
            "CI runners",
            [
                "CI runs on Jenkins agents in the office",
                "CI runs on GitHub-hosted runners",
                "CI runs on self-hosted ARM runners in the cloud",
            ],
        ),
    ]
    for n, (topic, versions) in enumerate(chains):
        for v, text in enumerate(versions, 1):
            links = {"supersedes": [f"[[{topic} v{v - 1}]]"]} if v > 1 else {}
            write_note(vault, f"{topic} v{v}", f"{topic}: {text}.", id=f"chain-{n}-{v}", **links, **common)
        expected.add(("deprecate", "superseded", frozenset({f"chain-{n}-1", f"chain-{n}-2"})))
        expected.add(("deprecate", "superseded", frozenset({f"chain-{n}-2", f"chain-{n}-3"})))
    # Contradictions: the older side is proposed for retirement; a pair marked consistent is left alone.
    for n, (old, new) in enumerate(
        [
            ("Timeouts are 30 s", "Timeouts are 10 s"),
            ("Use tabs", "Use spaces"),
            ("Pin numpy to 1.x", "numpy 2 is supported"),
        ]
    ):
        write_note(
            vault,
            old,
            f"{old}, everywhere in the codebase.",
            id=f"contra-{n}-old",
            **{**common, "created": "2026-10-01"},
        )
        write_note(
            vault,
            new,
            f"{new}, as of the last review.",
            id=f"contra-{n}-new",
            contradicts=[f"[[{old}]]"],
            contradiction_evidence="the review changed it",
            **{**common, "created": "2026-11-20"},
        )
        expected.add(("deprecate", "contradicted", frozenset({f"contra-{n}-old", f"contra-{n}-new"})))
    write_note(vault, "Lint with ruff", "Lint with ruff.", id="settled-a", **common)
    write_note(
        vault,
        "Format with black",
        "Format with black.",
        id="settled-b",
        contradicts=["[[Lint with ruff]]"],
        consistent_with=["[[Lint with ruff]]"],
        **{**common, "created": "2026-11-20"},
    )
    # Stale: old and never recalled; old but recalled lately, or pinned (layer 0), is not.
    olds = [
        "The legacy cron host rotates its logs weekly.",
        "Grafana dashboards were exported to JSON by hand.",
        "The Heroku review apps used the hobby dyno tier.",
        "Selenium tests ran against Firefox 91 ESR.",
    ]
    for n, text in enumerate(olds):
        write_note(vault, f"Old note {n}", text, id=f"stale-{n}", **{**common, "created": OLD, "updated": OLD})
        expected.add(("stale", "stale", frozenset({f"stale-{n}"})))
    write_note(
        vault,
        "Old but used",
        "The VPN config lives in the ops wiki.",
        id="old-used",
        **{**common, "created": OLD, "updated": OLD},
    )
    write_note(
        vault,
        "Old identity",
        "I am a backend developer.",
        id="old-pinned",
        layer=0,
        **{**common, "created": OLD, "updated": OLD},
    )
    return expected


def as_key(p: Proposal) -> tuple[str, str, frozenset[str]]:
    return (p.kind, p.reason, frozenset(p.ids))


@pytest.fixture
def planted(service: MemoryService, fresh_vault: Path) -> set[tuple[str, str, frozenset[str]]]:
    expected = plant(fresh_vault)
    service.store.reconcile()
    ledger = service.store.ledger
    ledger.shown(["distinct-0"], "shop", at=NOW - 400 * 86400)  # the ledger is older than the stale horizon
    ledger.shown(["old-used"], "shop", at=NOW - 3 * 86400)
    return expected


def test_consolidation_proposes_what_was_planted_with_precision_and_recall(
    service: MemoryService, fresh_vault: Path, planted: set[tuple[str, str, frozenset[str]]]
) -> None:
    files_before = sorted(p.relative_to(fresh_vault) for p in (fresh_vault / "memem/memories").rglob("*.md"))
    report = Consolidator(service, today=TODAY, now=NOW).run()
    made = {as_key(p) for p in [*report.applied, *report.proposed]}
    hits = made & planted
    precision, recall = len(hits) / len(made), len(hits) / len(planted)
    print(f"consolidation: {len(made)} proposals, precision {precision:.2f}, recall {recall:.2f}")
    assert precision >= 0.9, sorted(made - planted)
    assert recall >= 0.8, sorted(planted - made)

    # Applied by itself: only the exact duplicate whose extra copy is an unreviewed mined note.
    assert [as_key(p) for p in report.applied] == [("merge", "duplicate", frozenset({"dup-a", "dup-a-mined"}))]
    mined = service.store.catalog.by_id("dup-a-mined")[0]
    assert mined.status == "deprecated" and service.store.catalog.by_id("dup-a")[0].status == "active"
    untouched = {r.id for r in service.store.catalog.rows() if r.status == "deprecated"}
    assert untouched == {"dup-a-mined"}  # nothing else changed without the person
    # No note deleted: every file is still there.
    files_after = sorted(p.relative_to(fresh_vault) for p in (fresh_vault / "memem/memories").rglob("*.md"))
    assert files_after == files_before
    # The proposals wait as notes for the person, one per key, outside the memories folder.
    book = ProposalBook(fresh_vault)
    assert {p.key for _, p in book.open()} == {p.key for p in report.proposed}


def test_accepting_rejecting_and_undoing_proposals(
    service: MemoryService, fresh_vault: Path, planted: set[tuple[str, str, frozenset[str]]]
) -> None:
    report = Consolidator(service, today=TODAY, now=NOW).run()
    merge = next(p for p in report.proposed if p.reason == "near-duplicate" and "para-0-a" in p.ids)
    keep, other = merge.ids
    accept(service, merge.key)
    assert service.store.catalog.by_id(other)[0].status == "deprecated"
    kept_text = (fresh_vault / service.store.catalog.by_id(keep)[0].path).read_text()
    assert "supersedes" in kept_text  # merged with a link back, not deleted

    stale = next(p for p in report.proposed if p.reason == "stale")
    reject(service, stale.key)
    again = Consolidator(service, today=TODAY, now=NOW).run()
    keys = {p.key for p in again.proposed}
    assert stale.key not in keys and merge.key not in keys  # decided: never proposed again

    # The accepted merge is one operation in the event log, and undoing it restores both notes.
    (last,) = service.history(1)
    assert last.op == "consolidate"
    service.undo()
    assert service.store.catalog.by_id(other)[0].status == "active"
    assert "supersedes" not in (fresh_vault / service.store.catalog.by_id(keep)[0].path).read_text()


def test_the_automatic_fold_of_an_exact_duplicate_is_undone_by_memem_undo(
    service: MemoryService, fresh_vault: Path, planted: set[tuple[str, str, frozenset[str]]]
) -> None:
    path = fresh_vault / service.store.catalog.by_id("dup-a-mined")[0].path
    before = path.read_text()
    Consolidator(service, today=TODAY, now=NOW).run()
    assert "status: deprecated" in path.read_text()
    service.undo()
    assert path.read_text() == before


def test_stale_notes_wait_until_the_ledger_is_old_enough(service: MemoryService, fresh_vault: Path) -> None:
    write_note(fresh_vault, "Old note", "The legacy cron host rotates logs.", id="stale-x", created=OLD, updated=OLD)
    service.store.reconcile()
    service.store.ledger.shown(["stale-x"], None, at=NOW - 10 * 86400)  # a young ledger
    report = Consolidator(service, today=TODAY, now=NOW).run()
    assert not [p for p in report.proposed if p.reason == "stale"]


def test_notes_that_differ_in_a_name_s_case_or_a_swapped_word_are_not_one(
    service: MemoryService, fresh_vault: Path
) -> None:
    """Machine-written copies "the same text" but for `PGHOST=db` and `pghost=DB` were folded (a note
    retired); notes alike but for tabs and spaces were proposed for a merge."""
    for uid, body in (
        ("pg-a", "Export PGHOST=db before running psql."),
        ("pg-b", "Export pghost=DB before running psql."),
    ):
        write_note(fresh_vault, f"Psql host {uid}", body, id=uid, project="web", source_type="mined")
    write_note(fresh_vault, "Tabs", "Indent the Makefile recipes with tabs.", id="tabs", project="web")
    write_note(fresh_vault, "Spaces", "Indent the Makefile recipes with spaces.", id="spaces", project="web")
    service.store.reconcile()
    report = Consolidator(service, today=TODAY, now=NOW).run()
    named = [set(p.ids) for p in [*report.proposed, *report.applied]]
    assert not [n for n in named if n & {"pg-a", "pg-b"} or n & {"tabs", "spaces"}], named
    for uid in ("pg-a", "pg-b"):
        assert "deprecated" not in (fresh_vault / service.store.catalog.by_id(uid)[0].path).read_text()
