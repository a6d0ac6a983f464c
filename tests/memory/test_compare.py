"""Whether two texts alike in words say the same thing (`memory.compare`)."""

from __future__ import annotations

import pytest

from memem.memory.compare import disagree, normalised


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Always run the migrations before deploying.", "Never run the migrations before deploying."),
        ("Cache the auth tokens in redis.", "Do not cache the auth tokens in redis."),
        ("Retry webhooks 3 times with a 30 second backoff.", "Retry webhooks 5 times with a 60 second backoff."),
        ("Under load, increase the worker pool size.", "Under load, decrease the worker pool size."),
        ("Indent the Makefile recipes with tabs.", "Indent the Makefile recipes with spaces."),
        ("Run the schema check before the deploy.", "Run the schema check after the deploy."),
        ("Seed the demo data on staging only.", "Seed the demo data on production only."),
        ("Pin Node 18 in CI.", "Pin Node 20 in CI."),
        ("Export PGHOST=db before running psql.", "Export pghost=DB before running psql."),
        ("Set LOG_LEVEL=debug in staging.", "Set log_level=DEBUG in staging."),
        ("The admin app is served over http.", "The admin app is served over https."),
        ("Keep sessions in Redis, not Postgres.", "Keep sessions in Postgres, not Redis."),
        ("The cache cluster lives in us-east-1.", "The cache cluster lives in eu-west-1."),
    ],
)
def test_alike_in_words_but_another_statement(a: str, b: str) -> None:
    assert disagree(a, b) and disagree(b, a)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Use ruff format instead of black.", "Use ruff format, not black."),
        ("Deploys go out on Tuesdays.", "Deploys go out on Tuesdays!"),
        ("The cache keeps sessions for an hour.", "The cache keeps the sessions for an hour."),
        ("Always deploy from the main branch.", "Always deploys from the main branch."),
        ("We pin every dependency with pip-tools.", "We pin every dependency using pip-tools."),
        ("Run `make lint` before pushing.", "run `make lint` before pushing"),
        ("Set LOG_LEVEL=debug in staging.", "In staging, set LOG_LEVEL=debug."),
        ("Deploys go out on Tuesdays.", "We deploy on Tuesdays."),
        ("Keep the maps in the assets folder.", "Keep the map in the assets folder."),
    ],
)
def test_the_same_statement_in_other_words(a: str, b: str) -> None:
    assert not disagree(a, b)


def test_exact_copies_keep_the_case_of_names_not_of_prose() -> None:
    """Environment variables and values are case-sensitive: these are not one text. A sentence that
    starts in lower case is the same sentence."""
    assert normalised("Export PGHOST=db before psql.") != normalised("Export pghost=DB before psql.")
    assert normalised("Set LOG_LEVEL=debug in staging.") != normalised("Set log_level=DEBUG in staging.")
    assert normalised("Run `make Build` first.") != normalised("Run `make build` first.")
    assert normalised("Cache keys include  the schema version.") == normalised("cache keys include the schema version")


def test_long_texts_are_compared_by_their_facts_and_names() -> None:
    """Word-by-word alignment costs the product of the lengths: past MOST_WORDS it is skipped, and a
    name's pattern is matched token by token (a 1 MB run of letters is one token, read once)."""
    from memem.memory.compare import MOST_WORDS

    long = " ".join(["deploy the api with the release script"] * (MOST_WORDS // 7 + 1))
    assert disagree(long, long.replace("api", "web", 1)) is False  # too long to align: not a swap
    assert disagree(long + " on port 8080", long + " on port 9090")  # its numbers still count
    assert not disagree("a" * 1_000_000, "a" * 1_000_000)
