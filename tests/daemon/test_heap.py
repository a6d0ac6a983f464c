"""The daemon caps glibc's malloc arenas and fixes its mapping threshold, unless the person chose."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from memem.daemon.heap import _glibc

PROBE = "from memem.daemon.heap import limit_heap; print(' '.join(limit_heap()) or '-')"


def probe(env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.mark.skipif(_glibc() is None, reason="glibc only: other allocators are left alone")
def test_capped_on_glibc_unless_the_person_set_it() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    assert probe(env) == "MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=4194304"
    assert probe({**env, "MALLOC_ARENA_MAX": "8"}) == "MALLOC_MMAP_THRESHOLD_=4194304"
    assert probe({**env, "MALLOC_ARENA_MAX": "8", "MALLOC_MMAP_THRESHOLD_": "65536"}) == "-"
