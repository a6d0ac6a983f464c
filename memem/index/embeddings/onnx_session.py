"""One way to open an ONNX model for every encoder memem runs (MiniLM, bge, the cross-encoder).

The daemon holds an embedder and the cross-encoder side by side under a 500 MB budget: each run gives
its working memory back (arena shrinkage), or a full index would leave its peak behind for good.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def open_session(model: Path, threads: int | None = None) -> tuple[Any, Any]:
    """The model's onnxruntime session (all graph optimisations, up to four threads, warnings off) and
    the run options every `run` passes."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = threads or min(4, os.cpu_count() or 1)
    options.log_severity_level = 3
    # Idle workers sleep instead of spinning: the daemon runs two models, and a query's embedding
    # must not leave its threads burning the cores the cross-encoder needs a moment later.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
    run_options = ort.RunOptions()
    run_options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
    return session, run_options
