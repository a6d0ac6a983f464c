"""The names other tests import (`SECRETS`, `INJECTIONS`, `SAFE`), built from the generators in corpora.py.

`SECRETS` maps a readable name to a text holding one fake secret; "GitHub token (classic)" is kept
because the miner's test takes the token from it (`.split()[1]`) and expects `[redacted GitHub token]`.
"""

from __future__ import annotations

from tests.memory.corpora import benign_imperatives, benign_lookalikes, fake_secrets, injections


def _named_secrets() -> dict[str, str]:
    named: dict[str, str] = {}
    seen: dict[str, int] = {}
    for secret in fake_secrets():
        seen[secret.kind] = count = seen.get(secret.kind, 0) + 1
        name = secret.kind if count == 1 else f"{secret.kind} #{count}"
        named["GitHub token (classic)" if secret.value.startswith("ghp_") else name] = secret.text
    return named


SECRETS = _named_secrets()
INJECTIONS = injections()
SAFE = benign_lookalikes() + benign_imperatives()
