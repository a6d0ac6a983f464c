"""`memory_import` is confined: a model asking for any path gets only what the person meant to share.

Real files in a fake home: a project folder, memem's own state folder, dotfiles and cloud credential
files where they usually live, symlinks pointing out, a named pipe. And the promised chat exports:
a real Claude Code transcript, a ChatGPT export and a Claude.ai export.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import tempfile
from pathlib import Path

import pytest

from memem.config import claude_projects_dir, memem_home
from memem.errors import Refused
from memem.memory import importer
from memem.memory.importer import allowed_roots, import_path, usable_project_dir
from memem.memory.service import MemoryService
from memem.mining.chat_import import conversations, mine_export
from memem.recall.query import Query
from memem.recall.search import search

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project checkout inside the (fake) home folder, with a note worth importing."""
    folder = Path.home() / "code" / "shop"
    (folder / ".git").mkdir(parents=True)
    (folder / "docs").mkdir()
    (folder / "docs" / "Deploys.md").write_text("Deploys go out on Tuesdays after the 10:00 stand-up.\n")
    return folder


@pytest.fixture
def home_secrets() -> dict[str, Path]:
    """What a real home folder holds that must never become a memory."""
    home = Path.home()
    files = {
        "memem token": memem_home() / "token",
        "pgpass": home / ".pgpass",
        "npmrc": home / ".npmrc",
        "bash history": home / ".bash_history",
        "aws credentials": home / ".aws" / "credentials",
        "gcloud credentials": home / ".config" / "gcloud" / "application_default_credentials.json",
        "ssh key": home / ".ssh" / "id_ed25519",
        "kube config": home / ".kube" / "config",
    }
    for path in files.values():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("db.internal:5432:shop:admin:pretend-password-for-the-test\n")
    return files


def roots(service: MemoryService, project: Path | None) -> list[Path]:
    return allowed_roots(service.paths, project)


def test_a_file_in_the_project_is_imported(service: MemoryService, project: Path) -> None:
    report = import_path(service, project / "docs", roots(service, project), project="shop")
    assert [i["title"] for i in report.imported] == ["Deploys"]
    assert search(service.store, Query("when do deploys go out", project="shop"))[0].row.title == "Deploys"


def test_nothing_outside_the_allowed_folders(
    service: MemoryService, project: Path, home_secrets: dict[str, Path]
) -> None:
    allowed = roots(service, project)
    for path in home_secrets.values():
        with pytest.raises(Refused):
            import_path(service, path, allowed)
        with pytest.raises(Refused):
            import_path(service, path.parent, allowed)
    with pytest.raises(Refused, match="outside"):
        import_path(service, Path("/etc/passwd"), allowed)
    with pytest.raises(Refused, match="outside"):
        import_path(service, project / ".." / ".." / ".bash_history", allowed)
    # whether a path outside exists is not said: the same refusal for a file that is not there
    for missing in (Path("/etc/no-such-file-xyz"), Path.home() / ".no-such-folder", project / ".." / "nothing"):
        with pytest.raises(Refused, match="outside"):
            import_path(service, missing, allowed)
    assert service.store.catalog.count() == 0


def test_the_home_folder_is_never_a_project_root(service: MemoryService, home_secrets: dict[str, Path]) -> None:
    """A session started in the home folder (or /) must not open the whole home to imports."""
    for broad in (Path.home(), Path.home().parent, Path("/"), memem_home()):
        assert usable_project_dir(broad) is None
        with pytest.raises(Refused):
            import_path(service, home_secrets["pgpass"], roots(service, broad))


def test_a_dot_folder_of_home_is_never_a_project_root(service: MemoryService) -> None:
    """A session started in ~/.config (a dotfiles checkout) or ~/.claude would otherwise make every
    other program's notes and history there importable: dotfiles are only refused below the root."""
    history = Path.home() / ".config" / "Code" / "User" / "History" / "-5a1b2c" / "AbCd.txt"
    history.parent.mkdir(parents=True)
    history.write_text("an editor's local history of some file\n")
    claude_md = Path.home() / ".claude" / "CLAUDE.md"
    claude_md.parent.mkdir(parents=True)
    claude_md.write_text("personal instructions\n")
    for started_in, target in ((Path.home() / ".config", history.parents[3]), (claude_md.parent, claude_md)):
        assert usable_project_dir(started_in) is None
        with pytest.raises(Refused, match="outside"):
            import_path(service, target, roots(service, started_in))
    assert service.store.catalog.count() == 0


def test_a_link_in_a_folder_import_is_checked_for_what_it_points_to(service: MemoryService, project: Path) -> None:
    """Importing a folder reads a link's target only when importing the target itself would: a
    `settings.md` linked to `settings.py` is code, whatever its name says."""
    (project / "settings.py").write_text("DATABASES = {'default': {'NAME': 'shop'}}\n")
    (project / "docs" / "settings.md").symlink_to(project / "settings.py")
    allowed = roots(service, project)
    with pytest.raises(Refused, match="not a markdown"):
        import_path(service, project / "docs" / "settings.md", allowed)
    report = import_path(service, project / "docs", allowed, project="shop")
    assert [i["title"] for i in report.imported] == ["Deploys"]
    assert "settings.md" in {Path(s["path"]).name for s in report.skipped}
    with pytest.raises(Refused, match="NUL"):
        import_path(service, Path(f"{project}/docs/Deploys.md\x00/../x"), allowed)


def test_symlinks_out_of_the_project_are_not_followed(service: MemoryService, project: Path) -> None:
    (project / "docs" / "passwd.md").symlink_to("/etc/passwd")
    (project / "docs" / "token.md").symlink_to(memem_home() / "token")
    (memem_home() / "token").write_text("the-daemon-token\n")
    allowed = roots(service, project)
    with pytest.raises(Refused, match="outside"):
        import_path(service, project / "docs" / "passwd.md", allowed)
    with pytest.raises(Refused):
        import_path(service, project / "docs" / "token.md", allowed)
    report = import_path(service, project / "docs", allowed, project="shop")
    assert [i["title"] for i in report.imported] == ["Deploys"]
    skipped = {Path(s["path"]).name for s in report.skipped}
    assert {"passwd.md", "token.md"} <= skipped
    assert "the-daemon-token" not in json.dumps(report.to_json())


def test_dotfiles_credential_files_and_pipes_in_the_project_are_skipped(service: MemoryService, project: Path) -> None:
    (project / ".env").write_text("STRIPE_SECRET_KEY=pretend\n")
    (project / ".npmrc").write_text("//registry.npmjs.org/:_authToken=pretend\n")
    (project / "credentials.json").write_text('{"installed": {"client_secret": "pretend"}}\n')
    (project / "service-account.json").write_text("{}\n")
    (project / "deploy.pem").write_text("-----BEGIN PRIVATE KEY-----\n")
    (project / ".github").mkdir()
    (project / ".github" / "NOTES.md").write_text("hidden folder\n")
    os.mkfifo(project / "pipe.md")
    allowed = roots(service, project)
    for name in (".env", ".npmrc", "credentials.json", "deploy.pem"):
        with pytest.raises(Refused):
            import_path(service, project / name, allowed)
    report = import_path(service, project, allowed, project="shop")  # must not hang on the pipe
    assert [i["title"] for i in report.imported] == ["Deploys"]
    reasons = {Path(s["path"]).name: s["reason"] for s in report.skipped}
    assert "credentials" in reasons["credentials.json"] and "regular file" in reasons["pipe.md"]


def test_only_notes_and_chat_exports_system_folders_and_hard_links_are_refused(
    service: MemoryService, project: Path
) -> None:
    (project / "settings.py").write_text("DATABASE = {'PASSWORD': 'x'}\n")
    (project / "logo.png").write_bytes(b"\x89PNG\r\n")
    os.link(project / "docs" / "Deploys.md", project / "docs" / "Deploys again.md")
    allowed = roots(service, project)
    for name in ("settings.py", "logo.png"):
        with pytest.raises(Refused, match="not a markdown"):
            import_path(service, project / name, allowed)
    report = import_path(service, project / "docs" / "Deploys again.md", allowed)
    assert report.imported == [] and "hard link" in report.skipped[0]["reason"]
    for system in ("/etc", "/var/log", "/usr/share"):
        assert usable_project_dir(system) is None


def test_a_file_the_secret_screen_flags_is_not_imported(service: MemoryService, project: Path) -> None:
    key = "sk-ant-api03-" + "Zq7" * 30 + "AA"
    (project / "docs" / "Setup.md").write_text(f"Use the key {key} for the staging bot.\n")
    report = import_path(service, project / "docs", roots(service, project), project="shop")
    reasons = {Path(s["path"]).name: s["reason"] for s in report.skipped}
    assert "secret" in reasons["Setup.md"] and key not in json.dumps(report.to_json())
    assert [r for r in service.store.catalog.rows() if r.title == "Setup"] == []


def test_configured_roots_extend_the_allowed_folders(
    service: MemoryService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    notes = tmp_path / "team-notes"
    notes.mkdir()
    (notes / "Reviews.md").write_text("Two approvals are needed before merging to main.\n")
    with pytest.raises(Refused, match="outside"):
        import_path(service, notes, roots(service, None))
    monkeypatch.setenv("MEMEM_IMPORT_ROOTS", str(notes))
    report = import_path(service, notes, roots(service, None))
    assert [i["title"] for i in report.imported] == ["Reviews"]


def _codes(n: int) -> list[str]:
    rng = random.Random(n)
    return [f"{rng.randrange(16**5):05x}-{rng.randrange(16**5):05x}" for _ in range(n)]


@pytest.mark.parametrize(
    "name", ["github-recovery-codes.txt", "recovery_codes.md", "Google backup-codes.txt", "bitlocker-recovery-key.txt",
             "2fa_codes.md", "Emergency Kit.txt"],
)  # fmt: skip
def test_a_recovery_code_file_is_a_credential_file(service: MemoryService, project: Path, name: str) -> None:
    (project / "docs" / name).write_text("Account: me@example.com\n")
    with pytest.raises(Refused, match="credentials file"):
        import_path(service, project / "docs" / name, roots(service, project))


@pytest.mark.parametrize(
    "text",
    ["\n".join(_codes(16)) + "\n", "# GitHub\n\n" + "\n".join(_codes(16)) + "\n",
     "\n".join(f"{a[:4]} {b[:4]}".replace("a", "7").replace("b", "3").replace("c", "1").replace("d", "9")
                .replace("e", "4").replace("f", "0") for a, b in (c.split("-") for c in _codes(10))) + "\n"],
    ids=["github", "github with a heading", "google"],
)  # fmt: skip
def test_a_file_of_recovery_codes_is_not_imported_whatever_its_name(
    service: MemoryService, project: Path, text: str
) -> None:
    (project / "docs" / "Personal.md").write_text(text)
    report = import_path(service, project / "docs" / "Personal.md", roots(service, project))
    assert report.imported == [] and "recovery codes" in report.skipped[0]["reason"]
    assert service.store.catalog.count() == 0


def test_a_note_with_a_few_ids_is_still_imported(service: MemoryService, project: Path) -> None:
    text = "Release notes\n\nFixed in ab12c-4d5e6 and 7f8a9-0b1c2.\nSee also PROJ-1234.\n"
    (project / "docs" / "Release.md").write_text(text)
    assert len(import_path(service, project / "docs" / "Release.md", roots(service, project)).imported) == 1


def test_a_secret_in_a_file_name_is_never_repeated(service: MemoryService, project: Path) -> None:
    """The file's name is the secret (a token saved as a note's name): neither the answer, nor a
    refusal, repeats it."""
    from tests.memory.security_corpus import SECRETS

    token = SECRETS["GitHub token (classic)"].split()[1]
    (project / "notes").mkdir()
    (project / "notes" / f"{token}.md").write_text("Some deploy notes.\n")
    report = import_path(service, project / "notes", roots(service, project))
    assert report.imported == [] and token not in json.dumps(report.to_json())
    for missing in (project / f"{token}.md", Path("/srv") / token / "x.md"):
        with pytest.raises(Refused) as refused:
            import_path(service, missing, roots(service, project))
        assert token not in str(refused.value)


@pytest.mark.parametrize(
    ("where", "usable"),
    [("a git checkout", True), ("a marked folder", True), ("a folder Claude Code worked in", True),
     ("a plain folder", False), ("a checkout outside home", False), ("tmp", False),
     ("a folder outside home Claude Code worked in", True)],
)  # fmt: skip
def test_a_project_folder_named_by_a_request_must_be_a_project(
    where: str, usable: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The relay's header (and an HTTP caller's `project_dir`) is taken as an import root only for a
    project: in the home folder a git root, a `.memem-project` folder, or one with a Claude Code
    session; elsewhere (`/srv`, `/work`) only one with a Claude Code session, or under a listed root."""
    folder = Path.home() / "code" / where.replace(" ", "-")
    if "outside home" in where:
        folder = tmp_path / "srv" / "shop"
    folder.mkdir(parents=True)
    if where in ("a git checkout", "a checkout outside home"):
        (folder / ".git").mkdir()
    if where == "a marked folder":
        (folder / ".memem-project").write_text("shop\n")
    if "Claude Code worked in" in where:
        monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path / "claude"))
        (tmp_path / "claude" / "projects" / re.sub(r"[^A-Za-z0-9]", "-", str(folder.resolve()))).mkdir(parents=True)
    if where == "tmp":
        folder = Path(tempfile.gettempdir())
    assert (usable_project_dir(folder) is not None) is usable
    if where == "a checkout outside home":  # unless the person listed a root that holds it
        monkeypatch.setenv("MEMEM_IMPORT_ROOTS", str(tmp_path / "srv"))
        assert usable_project_dir(folder) == folder.resolve()


# --- chat exports ---------------------------------------------------------------------------------


def chatgpt_export() -> list[dict[str, object]]:
    def node(node_id: str, parent: str | None, role: str, text: str) -> dict[str, object]:
        message = {"author": {"role": role}, "content": {"content_type": "text", "parts": [text]}}
        return {"id": node_id, "parent": parent, "children": [], "message": message}

    return [{
        "title": "Package manager", "id": "c1", "current_node": "n3",
        "mapping": {
            "n0": node("n0", None, "system", "You are ChatGPT."),
            "n1": node("n1", "n0", "user", "From now on we always use pnpm instead of npm in the web repo."),
            "n2": node("n2", "n1", "assistant", "Understood: pnpm for the web repo."),
            "n3": node("n3", "n2", "user", "Thanks, that settles it."),
            "stale": node("stale", "n0", "user", "An edited-away branch that was never sent."),
        },
    }]  # fmt: skip


def claude_ai_export() -> list[dict[str, object]]:
    return [{
        "uuid": "conv-1", "name": "Style",
        "chat_messages": [
            {"sender": "human", "text": "We decided to keep every migration reversible, never drop columns in place."},
            {"sender": "assistant", "text": "", "content": [{"type": "text", "text": "Noted: reversible migrations."}]},
        ],
    }]  # fmt: skip


def test_the_three_export_formats_are_read_as_conversations(tmp_path: Path) -> None:
    transcript = FIXTURES / "transcripts" / "DRMacIver__claude-reliability__coverage-test-fix.jsonl"
    (claude_code,) = conversations(transcript, transcript.read_bytes())
    assert [t.role for t in claude_code.turns] == ["user", "assistant"]
    assert "multiply_numbers" in claude_code.turns[0].text
    (chatgpt,) = conversations(Path("conversations.json"), json.dumps(chatgpt_export()).encode())
    assert [t.text for t in chatgpt.turns] == [
        "From now on we always use pnpm instead of npm in the web repo.",
        "Understood: pnpm for the web repo.",
        "Thanks, that settles it.",
    ]  # the current branch only, the system prompt left out
    (claude_ai,) = conversations(Path("conversations.json"), json.dumps(claude_ai_export()).encode())
    assert [t.role for t in claude_ai.turns] == ["user", "assistant"]
    with pytest.raises(Refused, match="not a chat export"):
        conversations(Path("data.json"), b'{"rows": [1, 2, 3]}')


def test_chat_exports_are_mined_not_skipped(service: MemoryService, project: Path) -> None:
    exports = project / "exports"
    exports.mkdir()
    (exports / "chatgpt.json").write_text(json.dumps(chatgpt_export()))
    (exports / "claude.json").write_text(json.dumps(claude_ai_export()))
    shutil.copy(FIXTURES / "transcripts" / "DRMacIver__claude-reliability__coverage-test-fix.jsonl", exports)
    chat = lambda path, raw, proj: mine_export(service, path, raw, proj)  # noqa: E731
    report = import_path(service, exports, roots(service, project), project="shop", chat=chat)
    assert not any("chat exports" in s["reason"] for s in report.skipped)
    saved = {i["from"].rsplit("/", 1)[-1] for i in report.imported}
    assert {"chatgpt.json", "claude.json"} <= saved, report.to_json()
    rows = [r for r in service.store.catalog.rows() if r.source_type == "mined"]
    assert any("pnpm" in r.title for r in rows) and any("reversible" in r.title for r in rows)


def test_notes_from_other_tools_keep_their_properties(service: MemoryService, project: Path) -> None:
    """YAML, TOML (`+++`, as Hugo writes it) and JSON front matter, read with python-frontmatter."""
    notes = project / "docs" / "other-tools"
    notes.mkdir()
    (notes / "a.md").write_text(
        "---\ntitle: Cache keys\ntags: [redis]\nkind: convention\n---\nPrefix keys by tenant.\n"
    )
    (notes / "b.md").write_text('+++\ntitle = "Release train"\ntags = ["release"]\n+++\nShip every second Tuesday.\n')
    (notes / "c.md").write_text('{\n"title": "Code owners",\n"tags": ["review"]\n}\nEvery folder has an owner.\n')
    (notes / "d.md").write_text("---\ntitle: [unclosed\n---\nKept as plain text.\n")
    report = import_path(service, notes, roots(service, project), project="shop")
    assert sorted(i["title"] for i in report.imported) == ["Cache keys", "Code owners", "Release train", "d"]
    rows = {r.title: r for r in service.store.catalog.rows()}
    assert rows["Cache keys"].tags == ("redis",) and rows["Cache keys"].kind == "convention"
    assert rows["Release train"].tags == ("release",) and rows["Code owners"].tags == ("review",)


# --- one file's failure is that file's skip ---------------------------------------------------------


def _claude_ai(**fields: object) -> list[dict[str, object]]:
    return [{"uuid": "conv-1", **fields}]


MALFORMED_EXPORTS: dict[str, object] = {
    "chat_messages a number": _claude_ai(chat_messages=5),
    "chat_messages an object": _claude_ai(chat_messages={"sender": "human", "text": "x"}),
    "a message a list": _claude_ai(chat_messages=[["human", "text"]]),
    "a message's text a list": _claude_ai(chat_messages=[{"sender": "human", "text": ["a", "b"]}]),
    "a message's content blocks a number": _claude_ai(chat_messages=[{"sender": "human", "text": "", "content": 7}]),
    "a sender an object": _claude_ai(chat_messages=[{"sender": {"is": "human"}, "text": "We use pnpm."}]),
    "a time an object": _claude_ai(
        chat_messages=[{"sender": "human", "text": "We use pnpm.", "created_at": {"a": [1]}}]
    ),
    "a conversation id an object": [{"uuid": {"deep": [[1]]}, "chat_messages": []}],
    "mapping a list": [{"mapping": [1, 2], "current_node": "n1"}],
    "a node a number": [{"mapping": {"n1": 5}, "current_node": "n1"}],
    "current_node an object": [{"mapping": {"n1": {}}, "current_node": {"n1": 1}}],
    "a node's message a string": [{"mapping": {"n1": {"message": "hi", "parent": None}}, "current_node": "n1"}],
    "parts a string": [
        {
            "mapping": {"n1": {"message": {"author": {"role": "user"}, "content": {"parts": "text"}}}},
            "current_node": "n1",
        }
    ],
    "a role a list": [
        {
            "mapping": {"n1": {"message": {"author": {"role": ["user"]}, "content": {"parts": ["x"]}}}},
            "current_node": "n1",
        }
    ],
    "a parent pointing to itself": [{"mapping": {"n1": {"parent": "n1"}}, "current_node": "n1"}],
    "an export of numbers": [1, 2, 3],
    "nested 200,000 deep": "[" * 200_000 + "]" * 200_000,
    "an object nested 5,000 deep": '{"chat_messages": ' * 5_000 + "[]" + "}" * 5_000,
}


def _write_export(folder: Path, shape: object) -> Path:
    path = folder / "b.json"
    path.write_text(shape if isinstance(shape, str) else json.dumps(shape))
    return path


@pytest.mark.parametrize("shape", list(MALFORMED_EXPORTS), ids=list(MALFORMED_EXPORTS))
def test_a_malformed_chat_export_skips_itself_and_the_rest_is_imported(
    service: MemoryService, project: Path, monkeypatch: pytest.MonkeyPatch, shape: str
) -> None:
    """Before: `[{"chat_messages": 5}]` raised TypeError out of the import (a.md saved, c.md never read,
    no report), and 200,000 brackets a RecursionError."""
    monkeypatch.setenv("MEMEM_MINER", "offline")
    folder = project / "mixed"
    folder.mkdir()
    (folder / "a.md").write_text("Deploys go out on Tuesdays after the stand-up.\n")
    _write_export(folder, MALFORMED_EXPORTS[shape])
    (folder / "c.md").write_text("Every pull request needs two approvals before it is merged.\n")
    chat = lambda path, raw, proj: mine_export(service, path, raw, proj)  # noqa: E731
    report = import_path(service, folder, roots(service, project), project="shop", chat=chat)
    assert sorted(i["title"] for i in report.imported) == ["a", "c"], report.to_json()
    reasons = [s["reason"] for s in report.skipped if s["path"].endswith("b.json")]
    assert len(reasons) == 1 and reasons[0], report.to_json()


def test_a_file_that_fails_unexpectedly_is_skipped_with_a_reason(
    service: MemoryService, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever a file does (a bug memem does not know of yet), the report says what happened to the
    others: the class, not only the shapes above."""
    folder = project / "mixed"
    folder.mkdir()
    for name in ("a", "b", "c"):
        (folder / f"{name}.md").write_text(f"Note {name}: deploys go out on day {name} of the sprint.\n")
    real = importer._as_request

    def flaky(path: Path, text: str, project: str | None) -> object:
        if path.name == "b.md":
            raise KeyError("a bug")
        return real(path, text, project)

    monkeypatch.setattr(importer, "_as_request", flaky)
    report = import_path(service, folder, roots(service, project), project="shop")
    assert sorted(i["title"] for i in report.imported) == ["a", "c"]
    assert report.skipped == [{"path": str(folder / "b.md"), "reason": report.skipped[0]["reason"]}]
    assert "KeyError" in report.skipped[0]["reason"]


# --- the project folder a request names -------------------------------------------------------------


def _session_folder(folder: Path, recorded: Path | None) -> Path:
    """Claude Code's folder for sessions started in `folder`, with one transcript recording `recorded`."""
    sessions = claude_projects_dir() / re.sub(r"[^A-Za-z0-9]", "-", str(folder))
    sessions.mkdir(parents=True, exist_ok=True)
    if recorded is not None:
        record = {"type": "user", "cwd": str(recorded), "sessionId": "s1", "message": {"content": "hi"}}
        (sessions / "s1.jsonl").write_text(json.dumps(record) + "\n")
    return sessions


def test_a_folder_whose_name_is_only_a_prefix_of_a_session_folder_is_no_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`-tmp-x-ws-api-v2` is the sessions of `/tmp/x/ws/api-v2`, not of `/tmp/x/ws/api` or `/tmp/x/ws`."""
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path / "claude"))
    workspace = tmp_path / "x" / "ws"
    for name in ("api", "api-v2"):
        (workspace / name).mkdir(parents=True)
    _session_folder(workspace / "api-v2", workspace / "api-v2")
    assert usable_project_dir(workspace / "api-v2") == workspace / "api-v2"
    assert usable_project_dir(workspace / "api") is None
    assert usable_project_dir(workspace) is None


def test_two_folders_that_encode_alike_are_told_apart_by_the_recorded_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`/x/api.v2` and `/x/api-v2` share the session folder `-x-api-v2`: the transcripts say which one ran."""
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path / "claude"))
    dotted, dashed = tmp_path / "x" / "api.v2", tmp_path / "x" / "api-v2"
    dotted.mkdir(parents=True)
    dashed.mkdir()
    sessions = _session_folder(dashed, dashed)
    assert usable_project_dir(dashed) == dashed and usable_project_dir(dotted) is None
    (sessions / "s1.jsonl").unlink()  # no transcript says: the exact name is all there is to go on
    assert usable_project_dir(dotted) == dotted


# --- paths ----------------------------------------------------------------------------------------


def test_a_relative_path_is_read_from_the_project_folder(service: MemoryService, project: Path) -> None:
    """Not from the daemon's working folder, which is wherever it happened to be started."""
    from memem.daemon.operations import OpContext, run

    report = run(OpContext(service, project_dir=str(project)), "import", {"path": "docs", "project": "shop"})
    assert [i["title"] for i in report.imported] == ["Deploys"]
    with pytest.raises(Refused, match="relative path"):
        run(OpContext(service), "import", {"path": "docs"})
    with pytest.raises(Refused, match="relative path"):
        import_path(service, Path("docs"), roots(service, project))


def test_a_symlink_out_of_the_roots_is_named_without_where_it_leads(
    service: MemoryService, project: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere-private" / "inner"
    outside.mkdir(parents=True)
    (outside / "x.md").write_text("Something that lives outside the project.\n")
    (project / "docs" / "link").symlink_to(outside, target_is_directory=True)
    (project / "docs" / "x.md").symlink_to(outside / "x.md")
    with pytest.raises(Refused, match="leads through a symlink out of the allowed folders") as refused:
        importer._read(project / "docs" / "link" / "x.md", 1000)  # a folder on the way is the link
    report = import_path(service, project / "docs", roots(service, project))
    for message in [str(refused.value), json.dumps(report.to_json())]:
        assert "elsewhere-private" not in message, message
    assert {Path(s["path"]).name for s in report.skipped} == {"x.md"}  # (a link to a folder is not entered)
