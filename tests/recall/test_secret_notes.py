"""A note that holds a secret is never carried into a prompt or shown in an answer, whoever wrote it.

memem's own writes refuse secrets (tests/memory/test_screen.py, tests/e2e/test_screens_on_every_path.py),
but a vault is edited by more than memem: Obsidian, a sync, a team's `git pull`. Here every fake secret of
the corpus is written straight into the vault (in the body, one in a title, one in a pinned note, one in
a playbook) beside the benign look-alikes and imperative memories, and recall is asked for each by its
own words: search, the prompt's slice, the pinned notes, the hooks' catalog fallback, `memory_get`, the
listing and the graph audit. No secret may come back; doctor must name each note by the kind of secret,
never its value; and every benign note must still be found (else the test could pass by recalling
nothing).
"""

from __future__ import annotations

from pathlib import Path

from memem.hooks.fallback import keyword_slice, pinned_slice
from memem.index.health import health
from memem.index.store import IndexStore
from memem.memory import reading
from memem.memory.service import MemoryService
from memem.recall.inject import inject
from memem.recall.query import Query
from memem.recall.search import pinned_hits, search
from memem.testing import write_note
from memem.vault.playbooks import read_playbook
from tests.memory.corpora import fake_secrets
from tests.memory.security_corpus import SAFE
from tests.recall.test_addressed_notes import words, write_corpus

SECRETS = fake_secrets()


def test_secrets_written_into_the_vault_never_come_back_and_ordinary_memories_do(
    store: IndexStore, service: MemoryService, fresh_vault: Path
) -> None:
    write_corpus(fresh_vault, [s.text for s in SECRETS], "sec", "deploy")
    write_corpus(fresh_vault, SAFE, "safe", "release")
    write_note(fresh_vault, "titled", "Rotate it every month.", id="titled", project="shop",
               title=f"Deploy key {SECRETS[0].value}", related=["[[sec 1]]"])  # fmt: skip
    write_note(fresh_vault, "pinned sec", f"I work on the shop. {SECRETS[1].text}", id="pinned-sec", layer=0,
               project="shop")  # fmt: skip
    write_note(fresh_vault, "pinned ok", "I work on the shop's backend in Python.", id="pinned-ok", layer=0,
               project="shop")  # fmt: skip
    playbooks = fresh_vault / "memem" / "playbooks"
    playbooks.mkdir(parents=True)
    (playbooks / "shop.md").write_text(f"Work in small PRs.\n\n{SECRETS[2].text}\n")
    store.reconcile()

    shown: list[str] = []
    for n, secret in enumerate(SECRETS):
        title, first = words(n, "deploy")
        hits = search(store, Query(f"{title}: {secret.text}", project="shop", rerank=0))
        shown += [f"{h.id} {h.title} {h.snippet} {h.reasons}" for h in hits]
        shown.append(inject(store, f"How do I do {title}? {first}", "shop", 2000).markdown)
        shown.append(keyword_slice(store.paths, f"How do I do {title}? {first} {secret.text}", "shop", 2000))
    shown += [h.snippet for h in pinned_hits(store, "shop")]
    shown += [pinned_slice(store.paths, "shop", 2000), read_playbook(fresh_vault, "shop")]
    every = len(SECRETS) // 49 + 1  # memory_get takes at most 50 ids
    got = reading.get(service, [f"sec-{n}" for n in range(0, len(SECRETS), every)] + ["titled"])
    shown += [str(m.to_json()) for m in got]
    shown.append(str(reading.listing(service, "shop", limit=500).to_json()))
    shown.append(str(reading.audit_graph(service).to_json()))
    rendered = "\n".join(shown)
    leaked = [s.kind for s in SECRETS if s.value in rendered]
    assert not leaked, f"{len(leaked)} of {len(SECRETS)} secrets came back: {sorted(set(leaked))}"
    assert not any(h.id.startswith("sec-") for h in search(store, Query("deploy step shop make", project="shop")))
    assert [h.id for h in pinned_hits(store, "shop")] == ["pinned-ok"]
    # memory_get still answers (the person asked for it by id), redacted and saying why.
    assert all(m.warning and "holds a secret" in m.warning and "[redacted" in m.content for m in got[:-1])
    assert "[redacted" in got[-1].summary.title

    missed = [
        text
        for n, text in enumerate(SAFE)
        if store.catalog.by_id(f"safe-{n}")[0].withheld
        or f"safe-{n}" not in [h.id for h in search(store, Query(f"{words(n, 'release')[0]}: {text}", project="shop"))]
    ]
    assert not missed, f"{len(missed)} of {len(SAFE)} benign notes withheld or not found"

    # Doctor names every marked note and the playbook, by kind, never the value.
    problems = health(store).problems
    named = [p for p in problems if "holds a secret (" in p.what]
    assert len(named) == len(SECRETS) + 3  # each body, the title, the pinned note, the playbook
    assert all(p.path for p in named)
    assert not any(s.value in f"{p.what} {p.fix}" for p in problems for s in SECRETS)
