"""The offline extractor's gates, sentence by sentence: what a reviewer would throw away writes nothing,
what they would keep is kept. (The labelled sessions measure it as a whole: test_mining_eval.py.)"""

from __future__ import annotations

import pytest

from memem.mining.extract_offline import OfflineExtractor

ASSISTANT_JUNK = [
    # narration of work in progress, hedges, intentions
    "I see - the issue is the function doesn't exist with that name.",
    "Let me check the logs to see what's happening.",
    "Perfect! All tests are passing now.",
    "I'll update the README to reflect these changes.",
    "Based on my analysis, the problem seems to be in the middleware.",
    "To fix this, I'll add a check for `null` before calling `map`.",
    "This should fix the issue with the flaky test.",
    "It works because the server restarts on every change.",
    "The issue is that `fetchUser` returns `undefined` when the cache is empty.",
    "The root cause is still unclear.",
    # what was done, and how things stand right now
    "The tests pass now because I fixed the import in `conftest.py`.",
    "All 42 tests pass now because the fixture now uses `tmp_path` instead of a shared folder.",
    "The `build` step now runs in 40 seconds because caching is enabled.",
    "The server now passes all checks because the `PORT` variable is read from the environment.",
    "The commit failed because of the pre-commit hook; fixed the formatting in `app.ts`.",
    "Summary: the failing test was due to a race in `worker.py`, fixed by adding a lock.",
    "The `deploy` script failed because the token expired; I regenerated it and it works now.",
    "The build failed because `node_modules` was missing; I ran `npm install` to fix it.",
    "Here's what I changed: updated `api.ts` to use the new endpoint.",
    "`Makefile` has no `install` target, so I added one.",
    "The `config.yaml` file has no `timeout` key yet.",
    "Note that `foo.py` has no tests yet.",
    "The `main` branch has no protection rules right now.",
    # the person's own situation
    "Your branch `feature/login` has no upstream, so `git push` fails.",
    "You can't run `docker compose up` because Docker Desktop isn't running.",
    "Your `main.py` doesn't run because of a typo on line 12.",
    # a slip, or one commit's doing: true, and of no use next month
    "The 500s were caused by a typo in `orders/views.py` (`quantitiy`); fixed by correcting the field name.",
    "The crash came from a leftover `print(request.body)` debugging edit; fixed by removing the line.",
    "The regression was caused by commit `9f3c2ab` dropping the `await`; fixed by restoring it.",
    # summaries of work done, plans
    "- ✅ [.gitignore](.gitignore) - Ignores node_modules, dist, logs",
    "If igniter can't install, fall back to manual dep entry in `mix.exs`",
]
PERSON_JUNK = [
    "Add a function called multiply_numbers(a: int, b: int) that multiplies two numbers together.",
    "Port this Python project to Rust. Don't stop until all functions are ported.",
    "Thanks! Please update CLAUDE.md for current changes",
    "I always forget how this works, can you explain what the reducer does?",
    "never mind, let's do it tomorrow",
    "Don't ever do that again without asking.",
    "We use this all the time, so keep it.",
    "We use Slack for this.",
    "I prefer to keep it simple.",
    "I prefer the second option.",
    "I prefer you don't touch the tests.",
    "Hey, I like the new `Button` component!",
    "I like how you refactored `utils.py`, thanks.",
    "We decided that's fine for now.",
    "We decided to go with option B.",
    "Remember that the demo is on Friday at 3pm with Acme.",
    "Note: the staging database was reset yesterday.",
    "We use GitHub Actions but the runner is broken today.",
    "We want the login page to show a spinner while `useAuth` loads.",
    "Don't ever touch the `legacy/` folder in this task.",
    "Can you always use tabs?",
    # banter, and a remark about the assistant rather than a rule for it
    "You always spot these off-by-ones before I do lol",
    "Haha, we never learn with `datetime.now()` :)",
    "You never forget to run `make lint`, nice.",
]
KEPT = [
    ("Person", "Always check with me before deleting any files outside the build folder.", "convention"),
    ("Person", "From now on, open pull requests against the `develop` branch, never `main`.", "convention"),
    ("Person", "We decided to keep all SQL in the `repository` layer, not in the handlers.", "decision"),
    ("Person", "I prefer short functions with early returns over nested conditionals.", "preference"),
    ("Person", "Remember that the staging cluster is rebuilt every Sunday night.", "fact"),
    ("Assistant", "The hydration error was caused by `new Date()` rendering different text on the server and the "
     "client; fixed by formatting the date in a `useEffect`.", "bugfix"),
    ("Assistant", "ESLint 9 ignores `.eslintrc.json`: it only reads the flat config in `eslint.config.js`.", "fact"),
    ("Assistant", "To use several propagators at once, list them comma-separated in `OTEL_PROPAGATORS`.", "fact"),
    ("Person", "Remember: we always run `make seed` after `make reset`, never the raw SQL dumps.", "convention"),
    ("Person", "Heads-up for later: the staging Redis has `maxmemory-policy` set to `noeviction`.", "fact"),
    ("Person", "sure. fyi we never run `terraform destroy` against the shared `vpc` module.", "convention"),
    # one line with a log word is a rule, not a paste; `build:dev` is not a grin
    ("Person", "Never log at DEBUG level in production.", "convention"),
    ("Person", "We always build the image with `npm run build:dev` before pushing.", "convention"),
    ("Person", "# Team rules\nWe never deploy `api` on Fridays.", "convention"),
]  # fmt: skip


@pytest.mark.parametrize("sentence", ASSISTANT_JUNK)
def test_the_assistant_s_narration_writes_nothing(sentence: str) -> None:
    assert OfflineExtractor().extract(f"### Assistant:\n{sentence}", "shop") == []


@pytest.mark.parametrize("sentence", PERSON_JUNK)
def test_the_person_s_requests_and_remarks_write_nothing(sentence: str) -> None:
    assert OfflineExtractor().extract(f"### Person:\n{sentence}", "shop") == []


@pytest.mark.parametrize(("role", "sentence", "kind"), KEPT)
def test_durable_statements_are_kept_with_a_real_title(role: str, sentence: str, kind: str) -> None:
    (lesson,) = OfflineExtractor().extract(f"### {role}:\n{sentence}", "shop")
    assert lesson.kind == kind and 3 <= len(lesson.title.split()) <= 14
    assert not lesson.title.endswith("…") and lesson.title.lower() != sentence.lower()[: len(lesson.title)] + "…"


def test_pasted_output_is_not_the_person_speaking() -> None:
    """A log, a stack trace or a compiler's `Note:` lines pasted into a turn are not the person's rules;
    what they write around the paste still counts."""
    turn = (
        "the deploy broke, here's the build log:\n\n"
        "2026-11-03 09:12:44.101 INFO  Building shop-api 1.4.2\n"
        "src/main/java/com/acme/Cart.java:88: warning: [unchecked] unchecked call to add(E)\n"
        "Note: Some input files use unchecked or unsafe operations.\n"
        "Note: Recompile with -Xlint:unchecked for details.\n"
        "ERROR Failed to execute goal on project shop-api\n\n"
        "Remember that the release job builds with `JAVA_HOME` pointing at Temurin 21, never 17."
    )
    lessons = OfflineExtractor().extract(f"### Person:\n{turn}", "shop")
    assert [lesson.kind for lesson in lessons] == ["fact"]
    assert "Temurin" in lessons[0].content and "Recompile" not in lessons[0].content


def test_a_statement_the_assistant_takes_back_is_not_kept() -> None:
    """Debugging states guesses as facts; one that is withdrawn later, in the same turn or a later one,
    names the same code and is dropped. One never withdrawn stays."""
    guess = "The `slugify` helper in `text/util.py` has no Unicode support; it drops every accented letter."
    for later in (
        f"### Assistant:\n{guess}\n\nActually `slugify` is fine: the caller strips the accents first.",
        f"### Assistant:\n{guess}\n\n### Person:\nreally?\n\n### Assistant:\nScratch that, `slugify` handles it.",
    ):
        assert OfflineExtractor().extract(later, "shop") == []
    kept = f"### Assistant:\n{guess}\n\nActually the `views.py` caller was right all along."
    assert [lesson.title for lesson in OfflineExtractor().extract(kept, "shop")] == [
        "The slugify helper in text/util.py has no Unicode support"
    ]


def test_a_sentence_ends_before_a_lower_case_start_but_not_after_an_abbreviation() -> None:
    """People type "ok cool. our rule is …": the request before it is not part of the rule. An "e.g."
    inside a statement does not end it."""
    turn = "ok cool. can you tag 2.3.1 with the fix? oh wait, no. our rule is releases are only cut by `release.yml`."
    (lesson,) = OfflineExtractor().extract(f"### Person:\n{turn}", "shop")
    assert lesson.title == "Our rule is releases are only cut by release.yml"
    assert "tag 2.3.1" not in lesson.content
    rule = "We always pin GitHub actions to a full commit SHA, e.g. `actions/checkout@8e5e7e5`, never a tag."
    (lesson,) = OfflineExtractor().extract(f"### Person:\n{rule}", "shop")
    assert "never a tag" in lesson.content


def test_the_assistant_taking_back_its_own_words_leaves_the_person_s_rule_standing() -> None:
    conversation = (
        "### Person:\nWe always use `uv` for installs in this repo, never pip.\n\n"
        "### Assistant:\nActually `uv` is already set up here, so nothing to change."
    )
    (lesson,) = OfflineExtractor().extract(conversation, "shop")
    assert lesson.kind == "convention" and "uv" in lesson.title


@pytest.mark.parametrize(
    ("guess", "withdrawn"),
    [
        (
            "Gradle's build cache silently reuses stale Kotlin classes after a package rename; the fix is to run "
            "`./gradlew clean build --no-build-cache`.",
            "Same errors after a clean build with the cache disabled, so it isn't the cache; I jumped to conclusions.",
        ),
        (
            "The 502s are caused by the trailing slash on `proxy_pass`, fixed by removing the slash so nginx "
            "forwards the full path.",
            "Scratch that: the backend serves `/health`, not `/api/health`, so the trailing slash is intentional.",
        ),
        (
            "The export ignores the `decimal` setting because finance switched to a German locale; the fix is to "
            "read it with `decimal=','`.",
            "I was wrong about the locale: every amount uses a decimal point.",
        ),
    ],
)
def test_a_guess_taken_back_in_plain_words_is_not_kept(guess: str, withdrawn: str) -> None:
    """Written by a reviewer (round 3 of the probe) in shapes the extractor keeps, then withdrawn the way
    people do: without the code's names ("it isn't the cache", "wrong about the locale")."""
    conversation = (
        f"### Person:\nit breaks\n\n### Assistant:\n{guess}\n\n### Person:\nok\n\n### Assistant:\n{withdrawn}"
    )
    assert OfflineExtractor().extract(conversation, "shop") == []
    assert OfflineExtractor().extract(f"### Person:\nit breaks\n\n### Assistant:\n{guess}", "shop") != []


def test_the_title_is_the_rule_not_the_aside_before_it() -> None:
    turn = (
        "also, re your diff: adding the test file to tests/CMakeLists.txt by hand was the right call btw, "
        "we don't use file(GLOB) for sources anywhere, every file gets listed explicitly."
    )
    (lesson,) = OfflineExtractor().extract(f"### Person:\n{turn}", "shop")
    assert lesson.title.startswith("We don't use file(GLOB) for sources")
    assert "re your diff" not in lesson.content and lesson.tags == []  # the chat about the diff is not the rule
    informs = "oh right, the dba made `recipes_shadow` for this, our dev user will never get createdb on the server."
    (lesson,) = OfflineExtractor().extract(f"### Person:\n{informs}", "shop")
    assert lesson.content.startswith("the dba made `recipes_shadow`") and "recipes_shadow" in lesson.tags


def test_a_guess_at_why_after_a_rule_does_not_hedge_the_rule_away() -> None:
    turn = (
        "our convention is that every cache key gets a TTL and the `storefront:` prefix, "
        "which is probably why it filled up."
    )
    (lesson,) = OfflineExtractor().extract(f"### Person:\n{turn}", "shop")
    assert "TTL" in lesson.content and "probably" not in lesson.content
    hedged = "we probably always give cache keys a TTL"
    assert OfflineExtractor().extract(f"### Person:\n{hedged}", "shop") == []


@pytest.mark.parametrize(
    ("turn", "kept"),
    [
        ("we pin every base image by digest and renovate bumps the digests.", True),
        ("we tested every endpoint by hand before the demo.", False),
        ("we had all tests green before lunch.", False),
    ],
)
def test_a_habit_of_the_team_is_a_rule_and_a_past_event_is_not(turn: str, kept: bool) -> None:
    assert bool(OfflineExtractor().extract(f"### Person:\n{turn}", "shop")) is kept


@pytest.mark.parametrize(
    ("turn", "title"),
    [
        (  # the rule after a dash: the aside before it is too short to be a title
            "please don't — we never use auto commit on anything that writes to the ledger db, offsets get "
            "committed manually after the db transaction commits",
            "We never use auto commit on anything that writes to the ledger db",
        ),
        (  # the same after a short reply before it
            "yeah you're right, that's actually our rule — db push only ever against your own local throwaway db, "
            "never against dev or anything shared.",
            "Db push only ever against your own local throwaway db",
        ),
        (  # a marker that brings its comma (", never") keeps the clause it continues
            "rule of thumb for this repo: once a migration is merged to main it's frozen, never edit it, always add "
            "a new V-file.",
            "Once a migration is merged to main it's frozen",
        ),
    ],
)
def test_written_by_a_fourth_reviewer_the_rule_is_the_title(turn: str, title: str) -> None:
    (lesson,) = OfflineExtractor().extract(f"### Person:\n{turn}", "shop")
    assert lesson.title == title


def test_a_reason_given_without_a_guess_is_not_cut_from_the_rule() -> None:
    """Only a guess at why ("which is probably why …") is cut; "that's how we do every run" is the rule."""
    turn = "and fwiw always run the playbook with `--check --diff` first against staging, that's how we do every run."
    (lesson,) = OfflineExtractor().extract(f"### Person:\n{turn}", "shop")
    assert "--check --diff" in lesson.content


# Round 5 of the probe (tests/fixtures/mining-probe/round-5): the classes of junk a fifth reviewer
# found, each in words of its own, not the sessions' (those are scored as a whole in test_mining_eval.py).
ROUND_5_ASSISTANT_JUNK = [
    # the state of one of this project's own things, which the session then changes
    "The `billing-worker` deployment has no `readinessProbe`, so traffic arrives before the cache is warm.",
    "The `invoices` table lacks an index on `tenant_id`, so Postgres scans every row.",
    "This `UserForm` component is missing a `key` on each row.",
    # narration opened by an interjection, with a pronoun for its subject
    "Right, this one can't work with `Rc<RefCell<_>>` as written.",
    "So, that `retry` wrapper doesn't support async callables.",
    # a symptom still there: how things stand, not a lesson
    "The `sync_orders` job still fails on `--dry-run`, which is expected since nothing is written.",
    # the session's own slip, by the refactor that made it
    "The `CartSummary` test fails because `useTotals` reads `cart.items`, but the store exposes `cart.lines` "
    "since the refactor; the fix is to read `cart.lines`.",
]
ROUND_5_PERSON_JUNK = [
    # a symptom with a bare "never"/"always" after a comma, not a rule
    "`test_pdf_render` fails about 1 in 10 runs in CI, never locally.",
    "the `import` step passes locally but always times out on the arm64 runner.",
    # a to-do of the day
    "and remember to ping Priya about the staging cutover, she asked to be told.",
    "remember to merge the `hotfix/vat` branch before you go.",
    # a choice for this one chart
    "I like the `magma` colormap better than `viridis` for this one.",
    # a pronoun whose meaning was in the preface
    "the deploy token is in `~/.config/deploy/token`, please never paste it into `Makefile` or the CI logs.",
]


@pytest.mark.parametrize("sentence", ROUND_5_ASSISTANT_JUNK)
def test_round_5_the_assistant_s_state_of_the_moment_writes_nothing(sentence: str) -> None:
    assert OfflineExtractor().extract(f"### Assistant:\n{sentence}", "shop") == []


@pytest.mark.parametrize("sentence", ROUND_5_PERSON_JUNK)
def test_round_5_the_person_s_reports_and_to_dos_write_nothing(sentence: str) -> None:
    assert OfflineExtractor().extract(f"### Person:\n{sentence}", "shop") == []


@pytest.mark.parametrize(
    "withdrawn",
    [
        "Hmm, no - the stack trace is a `PermissionError`, nothing to do with the timezone.",
        "Both columns are `bigint`, so the timezone doesn't come into it.",
        "Pinning the timezone changed nothing: same failure.",
        "The timezone isn't the problem here.",
    ],
)
def test_round_5_a_guess_withdrawn_in_more_words_is_not_kept(withdrawn: str) -> None:
    guess = (
        "The failure is due to the timezone of the CI runner shifting `created_at` by a day, and the fix is to "
        "pin `TZ=UTC` in `pytest.ini`."
    )
    alone = f"### Person:\nit fails\n\n### Assistant:\n{guess}"
    assert OfflineExtractor().extract(alone, "shop") != []
    assert OfflineExtractor().extract(f"{alone}\n\n### Person:\nhm\n\n### Assistant:\n{withdrawn}", "shop") == []


@pytest.mark.parametrize(
    ("role", "turn", "title", "content"),
    [
        (  # a condition is the meaning of a gotcha: not cut there
            "Assistant",
            "Sphinx 7 only checks cross-references when `nitpicky` is set in `conf.py`, and this repo leaves it off.",
            "Sphinx 7 only checks cross-references when nitpicky is set in conf.py",
            None,
        ),
        (  # a colon inside a code span does not end the clause
            "Person",
            "our convention is that release jobs always have `when: manual` on main, add that to the template",
            "Our convention is that release jobs always have when: manual on main",
            "our convention is that release jobs always have `when: manual` on main",
        ),
        (  # the request after the rule is not the rule
            "Person",
            "Migrations must never call the ORM's models directly, put that in CONTRIBUTING.md too",
            "Migrations must never call the ORM's models directly",
            "Migrations must never call the ORM's models directly",
        ),
        (  # a cut at a comma inside an aside would end the title mid-list: the aside goes instead
            "Person",
            "from now on always parse date-like fields (created_at, shipped_at, due, paid_at) as UTC when reading JSON "
            "in this repo.",
            "Always parse date-like fields as UTC when reading JSON in this repo",
            None,
        ),
        (  # a name's leading dot is part of it
            "Person",
            "we always keep `.env.example` next to the compose file, never a real `.env`.",
            "We always keep .env.example next to the compose file, never a real .env",
            None,
        ),
        (  # "I like X better than Y" keeps its verb
            "Person",
            "I like `ruff format` better than `black` in every repo.",
            "I like ruff format better than black in every repo",
            None,
        ),
    ],
)
def test_round_5_titles_and_bodies_say_the_rule(role: str, turn: str, title: str, content: str | None) -> None:
    (lesson,) = OfflineExtractor().extract(f"### {role}:\n{turn}", "shop")
    assert lesson.title == title
    assert content is None or lesson.content == content


def test_round_5_query_words_are_not_tags_but_a_go_keyword_in_code_is() -> None:
    (lesson,) = OfflineExtractor().extract("### Person:\nwe never run ALTER TABLE on `payments` in prod.", "shop")
    assert "alter" not in lesson.tags and "table" not in lesson.tags and "payments" in lesson.tags


# --- round 6: a review with synthetic sessions of its own; these are other phrasings of what it found ---


@pytest.mark.parametrize(
    ("rule", "withdrawn"),
    [
        (
            "From now on, always run `black` with `--preview` in this repo.",
            "Let me look at the deploy first. Oh, and drop the black preview rule, it reformats far too much.",
        ),
        (
            "We always squash-merge pull requests into `main`.",
            "The release went fine. On second thought, merge commits for pull requests are fine by me.",
        ),
        (
            "Never call `datetime.utcnow` in the billing code, use `arrow.utcnow()`.",
            "About billing: we're sticking with datetime.utcnow after all, arrow is too slow to import.",
        ),
    ],
)
def test_round_6_a_rule_the_person_withdraws_in_a_later_turn_is_not_kept(rule: str, withdrawn: str) -> None:
    said = f"### Person:\n{rule}\n\n### Assistant:\nNoted."
    assert OfflineExtractor().extract(said, "shop") != []
    later = f"{said}\n\n### Person:\nnow the changelog please\n\n### Assistant:\nDone.\n\n### Person:\n{withdrawn}"
    assert OfflineExtractor().extract(later, "shop") == []


def test_round_6_a_withdrawal_about_something_else_leaves_the_rule() -> None:
    said = (
        "### Person:\nWe always squash-merge pull requests into `main`.\n\n### Assistant:\nNoted.\n\n"
        "### Person:\nforget the flake8 rule, ruff covers it."
    )
    (lesson,) = OfflineExtractor().extract(said, "shop")
    assert "squash-merge" in lesson.title


def test_round_6_a_rule_said_twice_is_one_note() -> None:
    said = (
        "### Person:\nNever log raw card numbers in the `payments` service.\n\n### Assistant:\nUnderstood.\n\n"
        "### Person:\nAgain, because it matters: we never log raw card numbers anywhere in payments.\n\n"
        "### Person:\nAlso we always tag releases with `vX.Y.Z`."
    )
    lessons = OfflineExtractor().extract(said, "shop")
    assert [lesson.title for lesson in lessons] == [
        "Never log raw card numbers in the payments service",
        "We always tag releases with vX.Y.Z",
    ]


@pytest.mark.parametrize(
    "sentence",
    [
        "Note that `setup.cfg` doesn't mention the `mypy` plugin.",
        "Note that `server.py` has 812 lines, most of them routing.",
        "The `parse_amount` function silently ignores the currency sign.",
        "Keep in mind that `docs/index.md` lists only three of the commands.",
        "The 504s were caused by the payments provider being down; fixed by retrying after the incident ended.",
        "The nightly export failed because of an S3 outage, and it was resolved by re-running the job.",
    ],
)
def test_round_6_the_state_of_this_project_and_what_passed_by_itself_write_nothing(sentence: str) -> None:
    assert OfflineExtractor().extract(f"### Person:\nwhy?\n\n### Assistant:\n{sentence}", "shop") == []


@pytest.mark.parametrize(
    "sentence",
    [
        "We always merge on Friday evenings, which is why the weekend pager goes off.",
        "ugh, we never pin the base image, that's why the builds break every other week.",
    ],
)
def test_round_6_a_habit_blamed_for_a_symptom_is_a_complaint(sentence: str) -> None:
    assert OfflineExtractor().extract(f"### Person:\n{sentence}", "shop") == []


@pytest.mark.parametrize(
    ("role", "turn", "title"),
    [
        (  # "I'd rather" was never read ("i 'd rather" wanted a space)
            "Person",
            "I'd rather use `pytest` fixtures than `unittest` setUp methods in this repo.",
            "Prefer pytest fixtures over unittest setUp methods in this repo",
        ),
        ("Person", "Switch installs to `uv` instead of `pip` from now on.", "Switch installs to uv instead of pip"),
        (  # a time of day said with how often is a schedule, not a moment
            "Person",
            "Remember that the `cache-eu` bucket is purged every Sunday at 3am.",
            "The cache-eu bucket is purged every Sunday at 3am",
        ),
        (
            "Person",
            "We don\u2019t use default exports in TypeScript files.",
            "We don't use default exports in TypeScript files",
        ),
        (
            "Person",
            "Our convention: every migration gets a `down` step, reviewed by hand.",
            "Every migration gets a down step, reviewed by hand",
        ),
        (  # a comma inside an aside does not start the rule
            "Person",
            "Please write dates in user-facing copy (emails, invoices) as ISO 8601 across the codebase.",
            "Write dates in user-facing copy (emails, invoices) as ISO 8601 across the codebase",
        ),
    ],
)
def test_round_6_rules_in_more_phrasings_are_kept(role: str, turn: str, title: str) -> None:
    (lesson,) = OfflineExtractor().extract(f"### {role}:\n{turn}", "shop")
    assert lesson.title == title


def test_round_6_for_the_moment_is_not_a_rule() -> None:
    turn = "I'd rather not touch `billing/legacy.py` for the moment, Ana is rewriting it."
    assert OfflineExtractor().extract(f"### Person:\n{turn}", "shop") == []
