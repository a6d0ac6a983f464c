"""Keeping the daemon's memory to what it holds, not what glibc's allocator keeps around.

glibc gives every thread that finds the main heap busy an arena of its own, up to eight per core,
and memory freed in an arena mostly stays mapped there. The daemon runs many threads that allocate
(onnxruntime's workers for two models, the sync loop, uvicorn, the watchers), so after a full index
its resident memory sat well above what it was using. Two arenas serve a process that does its heavy
work inside onnxruntime and SQLite (which keep their own pools) as fast as sixteen.

Large blocks are the other half: glibc maps a big allocation on its own and unmaps it when freed,
but after the first such free it raises that threshold (up to 32 MB), so the cross-encoder's working
buffers, freed after every run, then stay in the heap, the more so with runs side by side on two
threads. A fixed threshold keeps them returned. (Before and after: the README's Performance section.)

Only on glibc: elsewhere (macOS, musl) the allocator behaves differently and nothing is changed.
A `MALLOC_ARENA_MAX` or `MALLOC_MMAP_THRESHOLD_` the person set is left to glibc, which read it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import sys

ARENAS = 2
MMAP_THRESHOLD = 4 << 20
"""Blocks this large or larger get their own mapping, given back when freed."""
M_ARENA_MAX, M_MMAP_THRESHOLD = -8, -3  # from glibc's malloc.h
log = logging.getLogger(__name__)


def _glibc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.gnu_get_libc_version.restype = ctypes.c_char_p
        libc.gnu_get_libc_version()  # musl has no such function: AttributeError below
        return libc
    except (OSError, AttributeError):
        return None


def limit_heap(arenas: int = ARENAS, mmap_threshold: int = MMAP_THRESHOLD) -> list[str]:
    """Cap glibc's arenas and fix its mapping threshold for this process (call it before threads
    start); what took effect. A value the person set in the environment stands (glibc read it)."""
    libc = _glibc()
    if libc is None:
        return []
    done = []
    for variable, option, value in (
        ("MALLOC_ARENA_MAX", M_ARENA_MAX, arenas),
        ("MALLOC_MMAP_THRESHOLD_", M_MMAP_THRESHOLD, mmap_threshold),
    ):
        if variable not in os.environ and libc.mallopt(option, value):
            done.append(f"{variable}={value}")
    if done:
        log.info("malloc: %s", ", ".join(done))
    return done
