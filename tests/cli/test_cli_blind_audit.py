"""A blind audit's reproductions, run as a person runs them: `memem` as a real process, its exit status
and what it prints. Every failure is one line starting `memem:`, never a traceback, never a secret;
usage errors exit 2, failures 1."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from memem import __version__
from memem.cli.context import in_words
from memem.cli.main import main
from memem.client.discovery import DaemonInfo, write_daemon
from memem.config import Paths
from memem.sync.lock import OwnerLock

TOKEN = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"  # shaped like a GitHub token; no real one


def memem(*args: str | bytes, timeout: float = 120, wrap: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    command: list[str | bytes] = [*(wrap or []), sys.executable, "-P", "-m", "memem", *args]
    return subprocess.run(command, capture_output=True, text=True, errors="replace", timeout=timeout)


def one_line_failure(done: subprocess.CompletedProcess[str], code: int = 1) -> str:
    """The stderr of a command that failed as it should: `code`, one `memem:` line, no traceback."""
    assert done.returncode == code, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("memem: "), done.stderr
    return lines[0]


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    """A vault made by `memem init`, the recorded default."""
    made = tmp_path / "vault"
    done = memem("init", str(made))
    assert done.returncode == 0, done.stderr
    return made


# 1. Tracebacks instead of one-line messages


@pytest.mark.parametrize(
    "args",
    [
        (b"search", b"caf\xe9"),
        (b"slice", b"\xff"),
        (b"save", b"a lesson \xff about bytes"),
        (b"get", b"\xff"),
        (b"--vault", b"/tmp/v\xffx", b"index"),
    ],
)
def test_an_argument_that_is_not_utf8_is_refused_up_front_naming_it(vault: Path, args: tuple[bytes, ...]) -> None:
    line = one_line_failure(memem(*args), code=2)
    assert "is not valid UTF-8 text" in line and "\\x" in line
    assert "surrogate" not in line
    if args[0] == b"--vault":
        assert "the value of --vault '/tmp/v\\xffx'" in line


@pytest.mark.parametrize(
    ("args", "stdin", "where"),
    [
        (("save", "-"), b"Use caf\xe9 latin1 for the importer\n", "the content read from stdin"),
        (("search", "--batch"), b'{"query": "nodes"}\n{"query": "caf\xe9"}\n', "stdin line 2"),
    ],
)
def test_stdin_that_is_not_utf8_is_refused_naming_it(
    vault: Path, args: tuple[str, ...], stdin: bytes, where: str
) -> None:
    """Before: "unexpected error (UnicodeEncodeError …); please report it", and a TypeError for search."""
    command = [sys.executable, "-P", "-m", "memem", "--vault", str(vault), *args]
    done = subprocess.run(command, input=stdin, capture_output=True, timeout=120)
    line = one_line_failure(subprocess.CompletedProcess(done.args, done.returncode, "", done.stderr.decode()), code=2)
    assert f"{where} is not valid UTF-8 text" in line and "unexpected" not in line


@pytest.mark.parametrize("where", ["/proc/memem-x", "/dev/null/x"])
def test_init_where_no_folder_can_be_made_is_one_line(where: str) -> None:
    line = one_line_failure(memem("init", where))
    assert "cannot create the vault folder" in line and where in line


def test_the_last_resort_is_one_line_without_the_secret(
    vault: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import memem.cli.commands.status as status

    def broken(args: object, ctx: object) -> int:
        raise ValueError(f"something odd\nabout {TOKEN}")

    monkeypatch.setattr(status, "run", broken)
    code = main(["status"])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and err.startswith("memem: unexpected error (ValueError")
    assert TOKEN not in err and "Traceback" not in err


def test_team_init_and_index_server_on_a_file_are_one_line(vault: Path, tmp_path: Path) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    assert "is a file, not a folder" in one_line_failure(memem("team", "init", str(a_file), "--name", "acme"))
    assert "is a file" in one_line_failure(memem("team", "index-server", "--path", str(a_file)))
    assert a_file.read_text() == "not a folder"


def test_eval_refuses_a_line_that_is_not_an_object_and_gold_ids_given_as_a_string(vault: Path, tmp_path: Path) -> None:
    queries = tmp_path / "q.jsonl"
    queries.write_text('{"question": "fine", "gold_ids": ["x"]}\n[1, 2]\n')
    assert "q.jsonl:2: each line must be a JSON object" in one_line_failure(memem("eval", str(queries)))
    queries.write_text('{"question": "how", "gold_ids": "abc"}\n')
    assert "`gold_ids` must be a list of ids" in one_line_failure(memem("eval", str(queries)))


def _read_only(tmp_path: Path, folder: Path) -> list[str]:
    """A command prefix that runs with `folder` mounted read-only (a private mount namespace)."""
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("needs unshare(1) for a read-only mount")
    script = tmp_path / "read-only.sh"
    script.write_text('#!/bin/sh\nd=$1; shift\nmount --bind "$d" "$d" && mount -o remount,ro,bind "$d" && exec "$@"\n')
    script.chmod(0o755)
    probe = subprocess.run([unshare, "-rm", str(script), str(folder), "true"], capture_output=True, timeout=30)
    if probe.returncode != 0:
        pytest.skip(f"no user namespaces here: {probe.stderr.decode(errors='replace').strip()}")
    return [unshare, "-rm", str(script), str(folder)]


def test_a_read_only_memem_dir_is_one_line_and_doctor_reports_it(vault: Path, tmp_path: Path) -> None:
    home = Path(os.environ["MEMEM_DIR"])
    assert memem("status").returncode == 0  # the state folder exists, then becomes read-only
    wrap = _read_only(tmp_path, home)
    for args in (("status",), ("search", "remembers"), ("index",), ("save", "Run the tests before a release")):
        line = one_line_failure(memem(*args, wrap=wrap))
        assert "cannot write memem's state folder" in line and "Read-only file system" in line
    line = one_line_failure(memem("init", str(tmp_path / "another"), wrap=wrap))
    assert "could not be recorded as the default" in line
    doctor = memem("doctor", wrap=wrap)
    assert doctor.returncode == 1 and "Traceback" not in doctor.stderr, doctor.stderr
    assert "[error] memem cannot write its state folder" in doctor.stdout and "read-only" in doctor.stdout
    assert "set MEMEM_DIR" in doctor.stdout


def test_a_read_only_vault_without_a_daemon_is_one_line(vault: Path, tmp_path: Path) -> None:
    found = memem("search", "remembers", "--json", "--no-rerank")
    note_id = json.loads(found.stdout)[0]["id"]
    wrap = _read_only(tmp_path, vault)
    for args in (("save", "Run the tests before a release"), ("deprecate", note_id), ("consolidate",)):
        line = one_line_failure(memem(*args, wrap=wrap))
        assert "Read-only file system" in line and "memem needs the vault" in line


# 3. A hung daemon


@pytest.fixture
def hung_daemon(vault: Path) -> Iterator[int]:
    """A 'daemon' (this process) that holds the vault's lock, is published, and never answers."""
    paths = Paths.resolve(vault)
    paths.ensure_state()
    lock = OwnerLock(paths.lock_file, "daemon").acquire()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)  # connections are queued, never accepted: no answer ever comes
    port = listener.getsockname()[1]
    write_daemon(paths.daemon_file, DaemonInfo(os.getpid(), "127.0.0.1", port, str(vault), time.time(), __version__))
    try:
        yield os.getpid()
    finally:
        listener.close()
        paths.daemon_file.unlink(missing_ok=True)
        lock.release()


def test_status_and_doctor_say_soon_that_the_daemon_is_hung_and_doctor_still_diagnoses(hung_daemon: int) -> None:
    started = time.monotonic()
    line = one_line_failure(memem("status"))
    assert time.monotonic() - started < 30  # not the 60 s it used to wait
    assert f"the daemon (pid {hung_daemon}) did not answer within 5 s" in line and f"kill {hung_daemon}" in line
    started = time.monotonic()
    doctor = memem("doctor")
    assert time.monotonic() - started < 30
    assert doctor.returncode == 1 and "Traceback" not in doctor.stderr
    assert f"[error] the daemon (pid {hung_daemon}) did not answer within 5 s" in doctor.stdout
    assert "memem serve" in doctor.stdout and "no ANTHROPIC_API_KEY" in doctor.stdout  # the local checks ran


# 4. `memem init`


def test_init_refuses_root_home_the_state_folder_and_an_empty_name(tmp_path: Path) -> None:
    for where, why in (
        ("/", "filesystem's root"),
        (os.environ["HOME"], "your home folder"),
        (os.environ["MEMEM_DIR"], "memem's state folder"),
        (os.path.join(os.environ["MEMEM_DIR"], "vault"), "inside memem's state folder"),
    ):
        assert why in one_line_failure(memem("init", where))
    os.environ["MEMEM_VAULT"] = str(tmp_path / "from-the-environment")
    try:
        assert "the vault folder is empty" in one_line_failure(memem("init", ""), code=2)
    finally:
        del os.environ["MEMEM_VAULT"]
    assert not (tmp_path / "from-the-environment").exists()
    assert "--vault is empty" in one_line_failure(memem("--vault", "", "status"), code=2)


def test_init_says_it_updated_memem_s_plugin_and_changes_nothing_of_the_person_s(vault: Path) -> None:
    plugin = vault / ".obsidian" / "plugins" / "memem"
    (plugin / "main.js").write_text("// an older build")
    (vault / "memem" / "memories" / "How memem remembers.md").write_text("my own words")
    done = memem("init", str(vault))
    assert done.returncode == 0
    assert "0 files added, 1 updated (memem's Obsidian plugin" in done.stdout
    assert (vault / "memem" / "memories" / "How memem remembers.md").read_text() == "my own words"
    helped = " ".join(memem("init", "--help").stdout.split())
    assert "no note or setting of yours is changed" in helped and "updated to this version's" in helped


# 5. Messages and exit codes


def test_a_vault_that_is_a_file_is_said_to_be_no_folder(tmp_path: Path) -> None:
    a_file = tmp_path / "notes.md"
    a_file.write_text("x")
    line = one_line_failure(memem("--vault", str(a_file), "status"))
    assert "is not a folder" in line and "does not exist" not in line


@pytest.mark.parametrize(
    "args",
    [("undo", TOKEN), ("search", "x", "--mode", TOKEN), ("slice", "x", "--budget", TOKEN), ("get", "--" + TOKEN)],
)
def test_argparse_errors_do_not_repeat_a_secret(args: tuple[str, ...]) -> None:
    done = memem(*args)
    assert done.returncode == 2 and "error:" in done.stderr
    assert TOKEN not in done.stderr and TOKEN[:12] not in done.stderr


def test_a_secret_given_as_an_id_reads_well_and_is_not_repeated(vault: Path) -> None:
    for args in (("get", TOKEN), ("deprecate", TOKEN), ("graph", "neighbors", TOKEN), ("status", "--memory", TOKEN)):
        line = one_line_failure(memem(*args))
        assert TOKEN not in line and "that id or name that id" not in line
        assert "it looks like a secret" in line


def test_usage_errors_exit_2_and_are_checked_before_the_daemon(vault: Path) -> None:
    cases = {
        ("search",): "nothing to search for",
        ("search", "x", "--limit", "0"): "--limit must be from 1 to 200",
        ("slice", "x", "--budget", "0"): "--budget must be from 50 to 20,000",
        ("slice", "x", "--budget", "10"): "--budget must be from 50 to 20,000",
        ("slice", "x", "--budget", "20001"): "--budget must be from 50 to 20,000",
        ("slice", "   "): "nothing to recall for",
        ("undo", "0"): "N must be from 1 to 50",
        ("undo", "51"): "N must be from 1 to 50",
        ("save", " "): "nothing to save",
        ("eval", "x.jsonl", "--k", "a"): "--k must be numbers",
    }
    for args, said in cases.items():
        assert said in one_line_failure(memem(*args), code=2), args
    assert memem("search", "--bogus").returncode == 2
    assert memem().returncode == 2


def test_daemon_errors_are_said_in_the_command_line_s_words() -> None:
    said = in_words("daemon error 400: `count` must be an integer from 1 to 50", {"count": "N"})
    assert said == "N must be an integer from 1 to 50"


def test_help_describes_every_command_and_the_exit_status() -> None:
    top = " ".join(memem("--help").stdout.split())
    assert "Exit status: 0 success, 1 failure (for `doctor`: problems found), 2 a usage error." in top
    for command in ("status", "doctor"):
        rest = memem(command, "-h").stdout.partition("\n\n")[2]
        assert rest.split("\n")[0] and not rest.startswith("options:"), rest  # a description first
    audit = memem("graph", "audit", "-h").stdout
    assert "print the audit as JSON" in audit
    neighbors = memem("graph", "neighbors", "-h").stdout
    assert "the memory's id" in neighbors and "links as JSON" in neighbors


def test_playbook_failures_are_one_line_on_stderr(vault: Path) -> None:
    """An empty project printed a command that then failed; a missing playbook was said on stdout."""
    for args in (("playbook", ""), ("playbook", " ", "--create")):
        assert "PROJECT is empty" in one_line_failure(memem("--vault", str(vault), *args), code=2)
    line = one_line_failure(memem("--vault", str(vault), "playbook", "my shop"))
    assert "no playbook for my shop" in line and "`memem playbook 'my shop' --create`" in line


@pytest.mark.parametrize(
    "args",
    [("get", ""), ("deprecate", " "), ("graph", "neighbors", ""), ("undo", "--id", ""), ("undo", "3", "--id", "abc")],
)
def test_an_empty_id_or_a_count_beside_an_id_is_a_usage_error(vault: Path, args: tuple[str, ...]) -> None:
    """Exit 2, as a missing argument: before, an empty id was looked up ("no memory …", exit 1), and
    `undo 3 --id X` undid X alone, silently."""
    done = memem("--vault", str(vault), *args)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
