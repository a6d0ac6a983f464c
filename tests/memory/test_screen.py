"""The screen refuses every secret and injection in the corpus, names the kind, never echoes the text."""

from __future__ import annotations

import re

import pytest

from memem.memory.screen import describe, find_injection, find_secrets, screen
from tests.memory.security_corpus import INJECTIONS, SAFE, SECRETS

_SECRET_VALUE = re.compile(r"[A-Za-z0-9_\-+/=]{16,}")


@pytest.mark.parametrize("name", list(SECRETS))
@pytest.mark.parametrize("wrap", ["{}", "Note for later: {} (from the deploy doc)", "- step 3:\n  {}\n- step 4"])
def test_every_secret_is_found_and_named_without_echo(name: str, wrap: str) -> None:
    text = wrap.format(SECRETS[name])
    findings = find_secrets(text)
    assert findings, f"{name} not detected in {wrap!r}"
    message = describe(findings)
    assert message.startswith("it contains a secret (")
    for value in _SECRET_VALUE.findall(text):
        assert value not in message


@pytest.mark.parametrize("text", INJECTIONS)
def test_every_injection_is_found(text: str) -> None:
    findings = find_injection(text)
    assert findings, text
    assert "instructions aimed at the model" in describe(findings)


@pytest.mark.parametrize("text", SAFE)
def test_memories_about_secrets_and_prompts_pass(text: str) -> None:
    assert screen(text) == [], describe(screen(text))
