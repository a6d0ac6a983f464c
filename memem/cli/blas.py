"""One BLAS thread for memem's processes.

memem's own numpy products are small (a question's token states against a hundred candidates' in
`memem.recall.late`), too small to gain from a second thread. OpenBLAS's workers, though, keep
spinning for a while after each product, on the cores the cross-encoder needs right after it: in
the daemon that made the cross-encoder's run after the late-interaction stage markedly slower (the
README's Performance section has the figures). The models run in onnxruntime, whose threads are
configured on their own (`memem.index.embeddings.onnx_session`).

BLAS reads its thread count when it loads, so this must run before numpy is first imported; a count
the person set in the environment stands.
"""

from __future__ import annotations

import os
import sys

VARIABLES = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")
"""numpy's wheels bundle OpenBLAS (Accelerate on Apple silicon); a conda numpy may use MKL."""


def one_blas_thread() -> bool:
    """Ask BLAS for one thread in this process and the ones it starts; False when it is too late
    (numpy already loaded) and nothing was set."""
    if "numpy" in sys.modules:
        return False
    for variable in VARIABLES:
        os.environ.setdefault(variable, "1")
    return True
