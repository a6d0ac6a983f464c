"""The offline extractor against a blind audit's classes of junk, and words of our own for each.

A note nobody wanted costs more than a lesson missed: what a person pasted, asked, doubted, complained
about or took back is not their rule, and what a command printed this afternoon is not a lesson. Each
case is a session in Claude Code's record format, mined the way `memem eval --mining` mines one (turns
read from the records, cut into chunks, the conversation text written by the miner), so the role
lines, the tool traffic between turns and the chunking are the real ones. Beside the junk stand twins
that must still be kept: the same rule said as the person's own, and agreed to.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from memem.mining.evaluation import evaluate, extract_all, load, totals
from memem.mining.extract_offline import MAX_LESSONS, OfflineExtractor
from memem.mining.lessons import Lesson
from memem.mining.miner import conversation_text
from memem.mining.transcript import read_turns
from tests.paths import FIXTURES

SESSION = "5b0e8a52-7d1c-4f0e-9a57-3c2f0d6a9e11"
CWD = "/home/dev/src/shop-api"


def _records(turns: list[tuple[str, str]], tools: bool) -> list[dict[str, object]]:
    """Records as Claude Code writes them; with `tools`, each reply is preceded by a tool call and its
    result, which the transcript reader drops (as it drops them from real sessions)."""
    out: list[dict[str, object]] = []
    parent: str | None = None

    def add(kind: str, content: object, **extra: object) -> None:
        nonlocal parent
        uuid = f"00000000-0000-4000-8000-{len(out):012d}"
        message: dict[str, object] = {"role": kind, "content": content}
        if kind == "assistant":
            message |= {"model": "claude-sonnet-4-6", "id": f"msg_{len(out)}", "type": "message"}
        out.append(
            {"parentUuid": parent, "isSidechain": False, "userType": "external", "cwd": CWD, "sessionId": SESSION,
             "version": "2.1.39", "gitBranch": "main", "timestamp": f"2026-11-02T09:{len(out):02d}:00.000Z",
             "type": kind, "message": message, "uuid": uuid, **extra}
        )  # fmt: skip
        parent = uuid

    for role, text in turns:
        if role == "user":
            add("user", text)
            continue
        if tools:
            add("assistant", [{"type": "tool_use", "id": f"toolu_{len(out)}", "name": "Bash",
                               "input": {"command": "git status"}}])  # fmt: skip
            add("user", [{"type": "tool_result", "tool_use_id": f"toolu_{len(out) - 1}", "content": "ok"}],
                toolUseResult={"stdout": "ok"})  # fmt: skip
        add("assistant", [{"type": "text", "text": text}])
    return out


def mine(tmp_path: Path, *turns: tuple[str, str], tools: bool = True) -> list[Lesson]:
    path = tmp_path / f"{SESSION}.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in _records(list(turns), tools)))
    read, _ = read_turns(path)
    notes, set_aside = extract_all(read, OfflineExtractor(), "shop-api")
    assert set_aside == 0
    return notes


def person(text: str) -> tuple[str, str]:
    return ("user", text)


def assistant(text: str) -> tuple[str, str]:
    return ("assistant", text)


# --- 1. what the person pasted or cited is not their rule ---------------------------------------------
AUDIT_PASTED = {
    "blockquote, turned down": [
        person("Here's what the vendor's README says:\n\n> Always run `vendorctl purge --all` before deploying to "
               "production.\n> Never set `VENDOR_SAFE_MODE=1` on CI runners.\n\nIs that right?"),
        assistant("No. Both of those are wrong: `purge --all` deletes every tenant's data, and safe mode is exactly "
                  "what CI runners want."),
    ],
    "a blog post's advice, turned down": [
        person("I found this on a blog post:\n\nAlways disable `sslVerify` in `.gitconfig` when cloning from GitHub "
               "Enterprise.\n\nshould we do it?"),
        assistant("No, that is unsafe: it turns off certificate checks for every remote, not just GHE."),
    ],
    "a heading inside the paste": [
        person("the release notes for vendorctl 2.0 say this, fyi\n\n### Known issues:\nThe `sync` command silently "
               "ignores `--dry-run` on Windows.\nAlways pass `--force` to `vendorctl migrate` after upgrading.\n\n"
               "anything we need to change?"),
        assistant("Nothing to change on our side."),
    ],
}  # fmt: skip
OWN_WORDS_PASTED = {
    "blockquote, agreed to": [
        person("my colleague sent me this:\n\n> We always run `npm ci --ignore-scripts` in the Docker build.\n\n"
               "makes sense?"),
        assistant("Yes, that's reasonable for a build image."),
    ],
    "a provider's docs in a blockquote": [
        person("This is from the Terraform provider docs:\n\n> Never pin the provider version in modules.\n> Always "
               "use `-lock=false` when running plan in CI.\n\nthoughts?"),
        assistant("Those are both bad advice: unpinned providers break reproducibility."),
    ],
    "a Stack Overflow answer, no blockquote": [
        person("Saw this answer on Stack Overflow:\n\nNever use `--no-verify` on commits, always fix the hook.\n\n"
               "Is it worth adopting?"),
        assistant("Up to you."),
    ],
    "copied from a wiki, one line turned down": [
        person("copied from the internal wiki:\n\nAlways run `./scripts/bootstrap.sh` as root.\nNever commit "
               "`.env.local`.\n\nis the first one right?"),
        assistant("No — running it as root leaves root-owned files in the checkout."),
    ],
    "an indented block": [
        person("the upstream CONTRIBUTING has\n\n    Always sign off commits with `git commit -s`.\n    Never rebase a "
               "shared branch.\n\ndo we need that"),
        assistant("Only when you send patches upstream."),
    ],
    "a tilde fence": [
        person("here's our old CONTRIBUTING:\n~~~\nAlways squash-merge PRs into `main`.\n~~~\nstill valid?"),
        assistant("Let me check the branch protection settings."),
    ],
    "a pasted runbook with headings": [
        person("pasting the runbook section\n\n## Deploy checklist:\nAlways drain `web-1` before restarting "
               "`haproxy`.\n\n### Rollback:\nNever run `kubectl rollout undo` without `--to-revision`.\n\n"
               "anything missing?"),
        assistant("Looks complete."),
    ],
    "a chatbot's advice, inline": [
        person("ChatGPT told me to always set `PYTHONDONTWRITEBYTECODE=1` in production containers. Worth doing"),
        assistant("It's harmless, but not needed."),
    ],
    "the docs' words, inline": [
        person("the Django docs say you should never call `save()` in a signal handler"),
        assistant("Right."),
    ],
    "a rule of the person's the assistant turns down": [
        person("We always disable `sslVerify` for the GHE remote, it saves time."),
        assistant("Please don't — that turns off certificate checks for every fetch; add the corporate CA to "
                  "`http.sslCAInfo` instead."),
    ],
    "a bad idea, said so": [
        person("we always set `fsync=off` on the postgres replicas to speed up replication"),
        assistant("That's a bad idea: a crash with `fsync=off` can corrupt the replica beyond repair."),
    ],
    "an order the assistant advises against": [
        person("from now on run `chmod -R 777 storage/` after every deploy"),
        assistant("I'd advise against that: 777 makes the files world-writable; `chown www-data` is the safer fix."),
    ],
}  # fmt: skip

# --- 2. an always/never sentence that is not the person's rule for today -----------------------------
AUDIT_NOT_A_RULE = [
    "Should we always use uv sync --frozen in CI",
    "Do we always need to pass --no-cache to docker build",
    "I don't think we always need pytest -x here, do we",
    "We never decided anything about ruff format though",
    "We always get ECONNRESET from redis in staging after a deploy",
    "I always mess up the git rebase -i flags",
    "we used to always run `make clean` before every build but not anymore",
    "We always format with `black` — just kidding, we use `ruff format`.",
    "My boss said we never deploy on fridays",
    "wait, we never set `AWS_REGION` in the `Makefile`",
]
OWN_WORDS_NOT_A_RULE = [
    # questions typed without their "?"
    "can we always run `pnpm install --frozen-lockfile` in the CI job",
    "why do we always pass `--legacy-peer-deps` to npm install",
    "what happens if we always set `maxSurge: 0` in the deployment",
    "we always run `terraform fmt` before committing, right",
    "we never squash merges in this repo, or do we",
    "Does `pytest` always run `conftest.py` from the root",
    # doubt, and events told in the past
    "dunno if we always need `--no-cache` for `docker build` in the release job",
    "I don't know if we always pin `numpy` in `requirements.txt`",
    "we never agreed on a naming scheme for the `feature/` branches",
    "we never tested the `--parallel` flag of `pytest-xdist` on the Windows runners.",
    # symptoms and complaints
    "we always hit `OOMKilled` on the `worker` pod during the nightly import",
    "we always get 502s from `nginx` right after `helm upgrade`",
    "`test_checkout` always flakes on the first run after `docker compose up`",
    "I always forget to run `make proto` after editing `api.proto`",
    "We always end up with merge conflicts in `package-lock.json` after rebasing.",
    # habits that were, and words taken back
    "We used to always vendor dependencies with `go mod vendor` but we stopped.",
    "We always build with `webpack` — no longer, it's all `vite`.",
    "Always use `yarn` in this repo. Scratch that, we use `pnpm` now.",
    # someone else's word
    "our tech lead said we always squash-merge into `main`",
    "Jonas claims we never run migrations on `replica-2`",
    "Per our senior dev, we always run `black` with `--preview`.",
    "I heard we never merge on release day with `--admin`",
    "According to the wiki we always tag images with the git SHA.",
    # something just noticed in the code
    "hold on, we never close the `redis` client in `worker.py`",
    "I just realized we always load `settings.dev` in the `celery` worker",
    "just noticed we never pass `timeout=` to `requests.get` in `client.py`",
]

# --- 3. the assistant reading out the state of the moment --------------------------------------------
AUDIT_OF_THE_MOMENT = [
    "`git status` shows `deploy/run.sh` has no staged changes.",
    "`ls` shows the `dist` folder has no `index.html`.",
    "The stack trace shows `KeyError: 'region'`: `config.yaml` has no `region` key.",
    "The stack trace shows KeyError: 'region': config.yaml has no region key",
    "To reproduce the bug, run `make deploy ENV=staging DRY=1`.",
]
OWN_WORDS_OF_THE_MOMENT = [
    "`kubectl get pods` shows `api-7f9` has no ready containers.",
    "The CI log shows `npm ci` only runs after the cache restore step.",
    "`docker inspect` reports the image has no `HEALTHCHECK` instruction.",
    "The traceback confirms `AttributeError`: `Settings` has no attribute `redis_url`.",
    "`pip list` printed no `psycopg2` package, so the import silently fails.",
    "`curl -v` showed the server has no `Access-Control-Allow-Origin` header.",
    "The logs indicate `celery` silently drops tasks when `CELERY_TASK_ACKS_LATE` is unset.",
    "`docker-compose.yml` has no `healthcheck` for the `db` service.",
    "`.env.production` doesn't set `NEXT_PUBLIC_API_URL`, so the client falls back to localhost.",
    "To trigger the bug, set `CACHE_TTL=0` and run `pytest tests/test_cache.py`.",
    "To verify the fix, run `curl -I localhost:8080/health` and check for a 200.",
    "To isolate the regression, run `git bisect run pytest tests/test_tax.py`.",
]

# --- what must still be kept: (turns, kind, words the title holds) -------------------------------------
KEPT = {
    "the audit's twin, agreed to": (
        [person("Always run `uv sync --frozen` in CI."),
         assistant("Got it — I'll use `uv sync --frozen` in the workflow.")],
        "convention", ("uv sync --frozen", "CI"),
    ),
    "agreed to, with a caveat after": (
        [person("Always run `uv sync --frozen` in CI."),
         assistant("Got it. Careful: `--frozen` fails if `uv.lock` is stale, so regenerate it after bumps.")],
        "convention", ("uv sync --frozen",),
    ),
    "a ban the assistant agrees is dangerous": (
        [person("we never run `terraform apply` from a laptop, only from the `deploy` pipeline."),
         assistant("Agreed — that's dangerous without the pipeline's plan review.")],
        "convention", ("terraform apply", "laptop"),
    ),
    "'no problem' agrees": (
        [person("please always use `rg` instead of `grep` in scripts"), assistant("No problem.")],
        "convention", ("rg", "grep"),
    ),
    "a rule, then a request": (
        [person("We always pin GitHub actions to a full commit SHA. Can you update `ci.yml`?"),
         assistant("Yes, updating `ci.yml` now.")],
        "convention", ("commit SHA",),
    ),
    "the person's own heading, mid-turn": (
        [person("a few notes before you start\n\n### Team rules:\nWe never push directly to `main`, every change "
                "goes through a PR."),
         assistant("Noted.")],
        "convention", ("push directly to main",),
    ),
    "their own words after a quote of the assistant": (
        [person("> quoting your last message\n\nok whatever. fyi we always run `alembic upgrade` through "
                "`make migrate`."),
         assistant("Got it.")],
        "convention", ("make migrate",),
    ),
    "their own words after a pasted log": (
        [person("here's the build log:\n\n2026-01-02 10:00:01 ERROR boom\n2026-01-02 10:00:02 ERROR bang\n\n"
                "Remember that the release job always builds with `JAVA_HOME` set to Temurin 21."),
         assistant("Thanks.")],
        "fact", ("Temurin 21",),
    ),
    "their own word repeated": (
        [person("like I said, we never deploy `api` on Fridays."), assistant("Right.")],
        "convention", ("deploy api on Fridays",),
    ),
    "a passive rule is present tense": (
        [person("Tests must never write outside `tmp_path`."), assistant("Noted.")],
        "convention", ("tmp_path",),
    ),
    "a preference keeps its verb": (
        [person("I prefer `httpx` over `requests` in every new service."), assistant("Noted.")],
        "preference", ("Prefer httpx over requests",),
    ),
    "a gotcha": (
        [person("why does the api start before the db"),
         assistant("`depends_on` only waits for the container to start, not for Postgres to accept connections.")],
        "fact", ("depends_on only waits",),
    ),
    "what the docs say, titled by what they say": (
        [person("did the task run twice?"),
         assistant("The docs at https://docs.celeryq.dev say `acks_late` only applies when the worker is killed "
                   "mid-task, not on exceptions.")],
        "fact", ("acks_late only applies",),
    ),
    "a cause and its fix": (
        [person("502s again"),
         assistant("The 502s were caused by `proxy_pass` pointing at port 8000 while gunicorn listens on 8080; fixed "
                   "by setting `proxy_pass http://app:8080`.")],
        "bugfix", ("proxy_pass",),
    ),
}  # fmt: skip


@pytest.mark.parametrize("turns", list(AUDIT_PASTED.values()) + list(OWN_WORDS_PASTED.values()),
                         ids=list(AUDIT_PASTED) + list(OWN_WORDS_PASTED))  # fmt: skip
def test_what_the_person_pasted_or_the_assistant_turned_down_is_not_their_rule(
    tmp_path: Path, turns: list[tuple[str, str]]
) -> None:
    assert mine(tmp_path, *turns) == []


@pytest.mark.parametrize("turn", AUDIT_NOT_A_RULE + OWN_WORDS_NOT_A_RULE)
def test_an_always_or_never_that_is_not_the_person_s_rule_writes_nothing(tmp_path: Path, turn: str) -> None:
    assert mine(tmp_path, person(turn), assistant("Okay.")) == []


@pytest.mark.parametrize("turn", AUDIT_OF_THE_MOMENT + OWN_WORDS_OF_THE_MOMENT)
def test_the_assistant_reading_out_the_state_of_the_moment_writes_nothing(tmp_path: Path, turn: str) -> None:
    assert mine(tmp_path, person("why is it failing?"), assistant(turn)) == []


@pytest.mark.parametrize(("turns", "kind", "words"), list(KEPT.values()), ids=list(KEPT))
def test_the_person_s_own_rule_and_a_real_lesson_are_still_kept(
    tmp_path: Path, turns: list[tuple[str, str]], kind: str, words: tuple[str, ...]
) -> None:
    (lesson,) = mine(tmp_path, *turns)
    assert lesson.kind == kind and all(w.lower() in lesson.title.lower() for w in words), lesson.title
    assert not any(lesson.title.lower().endswith(f" {w}") for w in ("say", "says", "shows", "the", "that"))


def test_a_heading_a_person_types_is_not_a_new_speaker() -> None:
    """The miner marks each turn with a role line; a person's "### Known issues:" in a paste is theirs.
    Read as a speaker of its own, the paste would pass the assistant's gates as a gotcha."""
    from memem.mining.transcript import Turn

    pasted = (
        "from the vendor's changelog, see below\n\n### Known issues:\nThe `sync` command silently ignores "
        "`--dry-run` on Windows.\n\n### Workarounds:\nTo skip the check, set `VENDOR_NO_VERIFY=1`."
    )
    turns = [Turn("user", pasted, "u1", None, SESSION, CWD), Turn("assistant", "Noted.", "a1", None, SESSION, CWD)]
    assert OfflineExtractor().extract(conversation_text(turns), "shop-api") == []
    # the same sentences said by the assistant are its own, and kept
    own = [Turn("user", "why?", "u1", None, SESSION, CWD), Turn("assistant", pasted.split("\n\n", 1)[1], "a1", None,
                                                                     SESSION, CWD)]  # fmt: skip
    assert OfflineExtractor().extract(conversation_text(own), "shop-api") != []
    # and a person's own rule under a heading of theirs stays the person's
    rules = "a few notes\n\n### Team rules:\nWe never push directly to `main`, every change goes through a PR."
    mine_ = [Turn("user", rules, "u1", None, SESSION, CWD), Turn("assistant", "Noted.", "a1", None, SESSION, CWD)]
    (lesson,) = OfflineExtractor().extract(conversation_text(mine_), "shop-api")
    assert lesson.kind == "convention" and lesson.title.startswith("We never push directly to main")


def test_a_rule_taken_back_in_the_next_turn_is_not_kept(tmp_path: Path) -> None:
    said = [person("We never use `pandas` in the ETL jobs."), assistant("Noted.")]
    assert [n.kind for n in mine(tmp_path, *said)] == ["convention"]
    assert mine(tmp_path, *said, person("scratch that, we use it in `etl/reports.py`")) == []


def test_a_rule_turned_down_is_dropped_and_the_same_rule_agreed_to_is_kept(tmp_path: Path) -> None:
    rule = person("From now on always pass `--force` to `git push` after a rebase.")
    assert mine(tmp_path, rule, assistant("No — use `--force-with-lease`; plain `--force` can drop a teammate's "
                                          "commits.")) == []  # fmt: skip
    (lesson,) = mine(tmp_path, rule, assistant("Sure, I'll do that from now on."))
    assert lesson.kind == "convention" and "--force" in lesson.title


def test_junk_no_longer_crowds_the_real_lessons_out(tmp_path: Path) -> None:
    """The notes of a chunk are capped; the state of the moment read out first used to take the places
    of the lessons after it."""
    turns = [person("deploy is broken, why?")]
    turns += [assistant(line) for line in AUDIT_OF_THE_MOMENT + OWN_WORDS_OF_THE_MOMENT[:4]]
    turns += [
        person("ok. fyi we never run `alembic upgrade head` by hand, always `make migrate`."),
        assistant("ESLint 9 ignores `.eslintrc.json`: it only reads the flat config in `eslint.config.js`."),
    ]
    notes = mine(tmp_path, *turns)
    assert len(notes) <= MAX_LESSONS
    assert sorted(n.kind for n in notes) == ["convention", "fact"], [n.title for n in notes]


def test_the_labelled_sessions_keep_their_recall() -> None:
    """The gates above must not cost the lessons the labelled sessions hold (24 and 29 before them)."""
    for folder, found in (("mining", 24), ("mining-probe", 29)):
        summary = totals(evaluate(load(FIXTURES / folder), OfflineExtractor()))
        assert summary["junk"] == 0 and summary["found"] >= found, (folder, summary)
