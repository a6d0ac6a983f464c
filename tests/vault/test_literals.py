"""The gates that let the screens skip a pattern on a text that cannot match it."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from memem.vault import literals
from memem.vault.literals import Gated, TooCostly, budget, gate


@pytest.mark.parametrize(
    ("source", "literals"),
    [
        (r"\bskip\s+(?:all\s+)?confirmations?", ("skip",)),
        (r"(?:ignora|ignore[sz]?|olvida)\s+x", ("ignora", "ignore", "olvida")),
        (r"continue-on-error:\s*true|\b(?:checks?|jobs?)\s+fail", ("continue-on-error:", "check", "job")),
        (r"\bsbp_(?:v0_)?[a-f0-9]{40}", ("sbp_",)),
        (r"(?:^|[.!?]\s+)ai", ()),  # may start anywhere
        (r"x?abc", ()),  # its first character is optional
        (r"(?:ab)?cd", ()),  # so is its first group
        (r"(?i)secret", ()),  # any case: a literal of one case would wrongly skip
        (r"\bi\s+authori[sz]e", ()),  # one letter says nothing
        (r"(?:ab[\])|]c|cd)e", ("ab", "cd")),  # a `]`, `)` or `|` inside a class ends nothing
        (r"[^\]]+x|yz", ()),  # an alternative that starts with a class has no literal
    ],
)
def test_a_gate_is_what_every_match_begins_with(source: str, literals: tuple[str, ...]) -> None:
    assert gate(source) == literals


_SOURCES = [
    r"\bskip\s+(?:all\s+)?confirmations?",
    r"(?:ignora|ignore[sz]?|olvida)\s+(?:todas\s+)?las",
    r"continue-on-error:\s*true|\b(?:checks?|jobs?)\s+fail",
    r"don['’]t\s+tell",
    r"\bgit\s+push\s+(?:--force|-f)\b",
    r"(?:send|post)\b[^\n]{0,20}?token",
]
_WORDS = [
    "skip", "all", "confirmation", "confirmations", "ignora", "ignores", "olvida", "todas", "las",
    "continue-on-error:", "true", "checks", "job", "fail", "don't", "don’t", "tell", "git", "push", "--force",
    "-f", "send", "post", "token", "x", "ignore", "ignorez",
]  # fmt: skip


@given(st.lists(st.sampled_from(_WORDS), max_size=12).map(" ".join))
@settings(max_examples=500, deadline=None)
def test_a_gate_never_skips_a_text_its_pattern_matches(text: str) -> None:
    for source in _SOURCES:
        if re.search(source, text):
            assert any(literal in text for literal in gate(source)) or not gate(source), (source, text)


def test_no_screen_pattern_is_gated_away_from_a_text_it_matches() -> None:
    """Every pattern of both screens, on every text of the corpora: where the bare pattern matches,
    its gate is open (a gate that wrongly closes would let that text through unread)."""
    from memem.vault import injection, secrets
    from tests.memory.corpora import benign_imperatives, benign_lookalikes, fake_secrets, injections

    texts = [*injections(), *benign_imperatives(), *benign_lookalikes(), *(s.text for s in fake_secrets())]
    gated = [g for _, patterns in (*injection._compiled(), *injection._compiled_unless_negated()) for g in patterns]
    gated += list(injection._compiled_abroad())
    checked = 0
    for text in texts:
        for reading in injection._readings(text):
            for g in gated:
                if g.gate and g.pattern.search(reading):
                    checked += 1
                    assert any(literal in reading for literal in g.gate), (g.pattern.pattern[:80], text[:80])
        folded = secrets._fold(text)
        for rule in secrets._RULES:
            searched = folded if rule.folded else text
            g = rule.pattern
            if g.gate and g.pattern.search(searched):
                checked += 1
                assert any(literal in searched for literal in g.gate), (g.pattern.pattern[:80], text[:80])
    assert checked > 300


# --- long texts: each pattern tried where its literals stand, within a budget ------------------------


def _every_gated() -> list[Gated]:
    from memem.vault import injection, secrets

    gated = [g for _, patterns in (*injection._compiled(), *injection._compiled_unless_negated()) for g in patterns]
    gated += [*injection._compiled_abroad(), *(rule.pattern for rule in secrets._RULES)]
    gated += [value for value in vars(secrets).values() if isinstance(value, Gated)]
    return gated


def _corpus() -> list[str]:
    from tests.memory.corpora import benign_imperatives, benign_lookalikes, fake_secrets, injections

    return [*injections(), *benign_imperatives(), *benign_lookalikes(), *(s.text for s in fake_secrets())]


_FILLER = ("the quick brown fox jumps over the lazy dog. ", "_", "0", "a-", "=", "/", "eyJ", "\n", "password ", "- ")


def _spans(matches: Iterator[re.Match[str]]) -> list[tuple[int, int]]:
    return [m.span() for m in matches]


def test_in_a_long_text_every_pattern_finds_just_what_a_scan_of_the_whole_text_finds() -> None:
    """A long note is read only where each pattern's literals stand (`Gated`): every secret and
    injection of the corpora, strewn through 300 KB of prose and of runs built to make patterns
    work, must be found at the same places, with the same extent, as `re` finds scanning it all."""
    rng = random.Random(11)
    parts: list[str] = []
    for text in _corpus():
        unit = rng.choice(_FILLER)
        parts += [text, unit * (rng.randrange(0, 3_000) // len(unit))]
    long = " ".join(parts)
    assert len(long) > 200_000
    from memem.vault.secrets import _fold

    checked = 0
    for reading in (long, _fold(long), long.lower()):
        for g in _every_gated():
            expected = _spans(g.pattern.finditer(reading)) if g.opens(reading) else []
            assert _spans(g.finditer(reading)) == expected, g.pattern.pattern[:80]
            checked += len(expected)
            if expected:
                middle = expected[len(expected) // 2][0]
                found = g.search(reading, middle)
                assert found is not None and found.span() == expected[len(expected) // 2], g.pattern.pattern[:80]
    assert checked > 1_000


_PIECES = st.sampled_from(_corpus()[::7]) | st.sampled_from(_FILLER).map(lambda unit: unit * 40)


@given(st.lists(_PIECES, min_size=1, max_size=30).map(" ".join))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_short_texts_read_as_long_ones_are_read_the_same(monkeypatch_long: None, text: str) -> None:
    """The same, with every text treated as long and a reach of 64 characters, so that windows meet,
    part and end at every kind of place: what a pattern finds within its reach is what a scan finds."""
    for g in _every_gated():
        expected = _spans(g.pattern.finditer(text)) if g.opens(text) else []
        found = _spans(g.finditer(text))
        if g.anchored:
            assert found == expected, g.pattern.pattern[:80]
        else:  # a match further than the reach from its literal may be missed; none is made up
            assert set(found) <= set(expected), g.pattern.pattern[:80]


@pytest.fixture
def monkeypatch_long(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(literals, "_LONG", 0)
    monkeypatch.setattr(literals, "_REACH", 64)


def test_a_literal_too_frequent_to_list_is_scanned_for_as_before() -> None:
    text = "token " * 20_000 + "token=ghp_" + "a" * 36
    g = Gated(r"\btoken=(ghp_\w+)")
    assert literals._holdings(text).places("token", text) is None
    assert [m.group(1) for m in g.finditer(text)] == ["ghp_" + "a" * 36]


def test_the_budget_stops_the_patterns_between_one_and_the_next() -> None:
    """On a long text (a short one costs too little to be worth the clock)."""
    g = Gated(r"\bpassword\s*=\s*(\S+)")
    text = "password = hunter2\n" + "the quick brown fox. " * 2_000
    assert len(text) >= literals._LONG
    with pytest.raises(TooCostly), budget(-1):
        g.search(text)
    with pytest.raises(TooCostly), budget(-1):
        list(g.finditer(text))
    with budget(60):  # a budget not spent changes nothing
        assert g.search(text) is not None
    assert g.search(text) is not None  # and none is left behind


def test_a_note_the_screens_cannot_read_in_their_budget_is_kept_out_of_recall(monkeypatch: pytest.MonkeyPatch) -> None:
    from memem.memory import screen as saving
    from memem.vault import withheld

    long = "Always run the tests before committing.\n" * 1_000  # a short text is not worth the clock
    monkeypatch.setattr(withheld, "NOTE_SECONDS", -1.0)
    warnings = withheld.withheld_warnings(long)
    assert withheld.is_withheld(warnings)
    assert withheld.why_withheld(warnings[0]) == (withheld.UNSCREENED, "over -1 s of CPU")
    monkeypatch.setattr(saving, "NOTE_SECONDS", -1.0)
    findings = saving.screen(long)
    assert [f.kind for f in findings] == ["cost"]
    assert "too costly to screen" in saving.describe(findings)
