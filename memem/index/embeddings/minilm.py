"""all-MiniLM-L6-v2 on onnxruntime, with inputs padded per batch instead of to 256 tokens.

Texts are tokenised together, sorted by length and cut into batches of similar length, so a batch of
short notes costs what short notes cost. Output matches sentence-transformers to within 1e-6.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from memem.index.embeddings.bert_graph import GRAPH_VERSION, TOKEN_STATES
from memem.index.embeddings.model_files import ModelFiles
from memem.index.embeddings.onnx_session import open_session
from memem.index.embeddings.padding import run_padded, run_padded_tokens

NAME = "memem-minilm-l6-v2"
NAME_INT8 = "memem-minilm-l6-v2-int8"
NAME_INT8_FFN = "memem-minilm-l6-v2-int8-ffn"
NAMES = {"fp32": NAME, "int8": NAME_INT8, "int8-ffn": NAME_INT8_FFN}
PRECISIONS = {
    "fp32": "float32",
    "int8": "int8 dense layers",
    "int8-ffn": "int8 feed-forward layers, float32 attention",
}
DIM = 384
MAX_TOKENS = 256  # the length sentence-transformers trained and truncates at
MAX_CHARS = MAX_TOKENS * 100
log = logging.getLogger(__name__)


def _cache_key(path: Path, extra: str) -> str:
    st = path.stat()
    return hashlib.sha256(f"{path.resolve()}:{st.st_size}:{st.st_mtime_ns}:{extra}".encode()).hexdigest()[:16]


def _publish(data_or_source: bytes | Path, target: Path) -> None:
    """Move a finished file into place atomically: two processes building at once both end whole."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.parent / f".{target.name}.{secrets.token_hex(4)}"
    if isinstance(data_or_source, bytes):
        temp.write_bytes(data_or_source)
    else:
        os.replace(data_or_source, temp)
    os.replace(temp, target)


def _fp32_model(files: ModelFiles, cache_dir: Path) -> Path:
    """The float32 ONNX model: built once from safetensors weights and cached, or the file as shipped."""
    if files.format == "onnx":
        return files.folder / "model.onnx"
    weights = files.folder / "model.safetensors"
    target = cache_dir / f"all-MiniLM-L6-v2-{_cache_key(weights, GRAPH_VERSION)}.onnx"
    return _built("build_fp32", files.folder, target)


def build_fp32(folder: Path, target: Path) -> None:
    """Build the float32 graph from the safetensors weights in `folder` and publish it at `target`."""
    from memem.index.embeddings.bert_graph import BertConfig, build_bert_encoder, read_safetensors

    config = BertConfig.from_file(folder / "config.json")
    _publish(build_bert_encoder(read_safetensors(folder / "model.safetensors"), config), target)


_BUILD = (
    "import sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]); "
    f"import {__name__} as m; getattr(m, sys.argv[2])(*map(Path, sys.argv[3:]))"
)


def _built(builder: str, *args: Path) -> Path:
    """The file `builder(*args)` publishes at its last argument: there already, or built in a child
    process (`_build_apart`), or, if that cannot be done, here."""
    target = args[-1]
    if not target.is_file() and not _build_apart(builder, args):
        globals()[builder](*args)  # looked up by name, as the child does
    return target


def _build_apart(builder: str, args: Sequence[Path]) -> bool:
    """Run `builder(*args)`, which publishes its last argument, in a child process; False if that could
    not be done.

    A build holds several copies of the weights at once (the float graph's: six times the model's size;
    the quantiser's: the loaded graph and its own libraries, which stay resident after it), once per
    install; in the daemon that peak would stay its high-water mark for life. `-P` and memem's own
    folder on the path: a module in the current folder (a vault's) cannot stand in for a library.
    """
    package_root = Path(__file__).resolve().parents[3]
    try:
        done = subprocess.run(
            [sys.executable, "-P", "-c", _BUILD, str(package_root), builder, *map(str, args)],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        log.warning("could not run %s in a child process (%s): building here", builder, exc)
        return False
    if done.returncode != 0 or not args[-1].is_file():
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        log.warning("%s failed in a child process (%s): building here", builder, last)
        return False
    return True


def _model(files: ModelFiles, cache_dir: Path, precision: str) -> Path:
    """The ONNX graph for `precision`, built and cached on first use."""
    fp32 = _fp32_model(files, cache_dir)
    return fp32 if precision == "fp32" else _int8_model(fp32, cache_dir, feed_forward_only=precision == "int8-ffn")


def _int8_model(fp32: Path, cache_dir: Path, feed_forward_only: bool = False) -> Path:
    """Weights of the dense layers quantised to int8, per channel; activations stay float.

    Only MatMuls against weights are quantised (quantising attention's activation products costs
    far more accuracy for little speed).

    `feed_forward_only` keeps the attention projections in float too and quantises the two wide
    feed-forward MatMuls of each layer (two thirds of the encoder's arithmetic). Rates and recall of
    both, beside the float model's: the README's Performance table.
    """
    kind = "int8-ffn" if feed_forward_only else "int8"
    target = cache_dir / f"{fp32.stem}-{kind}-{_cache_key(fp32, f'{kind}-v1')}.onnx"
    return _built("build_int8_ffn" if feed_forward_only else "build_int8", fp32, target)


def build_int8_ffn(fp32: Path, target: Path) -> None:
    """`build_int8` of the feed-forward layers only (a name the child process can be given)."""
    build_int8(fp32, target, feed_forward_only=True)


def build_int8(fp32: Path, target: Path, feed_forward_only: bool = False) -> None:
    """Quantise the float graph at `fp32` (see `_int8_model`) and publish it at `target`."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model = onnx.load(str(fp32))
    weights = {init.name: tuple(init.dims) for init in model.graph.initializer}
    for i, node in enumerate(model.graph.node):
        node.name = node.name or f"node_{i}"
    dense = {n.name: weights[x] for n in model.graph.node if n.op_type == "MatMul" for x in n.input if x in weights}
    if feed_forward_only:
        # The feed-forward weights are the ones with the intermediate (widest) dimension.
        widest = max(d for dims in dense.values() for d in dims)
        dense = {name: dims for name, dims in dense.items() if widest in dims}
    cache_dir = target.parent
    cache_dir.mkdir(parents=True, exist_ok=True)
    named = cache_dir / f".{target.stem}.{secrets.token_hex(4)}.src.onnx"
    out = cache_dir / f".{target.stem}.{secrets.token_hex(4)}.out.onnx"
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # the quantiser logs advice to the root logger; it is not the user's concern
    try:
        onnx.save(model, str(named))
        quantize_dynamic(
            str(named), str(out), weight_type=QuantType.QInt8, nodes_to_quantize=list(dense), per_channel=True
        )
        _publish(out, target)
    finally:
        root.setLevel(level)
        named.unlink(missing_ok=True)
        out.unlink(missing_ok=True)


class MiniLMEmbedder:
    """Sentence embeddings; thread-safe (onnxruntime sessions allow concurrent runs)."""

    dim = DIM
    cosine_baseline = 0.0  # the model recall's cosine thresholds were set with

    def __init__(self, files: ModelFiles, cache_dir: Path, precision: str = "fp32", threads: int | None = None) -> None:
        from tokenizers import Tokenizer

        if precision not in NAMES:
            raise ValueError(f"precision must be one of {', '.join(NAMES)}, not {precision!r}")
        self.files = files
        self.name = NAMES[precision]
        self.description = (
            f"all-MiniLM-L6-v2, {PRECISIONS[precision]} ({files.format} from {files.origin}) on onnxruntime"
        )
        model_path = _model(files, cache_dir, precision)
        # memem's own graph pools and normalises; an exported BertModel returns token states instead.
        self._pooled = files.format == "safetensors"
        try:
            self._session, self._run_options = open_session(model_path, threads)
        except Exception as exc:
            # A graph memem built and cached (a disk that filled, a file damaged since) is built again
            # once; else every start would fall back to the hash embedder, for good.
            cached = [p for p in cache_dir.glob("all-MiniLM-L6-v2-*.onnx") if p.is_file()]
            rebuilt = model_path.with_name(model_path.name + ".rebuilt")
            if model_path not in cached or rebuilt.exists():
                raise  # not memem's build, or built again already: the cause is elsewhere (onnxruntime, memory)
            log.warning("the cached model %s cannot be loaded (%s): building it again", model_path, exc)
            for path in cached:
                path.unlink(missing_ok=True)
            model_path = _model(files, cache_dir, precision)
            model_path.with_name(model_path.name + ".rebuilt").touch()
            self._session, self._run_options = open_session(model_path, threads)
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._outputs = [o.name for o in self._session.get_outputs()]
        if self._pooled and TOKEN_STATES not in self._outputs:
            raise ValueError(f"{model_path} has no {TOKEN_STATES} output (it has {self._outputs})")
        tokenizer = Tokenizer.from_file(str(files.tokenizer))
        tokenizer.enable_truncation(MAX_TOKENS)
        tokenizer.no_padding()  # tokenizer.json ships a padding setting; we pad per batch ourselves
        self._tokenizer = tokenizer
        self._lock = threading.Lock()  # tokenizers' batch encode is not re-entrant across threads

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIM), np.float32)
        return run_padded(self._encode(texts), self._run, DIM)

    def embed_query(self, texts: Sequence[str]) -> np.ndarray:
        """A query is embedded as a note is: MiniLM was trained on symmetric pairs and takes no prefix."""
        return self.embed(texts)

    def embed_tokens(self, texts: Sequence[str]) -> tuple[np.ndarray, list[np.ndarray]]:
        """`embed`'s vectors and, per text, its tokens' last states L2-normalised, from the same run: a
        note's token states are stored as it is embedded, at no second pass of the model."""
        if not texts:
            return np.zeros((0, DIM), np.float32), []
        return run_padded_tokens(self._encode(texts), self._run_tokens, DIM)

    def embed_query_tokens(self, texts: Sequence[str]) -> tuple[np.ndarray, list[np.ndarray]]:
        """As `embed_tokens`: no prefix for a query (see `embed_query`)."""
        return self.embed_tokens(texts)

    def _encode(self, texts: Sequence[str]) -> list[Any]:
        # The model reads the first MAX_TOKENS tokens; tokenising all of a 1 MB note to find them
        # cost 1.7 s and 110 MB. No text spends more than MAX_CHARS characters on that many tokens
        # (a word over 100 characters is one unknown token), so the cut changes no embedding of prose.
        clipped = [text[:MAX_CHARS] for text in texts]
        with self._lock:
            return list(self._tokenizer.encode_batch(clipped))

    def _feeds(self, ids: np.ndarray, mask: np.ndarray, types: np.ndarray) -> dict[str, Any]:
        feeds: dict[str, Any] = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = types
        return feeds

    def _run(self, ids: np.ndarray, mask: np.ndarray, types: np.ndarray) -> np.ndarray:
        if self._pooled:  # only the pooled output is fetched: the token states are not copied out
            result = self._session.run([self._outputs[0]], self._feeds(ids, mask, types), self._run_options)[0]
            return np.asarray(result, np.float32)
        return self._run_tokens(ids, mask, types)[0]

    def _run_tokens(self, ids: np.ndarray, mask: np.ndarray, types: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self._pooled:
            pooled, states = self._session.run(
                [self._outputs[0], TOKEN_STATES], self._feeds(ids, mask, types), self._run_options
            )
            return np.asarray(pooled, np.float32), np.asarray(states, np.float32)
        # An exported BertModel's first output is the last layer's token states: pooled here.
        states = np.asarray(self._session.run(None, self._feeds(ids, mask, types), self._run_options)[0], np.float32)
        weights = mask[..., None].astype(np.float32)
        mean = (states * weights).sum(1) / np.maximum(weights.sum(1), 1e-9)
        return np.asarray(mean / np.maximum(np.linalg.norm(mean, axis=1, keepdims=True), 1e-12), np.float32), states
