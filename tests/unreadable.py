"""A note that cannot be read, for real, even when the tests run as root.

`chmod 000` stops everyone but root: root reads through the permission bits with two capabilities,
CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH. Capabilities belong to a thread, so `without_root_reads`
clears those two from this thread's effective set (kept in the permitted set, so they come back
after): the open then fails with EACCES as it does for any other user, and memem's own code runs
unchanged. As any other user, the chmod is enough.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

_VERSION_3 = 0x20080522
_DAC_OVERRIDE, _DAC_READ_SEARCH = 1, 2


class _Header(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _Data(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def _caps() -> tuple[ctypes.CDLL, _Header, ctypes.Array[_Data]]:
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    header, data = _Header(_VERSION_3, 0), (_Data * 2)()  # pid 0: this thread
    if libc.capget(ctypes.byref(header), data) != 0:
        pytest.skip(f"capget failed: {os.strerror(ctypes.get_errno())}")
    return libc, header, data


@contextmanager
def without_root_reads() -> Iterator[None]:
    """Within the block, this thread reads files as their permission bits say (a no-op for non-root)."""
    if os.geteuid() != 0:
        yield
        return
    libc, header, data = _caps()
    saved = data[0].effective
    data[0].effective &= ~((1 << _DAC_OVERRIDE) | (1 << _DAC_READ_SEARCH))
    if libc.capset(ctypes.byref(header), data) != 0:
        pytest.skip(f"capset failed: {os.strerror(ctypes.get_errno())}")
    try:
        yield
    finally:
        data[0].effective = saved
        libc.capset(ctypes.byref(header), data)
