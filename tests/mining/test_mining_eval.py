"""The mining evaluation: the offline extractor and the model path scored on the labelled sessions.

The labelled set is tests/fixtures/mining (five recorded Claude Code sessions and twelve written in
Claude Code's record format, with the lessons a careful reviewer would keep). The offline extractor
must not write junk (precision at least 0.80); the model path, answered by a recorded stand-in
that cuts off its answers about long text, must lose none of the lessons its answers hold.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from memem.cli.main import main
from memem.mining.evaluation import LabelsError, evaluate, load, totals
from memem.mining.extract_offline import OfflineExtractor
from memem.mining.lessons import Lesson
from tests.mining.recorded_model import RecordedModel
from tests.paths import FIXTURES

LABELLED = FIXTURES / "mining"


def test_the_offline_extractor_writes_no_junk() -> None:
    scores = evaluate(load(LABELLED), OfflineExtractor())
    summary = totals(scores)
    junk = [f"{s.name}: {n.title}" for s in scores for n in s.junk]
    assert summary["precision"] is not None and summary["precision"] >= 0.80, junk
    assert summary["found"] >= summary["lessons"] // 2  # it finds lessons too, not only avoids junk
    for s in scores:
        for note in s.notes:
            assert 3 <= len(note.title.split()) <= 14 and not note.title.endswith("…")
            assert all(tag.lower() not in {"issue", "itself", "doesn", "the", "this"} for tag in note.tags)
    routine = next(s for s in scores if s.name == "routine-rename.jsonl")
    assert routine.notes == []  # "never mind", "don't ever do that again", a question with "always": nothing


def test_the_offline_extractor_writes_nothing_from_narration_pasted_output_or_a_slip() -> None:
    """The reviewer's probe (tests/fixtures/mining-probe/README.md): the two sessions with no lesson
    give nothing, and what is written elsewhere is a lesson."""
    scores = {s.name: s for s in evaluate(load(FIXTURES / "mining-probe"), OfflineExtractor())}
    nothing = ("a-debug-narration", "d-pasted-logs-code", "helm-worker-crashloop", "postgres-slow-report",
               "react-invoice-sort", "nginx-502-upstream-port", "pandas-revenue-header-row",
               "kotlin-gradle-package-rename", "vite-hmr-full-reload", "jupyter-kernel-oom",
               "laravel-order-mail-blank-total", "03-k8s-payments-restarts")  # fmt: skip
    assert all(scores[f"{name}.jsonl"].notes == [] for name in nothing)
    summary = totals(list(scores.values()))
    assert summary["precision"] is not None and summary["precision"] >= 0.85
    assert summary["found"] >= 28, [n.title for s in scores.values() for n in s.notes]


def test_the_model_path_loses_no_lesson_its_answers_hold() -> None:
    model = RecordedModel()
    labelled = load(LABELLED)
    scores = evaluate(labelled, model.extractor())
    summary = totals(scores)
    assert model.cut_offs() > 0 and summary["set_aside"] == 0  # cut off, asked again about less, recovered
    for item, scored in zip(labelled, scores, strict=True):
        recorded = [Lesson.model_validate(x) for x in model.recorded]
        held = [label for label in item.lessons if any(label.fits(r) for r in recorded)]
        # every labelled lesson that some recorded answer states was found in this session's notes
        assert scored.found == sum(1 for label in held if any(label.fits(n) for n in scored.notes)), scored.name
    assert summary["recall"] is not None and summary["recall"] >= 0.9
    assert summary["junk"] == 2  # the recording's two task-state notes: the model path trusts the model


def test_memem_eval_mining_prints_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "--mining", str(LABELLED)]) == 0
    out = capsys.readouterr().out
    assert "elixir-quality-ci.jsonl" in out and "precision" in out and "offline:" in out
    assert main(["eval", "--mining", str(LABELLED), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["summary"]["miner"] == "offline" and report["summary"]["precision"] >= 0.8


def test_a_broken_labelled_set_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(LabelsError, match=r"labels\.json does not exist"):
        load(tmp_path)
    (tmp_path / "labels.json").write_text(json.dumps({"transcripts": {"missing.jsonl": {"lessons": []}}}))
    with pytest.raises(LabelsError, match=r"missing\.jsonl does not exist"):
        load(tmp_path)
    assert main(["eval", "--mining", str(tmp_path)]) == 1
    assert "missing.jsonl does not exist" in capsys.readouterr().err
