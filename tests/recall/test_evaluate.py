"""`memem eval`: the metrics, the command, and the LoCoMo-dev figures as a regression guard."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from memem.cli.main import main
from memem.recall.evaluate import LabelledQuery, Scores, evaluate, load_queries
from memem.testing import write_note
from tests.paths import locomo_or_skip


def test_recall_at_k_and_mrr_by_hand() -> None:
    s = Scores((1, 2, 3))
    s.add(["a", "x", "b"], frozenset({"a", "b"}))  # R@1 .5, R@2 .5, R@3 1, RR 1
    s.add(["x", "y", "c"], frozenset({"c"}))  # R@1 0, R@2 0, R@3 1, RR 1/3
    assert s.as_dict() == {"n": 2, "R@1": 0.25, "R@2": 0.25, "R@3": 1.0, "MRR": round((1 + 1 / 3) / 2, 4)}


def test_evaluate_reports_each_mode_and_category() -> None:
    queries = [
        LabelledQuery("q1", frozenset({"a"}), None, "1 multi-hop"),
        LabelledQuery("q2", frozenset({"b"}), None, "2 temporal"),
    ]

    def retrieve(qs: object, mode: str, depth: int) -> list[list[str]]:
        return [["a"], ["b"]] if mode == "good" else [["z"], ["b"]]

    report = evaluate(queries, retrieve, ["good", "bad"], (1,))
    assert report["good"]["all"]["R@1"] == 1.0 and report["bad"]["all"]["R@1"] == 0.5
    assert report["bad"]["1 multi-hop"]["R@1"] == 0.0 and report["bad"]["2 temporal"]["R@1"] == 1.0


def test_loader_prefers_audited_gold_and_skips_unlabelled(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in [
        {"question": "a?", "gold_ids": ["x"], "gold_ids_audited": ["y"], "sample_id": "p", "category": 4},
        {"query": "b?", "gold_ids": ["z"], "project": "q"},
        {"question": "c?", "gold_ids": [], "category": 4},
        {"question": "d?", "gold_ids": ["w"], "category": 5},
    ]))  # fmt: skip
    queries, skipped = load_queries(path, {"4", "None"})
    assert [(q.question, set(q.gold), q.project, q.category) for q in queries] == [
        ("a?", {"y"}, "p", "4 single-hop"), ("b?", {"z"}, "q", "all"),
    ]  # fmt: skip
    assert skipped == 1


def test_eval_command_on_a_small_vault(fresh_vault: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_note(fresh_vault, "Migrations", "Run alembic upgrade head before the app starts.", id="mig", project="api")
    write_note(fresh_vault, "Caching", "Responses are cached in redis for five minutes.", id="cache", project="api")
    write_note(fresh_vault, "Other", "Deploy with the release script.", id="dep", project="web")
    queries = tmp_path / "q.jsonl"
    lines = [
        {"question": "how do database migrations run?", "gold_ids": ["mig"], "project": "api", "category": 4},
        {"question": "how long are responses cached", "gold_ids": ["cache"], "project": "api", "category": 1},
    ]
    queries.write_text("\n".join(json.dumps(line) for line in lines))
    code = main(["--vault", str(fresh_vault), "eval", str(queries), "--k", "1,2", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["queries"] == 2
    for stage in ("hybrid", "late", "reranked"):
        assert out["report"][stage]["all"] == {"n": 2, "R@1": 1.0, "R@2": 1.0, "MRR": 1.0}
    assert set(out["report"]) == {"hybrid", "late", "fulltext", "vector", "reranked"}
    # each project's figures beside the mean (leave-one-out folds on LoCoMo)
    assert out["report"]["reranked"]["project api"]["n"] == 2


def test_eval_refuses_a_vault_the_queries_were_not_made_for(
    fresh_vault: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_note(fresh_vault, "Caching", "Responses are cached in redis for five minutes.", id="cache", project="api")
    queries = tmp_path / "q.jsonl"
    queries.write_text(json.dumps({"question": "what does session 7 say?", "gold_ids": ["conv-26-d7"]}) + "\n")
    assert main(["--vault", str(fresh_vault), "eval", str(queries)]) == 1
    assert "none of the 1 gold ids is in the vault" in capsys.readouterr().err


@pytest.mark.slow
def test_locomo_dev_recall_regression_guard(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The README's LoCoMo-dev figures must not regress by more than a point (skips without the data)."""
    locomo = locomo_or_skip()
    vault = tmp_path / "locomo"
    shutil.copytree(locomo / "memem", vault / "memem")
    queries = locomo / "queries.jsonl"
    code = main(["--vault", str(vault), "eval", str(queries), "--category", "1,2,3,4", "--k", "5,10", "--json"])
    report = json.loads(capsys.readouterr().out)["report"]
    assert code == 0
    hybrid, bm25, vec = (report[m]["all"] for m in ("hybrid", "fulltext", "vector"))
    assert hybrid["n"] == 383  # 385 queries in categories 1–4, 2 without gold ids
    assert hybrid["R@10"] >= 0.74 and hybrid["R@5"] >= 0.64
    assert hybrid["R@10"] > bm25["R@10"] + 0.05 and hybrid["R@10"] > vec["R@10"] + 0.05
    # the cross-encoder's second look: ahead of the first stage in every conversation (each a fold)
    reranked = report["reranked"]
    assert reranked["all"]["R@5"] >= 0.72 and reranked["all"]["R@10"] >= 0.77 and reranked["all"]["MRR"] >= 0.65
    for conversation in ("conv-26", "conv-30", "conv-41"):
        fold = f"project {conversation}"
        assert reranked[fold]["R@5"] > report["hybrid"][fold]["R@5"] + 0.05
        assert reranked[fold]["MRR"] > report["hybrid"][fold]["MRR"] + 0.08
