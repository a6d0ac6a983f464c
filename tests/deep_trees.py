"""Folder trees too deep for recursion (a thousand levels), built and removed without recursing:
Python 3.11's `os.walk` and pytest's own clean-up of its temp folders both recurse once per level."""

from __future__ import annotations

import os
from pathlib import Path


def deep_folders(under: Path, levels: int) -> None:
    """`levels` nested folders, made relative to an open folder (the whole path would pass PATH_MAX)."""
    under.mkdir(parents=True, exist_ok=True)
    fd = os.open(under, os.O_RDONLY)
    try:
        for _ in range(levels):
            os.mkdir("d", dir_fd=fd)
            inner = os.open("d", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
    finally:
        os.close(fd)


def remove_deep_folders(under: Path) -> None:
    """Undo `deep_folders` a level at a time (pytest's own clean-up of its temp folders recurses too)."""
    chain, spare = under / "d", under / "d.next"
    while chain.is_dir():
        if not (chain / "d").is_dir():
            chain.rmdir()
            return
        os.rename(chain / "d", spare)
        chain.rmdir()
        os.rename(spare, chain)
