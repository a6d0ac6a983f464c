"""The command line, as a person uses it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from memem.cli.main import main
from memem.testing import write_note


def run(
    capsys: pytest.CaptureFixture[str],
    *argv: str,
    stdin: str | None = None,
    monkeypatch: pytest.MonkeyPatch | None = None,
) -> tuple[int, str, str]:
    if stdin is not None:
        import io

        assert monkeypatch is not None
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def starter(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    vault = tmp_path / "starter"
    code, out, _ = run(capsys, "init", str(vault))
    assert code == 0 and "created a new vault" in out
    return vault


def test_init_creates_vault_and_becomes_default(starter: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (starter / "memem" / "memories" / "How memem remembers.md").exists()
    code, out, _ = run(capsys, "status")  # no --vault: the recorded default
    assert code == 0 and str(starter) in out


def test_init_on_existing_vault_changes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    vault = tmp_path / "mine"
    (vault / "memem" / "memories").mkdir(parents=True)
    mine = vault / "memem" / "memories" / "How memem remembers.md"
    mine.write_text("my own note with the same name")
    (vault / "Diary.md").write_text("private")
    code, out, _ = run(capsys, "init", str(vault))
    assert code == 0 and "existing files left as they were" in out
    assert mine.read_text() == "my own note with the same name"
    assert (vault / "Diary.md").read_text() == "private"


def test_init_again_brings_back_no_starter_note_the_person_renamed_or_deleted(
    starter: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before: the renamed one came back under its old name (two notes with one id: `get` and `doctor`
    failed on it), and the deleted one came back."""
    notes = sorted((starter / "memem" / "memories").rglob("*.md"))
    renamed, deleted = notes[0], notes[1]
    renamed.rename(renamed.with_name("my name for it.md"))
    deleted.unlink()
    code, out, _ = run(capsys, "init", str(starter), "--no-default")
    assert code == 0 and "2 starter notes not brought back" in out
    assert not renamed.exists() and not deleted.exists()
    assert len(list((starter / "memem" / "memories").rglob("*.md"))) == len(notes) - 1


def test_init_ships_the_obsidian_plugin_enabled_and_refreshes_only_its_code(
    starter: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plugin = starter / ".obsidian" / "plugins" / "memem"
    assert {p.name for p in plugin.iterdir()} == {"main.js", "manifest.json", "styles.css"}
    assert json.loads((starter / ".obsidian" / "community-plugins.json").read_text()) == ["memem"]
    (plugin / "main.js").write_text("// an older build")
    (plugin / "data.json").write_text('{"daemonToken": "mine"}')
    (starter / ".obsidian" / "community-plugins.json").write_text('["dataview"]')
    code, out, _ = run(capsys, "init", str(starter))
    assert code == 0 and "turn it on in Settings" in out
    assert (plugin / "main.js").read_text() != "// an older build"
    assert (plugin / "data.json").read_text() == '{"daemonToken": "mine"}'
    assert (starter / ".obsidian" / "community-plugins.json").read_text() == '["dataview"]'


def test_index_search_json_and_project_scope(starter: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "index", "--json")
    report = json.loads(out)
    assert code == 0 and report["added"] == 9 and report["embedded"] == 9
    code, out, _ = run(capsys, "search", "python dependency installs", "--json", "--limit", "3")
    hits = json.loads(out)
    assert code == 0 and len(hits) == 3
    assert {"id", "title", "path", "score"} <= set(hits[0])
    assert hits[0]["id"] == "example-app-use-uv"
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
    # --project keeps notes of that project and global ones
    write_note(
        starter, "Other project note", "python dependency installs use poetry", id="other-poetry", project="other-app"
    )
    _, out, _ = run(capsys, "search", "python dependency installs", "--project", "example-app", "--json")
    projects = {h["project"] for h in json.loads(out)}
    assert "other-app" not in projects and projects <= {"example-app", None}
    _, out, _ = run(capsys, "search", "python dependency installs", "--json")
    assert "other-poetry" in {h["id"] for h in json.loads(out)}


def test_search_batch(starter: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    lines = "\n".join([
        json.dumps({"query": "pytest before pushing", "project": "example-app", "limit": 2}),
        json.dumps({"query": "", "limit": 2}),
        json.dumps({"query": "review mined memories", "limit": 1}),
    ])  # fmt: skip
    code, out, _ = run(capsys, "search", "--batch", stdin=lines, monkeypatch=monkeypatch)
    answers = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(answers) == 3
    assert answers[0][0]["id"] == "example-app-pytest-x" and len(answers[0]) == 2
    assert "error" in answers[1]
    assert answers[2][0]["id"] == "memem-guide-review"


def test_search_batch_applies_the_command_lines_options_to_every_line(
    starter: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = "\n".join([
        json.dumps({"query": "pip-tools lock dependencies"}),
        json.dumps({"query": "pip-tools lock dependencies", "include_deprecated": False}),  # its own choice wins
        json.dumps({"query": "review mined memories", "mode": "hybrid"}),
    ])  # fmt: skip
    args = ("search", "--batch", "--deprecated", "--mode", "fulltext", "--no-rerank")
    code, out, _ = run(capsys, *args, stdin=lines, monkeypatch=monkeypatch)
    first, own, hybrid = (json.loads(line) for line in out.splitlines())
    assert code == 0
    assert "example-app-pip-tools" in {h["id"] for h in first}
    assert "example-app-pip-tools" not in {h["id"] for h in own}
    # full text only, and no second stage: no vector or cross-encoder evidence on any hit
    assert first and all(set(h["signals"]) == {"fulltext"} for h in first if not h["pinned"])
    assert any("vector" in h["signals"] for h in hybrid) and not any("rerank" in h["signals"] for h in hybrid)


def test_status_says_what_reranks(
    starter: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = run(capsys, "status")
    assert code == 0 and "reranking    ms-marco-MiniLM-L-12-v2 cross-encoder" in out
    monkeypatch.setenv("MEMEM_RERANKER", "off")
    code, out, _ = run(capsys, "status")
    assert "reranking    off: turned off by MEMEM_RERANKER=off" in out


def test_deprecated_notes_only_with_the_flag(starter: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "search", "pip-tools lock dependencies", "--json")
    assert "example-app-pip-tools" not in {h["id"] for h in json.loads(out)}
    _, out, _ = run(capsys, "search", "pip-tools lock dependencies", "--json", "--deprecated")
    assert "example-app-pip-tools" in {h["id"] for h in json.loads(out)}
    _, out, _ = run(capsys, "search", "pip-tools lock dependencies", "--deprecated")  # the text says which
    assert "[example-app-pip-tools · example-app · deprecated]" in out


def test_status_and_doctor_report_bad_notes_with_fixes(starter: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = starter / "memem" / "memories" / "Broken.md"
    bad.write_text("---\nid: [x\n---\n")
    run(capsys, "index")
    code, out, _ = run(capsys, "status")
    assert code == 0 and "memem/memories/Broken.md: invalid YAML" in out
    code, out, _ = run(capsys, "doctor")
    assert code == 1
    assert "memem/memories/Broken.md: not indexed: invalid YAML" in out
    assert "fix: open the note and fix its properties block" in out
    assert "the daemon is not running" in out
    code, out, _ = run(capsys, "status", "--json")
    data = json.loads(out)
    assert data["bad_notes"] == [{"path": "memem/memories/Broken.md", "reason": data["bad_notes"][0]["reason"]}]
    assert data["daemon"] == {"running": False}


def test_errors_are_one_line_with_status_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "status")
    assert code == 1 and err.startswith("memem: no vault given")
    code, _, err = run(capsys, "--vault", str(tmp_path / "nope"), "status")
    assert code == 1 and "does not exist" in err
    code, _, err = run(capsys, "--vault", str(tmp_path), "search", "   ")
    assert code == 2 and err.startswith("memem: nothing to search for")  # a usage error, as argparse's own


def test_console_script_help_and_version() -> None:
    out = subprocess.run(
        [sys.executable, "-P", "-m", "memem", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for command in ("init", "serve", "index", "status", "doctor", "search"):
        assert command in out
    out = subprocess.run(
        [sys.executable, "-P", "-m", "memem", "index", "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert "--rebuild" in out and "progress bar" in out


def test_slice_shows_what_the_prompt_hook_would_inject(
    starter: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    project = tmp_path / "example-app"
    project.mkdir()
    monkeypatch.chdir(project)  # the hook's project is the session folder's: so is slice's by default
    code, out, _ = run(capsys, "slice", "yes")
    assert code == 0 and out.strip() == "(nothing would be injected: trivial prompt)"
    code, out, _ = run(capsys, "slice", "what is the weather in Lisbon tomorrow")
    assert code == 0 and out.startswith("(nothing would be injected: nothing clears the relevance floor")
    code, out, _ = run(capsys, "slice", "How should I install Python dependencies?", "--json")
    injected = json.loads(out)
    assert injected["shown"][0] == "example-app-use-uv" and "reason" in injected
    # The whole ranked slice is still there, on request (what the MCP tool returns).
    code, out, _ = run(capsys, "slice", "yes", "--all", "--json")
    assert code == 0 and len(json.loads(out)["hits"]) > 0


def test_mining_opt_in_needs_no_vault(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "mine", "--enable")
    assert code == 0 and "mining is on" in out
    code, out, _ = run(capsys, "mine", "--status", "--json")
    assert code == 0 and json.loads(out)["enabled"] is True
    code, out, _ = run(capsys, "mine", "--disable")
    assert code == 0 and "mining is off" in out


def test_history_estimate_uses_the_mining_model_s_prices(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.paths import TRANSCRIPTS

    projects = Path(os.environ["HOME"]) / ".claude" / "projects" / "-tmp-shop"
    projects.mkdir(parents=True)
    shutil.copy(TRANSCRIPTS / "DRMacIver__claude-reliability__python-to-rust-port.jsonl", projects / "a.jsonl")
    assert run(capsys, "mine", "--enable")[0] == 0
    estimates = {}
    for model in ("claude-haiku-5-5", "claude-haiku-4-5"):
        monkeypatch.setenv("MEMEM_MINER_MODEL", model)
        code, out, _ = run(capsys, "mine", "--history", "--json")
        estimates[model] = json.loads(out)["estimate"]
        assert code == 0 and estimates[model]["model"] == model and estimates[model]["sessions"] == 1
    assert estimates["claude-haiku-5-5"]["prices_per_mtok"] == [0.10, 0.50]
    assert estimates["claude-haiku-4-5"]["prices_per_mtok"] == [1.0, 5.0]
    # the newer tokenizer counts more tokens for the same text
    assert estimates["claude-haiku-5-5"]["input_tokens"] > estimates["claude-haiku-4-5"]["input_tokens"]


@pytest.mark.slow
def test_init_works_from_a_plain_pip_install(tmp_path: Path) -> None:
    """The starter vault ships in the wheel: `memem init` from an installed package, no checkout around."""
    from tests.paths import REPO

    wheels, target = tmp_path / "wheels", tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                    str(wheels), str(REPO)], check=True, capture_output=True)  # fmt: skip
    (wheel,) = wheels.glob("memem-*.whl")
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)  # fmt: skip
    site_packages = [p for p in sys.path if p.endswith("site-packages")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(target), *site_packages])}
    vault = tmp_path / "new-vault"
    done = subprocess.run([sys.executable, "-P", "-m", "memem", "init", str(vault)], cwd=tmp_path, env=env,
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr
    located = subprocess.run([sys.executable, "-P", "-c", "import memem; print(memem.__file__)"], cwd=tmp_path,
                             env=env, capture_output=True, text=True, check=True)  # fmt: skip
    assert located.stdout.startswith(str(target))  # the installed copy ran, not the checkout
    assert (vault / "memem" / "memories" / "How memem remembers.md").is_file()
    assert (vault / ".obsidian" / "plugins" / "memem" / "main.js").is_file()


def test_a_note_s_text_cannot_act_on_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """A title that renames the terminal window, a carriage return that overwrites the line before it,
    a direction override: shown as escapes by every command a person reads; JSON stays JSON, and
    carries the text exactly."""
    vault = tmp_path / "v"
    run(capsys, "init", "--no-default", str(vault))
    title = "Deploy \x1b]0;pwned\x07 steps\rFAKE"  # (a title's line break is read as a space)
    write_note(vault, "odd", "harbour lantern zqxodd \x1b[2J body", id="odd", title=title)
    write_note(vault, "rtl", "text \u202eevil", id="rtl", title="Reversed")  # withheld from recall; shown by get
    for argv in (("search", "harbour lantern zqxodd"), ("get", "odd", "rtl")):
        code, out, _ = run(capsys, "--vault", str(vault), *argv)
        # the title's control characters are taken out when the note is read; the body's are escaped
        assert code == 0 and "Deploy ]0;pwned steps FAKE" in out and "\\u001b[2J body" in out
        assert not any(c in out for c in "\x1b\x07\r\u202e")
    assert "\\u202eevil" in out
    write_note(vault, "crlf", "first line\r\nsecond line\r\n", id="crlf", title="Windows")
    code, out, _ = run(capsys, "--vault", str(vault), "get", "crlf")
    assert "first line\nsecond line" in out and "\\u000d" not in out  # line endings end lines
    code, out, _ = run(capsys, "--vault", str(vault), "get", "odd", "--json")
    assert json.loads(out)[0]["title"] == "Deploy ]0;pwned steps FAKE"  # as read: no control character
    assert 'title: "Deploy \\e]0;pwned\\a steps\\rFAKE"' in (vault / "memem" / "memories" / "odd.md").read_text()


def test_a_vault_full_of_bad_notes_is_summed_up_not_listed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    vault = tmp_path / "v"
    run(capsys, "init", "--no-default", str(vault))
    for n in range(80):
        (vault / "memem" / "memories" / f"empty {n}.md").write_bytes(b"")
    for again in (False, True):  # the second command finds the same bad notes: it says nothing of them
        caplog.clear()
        code, _, _ = run(capsys, "--vault", str(vault), "search", "anything at all")
        assert code == 0
        said = [r.getMessage() for r in caplog.records if r.name == "memem.index.store"]
        assert len([m for m in said if m.startswith("bad note")]) == (0 if again else 50)
        assert ("… and 30 more bad notes (`memem doctor` lists them all)" in said) is not again


def test_a_line_feed_in_a_file_name_and_a_yes_no_title_are_shown_as_written(
    starter: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Audit: `memem search` printed a line feed in a file name raw (one result over two lines; a CR
    was already shown as \\u000d), and `title: true` as "True"."""
    write_note(starter, "two\nlines", "zqxnewline in its file name", id="newline")  # no title: the file's name
    write_note(starter, "yes", "zqxyesno titled true", id="yesno", title=True)
    assert "title: true\n" in (starter / "memem" / "memories" / "yes.md").read_text()
    code, out, _ = run(capsys, "search", "zqxnewline")
    assert code == 0 and "two\\u000alines  [newline]" in out and "memem/memories/two\\u000alines.md" in out
    assert "two\nlines" not in out
    code, out, _ = run(capsys, "get", "yesno")
    assert code == 0 and out.startswith("# true  [yesno]")
    code, out, _ = run(capsys, "get", "newline", "--json")
    assert json.loads(out)[0]["path"] == "memem/memories/two\nlines.md"  # JSON carries it exactly


def test_a_note_that_became_a_folder_or_unreadable_is_a_clear_error_never_a_traceback(
    starter: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Audit: after `rm ghost.md; mkdir ghost.md`, `memem get ghost` ended in IsADirectoryError (the
    daemon: a 500); after `chmod 000`, get and deprecate in PermissionError."""
    from tests.unreadable import without_root_reads

    memories = starter / "memem" / "memories"
    ghost = write_note(starter, "ghost", "zqxghost haunts the index", id="ghost")
    locked = write_note(starter, "locked", "zqxlocked behind a chmod", id="locked")
    run(capsys, "index")
    ghost.unlink()
    ghost.mkdir()
    code, _, err = run(capsys, "get", "ghost")
    assert code == 1 and err.startswith("memem: no memory with id") and "Traceback" not in err
    code, out, _ = run(capsys, "search", "zqxghost haunts the index", "--json")
    assert "ghost" not in {hit["id"] for hit in json.loads(out)}
    locked.chmod(0)
    try:
        with without_root_reads():
            for argv in (("get", "locked"), ("deprecate", "locked")):
                code, _, err = run(capsys, *argv)
                assert code == 1 and err.startswith("memem: no memory with id"), err
            code, out, _ = run(capsys, "status")
        assert "memem/memories/locked.md: cannot be read (Permission denied)" in out
    finally:
        locked.chmod(0o644)
    assert (memories / "locked.md").read_text().startswith("---\nid: locked")


def test_a_memory_saved_under_a_dotted_title_is_indexed(starter: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Audit: `--title "../../Rotate keys monthly"` wrote `.. Rotate keys monthly.md`, a dot-name the
    scanner skips: the memory was never indexed, and `get` of its id answered 404."""
    for title, name in (
        ("../../Rotate keys monthly", "Rotate keys monthly.md"),
        (".  .Keep logs short", "Keep logs short.md"),
    ):
        code, out, _ = run(capsys, "save", f"{title}: a rule kept for the audit", "--title", title, "--json")
        assert code == 0, out
        saved = json.loads(out)
        assert saved["path"] == f"memem/memories/{name}"
        code, out, _ = run(capsys, "get", saved["id"])
        assert code == 0 and name.removesuffix(".md") in out
