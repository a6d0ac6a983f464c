"""git, run as a subprocess: the one way memem touches a team repository.

memem never prompts: a git that would ask for a password or a passphrase fails at once instead
(`GIT_TERMINAL_PROMPT=0`), and the message says what git said. A commit made for the person uses
their git identity; where none is configured, one named after the local user, so a first
`memem team init` on a fresh machine does not stop at "Please tell me who you are".
"""

from __future__ import annotations

import getpass
import os
import re
import shutil
import socket
import subprocess
from pathlib import Path

from memem.errors import MememError

TIMEOUT = 300.0


class GitError(MememError):
    """git failed (or is not installed); the message carries git's own words."""

    status = 502


def git_executable() -> str:
    found = shutil.which("git")
    if found is None:
        raise GitError("git is not installed (team vaults are git repositories): install git and try again")
    return found


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(GIT_TERMINAL_PROMPT="0", GIT_ASKPASS="true", SSH_ASKPASS="true", LC_ALL="C")
    env.setdefault("GIT_SSH_COMMAND", "ssh -oBatchMode=yes")
    return env


def without_credentials(url: str) -> str:
    """A repository address (or git's words naming one) as it may be shown or stored: any
    `user:password@` in it removed."""
    return re.sub(r"(?<=://)[^/@\s]+@", "", url)


def run(
    folder: Path | None, *args: str, check: bool = True, timeout: float = TIMEOUT
) -> subprocess.CompletedProcess[str]:
    """`git -C folder args…`; raises GitError with git's message when it fails and `check` is set."""
    # Paths as they are (not "caf\303\251.md"): they are compared with paths git hands the merge driver.
    command = [
        git_executable(),
        "-c",
        "core.quotePath=false",
        *(["-C", str(folder)] if folder is not None else []),
        *args,
    ]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, env=_env(), timeout=timeout, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired:
        raise GitError(f"git {args[0]} did not finish within {timeout:.0f} s") from None
    if check and done.returncode != 0:
        said = [line for line in (done.stderr or done.stdout).strip().splitlines() if line.strip()]
        # git's own words of the cause ("fatal: … does not appear to be a git repository", "ssh:
        # connect to host … refused") come before its boilerplate, which the last lines are.
        causes = [line for line in said if line.startswith(("fatal:", "error:", "ssh:"))]
        shown = " / ".join(dict.fromkeys([*causes[:2], *said[-3:]]))
        shown = without_credentials(shown)  # a remote's credentials are never repeated
        raise GitError(f"git {args[0]} failed: {shown or f'exit status {done.returncode}'}")
    return done


def out(folder: Path | None, *args: str) -> str:
    return run(folder, *args).stdout.strip()


def blob(folder: Path, revision: str, path: str) -> bytes:
    """A file's bytes at a revision, exactly (no newline translation): to put a note back as it was."""
    command = [git_executable(), "-C", str(folder), "show", f"{revision}:{path}"]
    try:
        done = subprocess.run(command, capture_output=True, env=_env(), timeout=TIMEOUT, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise GitError(f"git show did not finish within {TIMEOUT:.0f} s") from None
    if done.returncode != 0:
        raise GitError(f"git show failed: {done.stderr.decode('utf-8', 'replace').strip()[-200:]}")
    return done.stdout


def identity(folder: Path) -> list[str]:
    """`-c` options giving a commit an author when git has none configured (else nothing)."""
    name = run(folder, "config", "user.name", check=False).stdout.strip()
    email = run(folder, "config", "user.email", check=False).stdout.strip()
    if name and email:
        return []
    user = getpass.getuser()
    return ["-c", f"user.name={name or user}", "-c", f"user.email={email or f'{user}@{socket.gethostname()}'}"]


def commit(folder: Path, message: str) -> str:
    """Commit what is staged; the new commit's hash."""
    run(folder, *identity(folder), "commit", "--quiet", "--no-verify", "-m", message)
    return out(folder, "rev-parse", "HEAD")


def branch(folder: Path) -> str | None:
    """The branch checked out, or None on a detached HEAD."""
    done = run(folder, "symbolic-ref", "--quiet", "--short", "HEAD", check=False)
    return done.stdout.strip() or None


def has_remote(folder: Path) -> bool:
    return bool(out(folder, "remote"))


def upstream(folder: Path) -> str | None:
    """The branch this clone follows (`origin/main`), or None."""
    done = run(folder, "rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{u}", check=False)
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else None


def dirty_paths(folder: Path) -> list[str]:
    """Tracked files changed and not committed, and untracked files (paths relative to the clone)."""
    listing = run(folder, "status", "--porcelain=v1", "-z", "--no-renames", "--untracked-files=all").stdout
    return [entry[3:] for entry in listing.split("\0") if len(entry) > 3]
