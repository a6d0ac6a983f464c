"""The gates that let the screens skip a pattern on a text that cannot match it."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from memem.vault.literals import gate


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
