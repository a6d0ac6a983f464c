"""Build an ONNX graph of a BERT sentence encoder straight from its safetensors weights.

Why: the offline model package ships PyTorch-format weights only, and memem must not need torch.
A BERT encoder is a short, fixed recipe (embeddings, N x [self-attention, feed-forward], mean
pooling, L2 normalisation), so we write that recipe as an ONNX graph with the weights as
initialisers and let onnxruntime run it. The graph takes inputs padded to the longest sequence of
each batch, which is where the speed comes from (chromadb's stock model pads everything to 256).

The first output is the sentence embedding exactly as sentence-transformers computes it for
all-MiniLM-L6-v2: mean of the last hidden states over real tokens, then L2-normalised. The second,
`token_states`, is those last hidden states before pooling (padding rows included, as computed): recall's
late-interaction stage (`memem.recall.late`) compares a query's tokens with a note's, and a second
output costs nothing when it is not asked for.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

OPSET = 20  # first opset with a standard Gelu operator
TOKEN_STATES = "token_states"
GRAPH_VERSION = "v2"
"""Part of the cached graph's name: raised when the graph changes, so a graph built before is rebuilt
once (v2: the `token_states` output)."""

_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}


@dataclass(frozen=True)
class BertConfig:
    hidden_size: int
    num_layers: int
    num_heads: int
    intermediate_size: int
    layer_norm_eps: float

    @classmethod
    def from_file(cls, path: Path) -> BertConfig:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if raw.get("hidden_act", "gelu") != "gelu":
            raise ValueError(f"unsupported activation {raw['hidden_act']!r} in {path}")
        return cls(
            hidden_size=int(raw["hidden_size"]),
            num_layers=int(raw["num_hidden_layers"]),
            num_heads=int(raw["num_attention_heads"]),
            intermediate_size=int(raw["intermediate_size"]),
            layer_norm_eps=float(raw.get("layer_norm_eps", 1e-12)),
        )


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Read a safetensors file into numpy arrays.

    The format is an 8-byte little-endian header length, a JSON header of offsets, then raw
    tensors; reading it here saves a dependency for twenty lines of code.
    """
    data = path.read_bytes()
    (header_len,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + header_len])
    base = 8 + header_len
    tensors: dict[str, np.ndarray] = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype = _DTYPES.get(info["dtype"])
        if dtype is None:
            raise ValueError(f"unsupported tensor dtype {info['dtype']} for {name}")
        start, end = info["data_offsets"]
        array = np.frombuffer(data, dtype=dtype, count=(end - start) // np.dtype(dtype).itemsize, offset=base + start)
        tensors[name] = array.reshape(info["shape"]).astype(np.float32 if dtype == np.float16 else dtype)
    return tensors


class _GraphBuilder:
    """Accumulates nodes and initialisers with unique names; a thin layer over onnx.helper."""

    def __init__(self) -> None:
        import onnx
        from onnx import helper, numpy_helper

        self.onnx = onnx
        self.helper = helper
        self.numpy_helper = numpy_helper
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self._counter = 0

    def name(self, hint: str) -> str:
        self._counter += 1
        return f"{hint}_{self._counter}"

    def const(self, hint: str, array: np.ndarray) -> str:
        name = self.name(hint)
        self.initializers.append(self.numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def op(self, op_type: str, inputs: list[str], hint: str | None = None, **attrs: Any) -> str:
        out = self.name(hint or op_type.lower())
        self.nodes.append(self.helper.make_node(op_type, inputs, [out], **attrs))
        return out

    def linear(self, x: str, weight: np.ndarray, bias: np.ndarray, hint: str) -> str:
        # torch Linear stores weight as [out, in]; MatMul wants [in, out].
        y = self.op("MatMul", [x, self.const(hint + "_w", weight.T.astype(np.float32))])
        return self.op("Add", [y, self.const(hint + "_b", bias.astype(np.float32))], hint)

    def layer_norm(self, x: str, weight: np.ndarray, bias: np.ndarray, eps: float, hint: str) -> str:
        return self.op(
            "LayerNormalization",
            [x, self.const(hint + "_g", weight), self.const(hint + "_beta", bias)],
            hint,
            axis=-1,
            epsilon=eps,
        )


def build_bert_encoder(weights: dict[str, np.ndarray], config: BertConfig) -> bytes:
    """Return a serialised ONNX model: (input_ids, attention_mask) -> (normalised embeddings, token states)."""
    g = _GraphBuilder()
    h, heads = config.hidden_size, config.num_heads
    head_dim = h // heads
    w = weights

    def p(name: str) -> np.ndarray:
        for prefix in ("", "bert."):
            if prefix + name in w:
                return w[prefix + name]
        raise KeyError(f"weight {name!r} not found in the model file")

    # Embeddings. Token type ids are always 0 for single sentences, so that row is folded into
    # the position table and the graph needs no third input.
    word = g.const("word_emb", p("embeddings.word_embeddings.weight"))
    pos_table = p("embeddings.position_embeddings.weight") + p("embeddings.token_type_embeddings.weight")[0]
    pos = g.const("pos_emb", pos_table.astype(np.float32))
    x = g.op("Gather", [word, "input_ids"], axis=0)
    seq_shape = g.op("Shape", ["input_ids"])
    seq_len = g.op(
        "Slice", [seq_shape, g.const("one", np.array([1], np.int64)), g.const("two", np.array([2], np.int64))]
    )
    zero = g.const("zero", np.array([0], np.int64))
    pos_slice = g.op("Slice", [pos, zero, seq_len, zero])
    x = g.op("Add", [x, pos_slice])
    x = g.layer_norm(
        x, p("embeddings.LayerNorm.weight"), p("embeddings.LayerNorm.bias"), config.layer_norm_eps, "emb_ln"
    )

    # Additive attention mask [B, 1, 1, S]: 0 for real tokens, a large negative for padding.
    mask_f = g.op("Cast", ["attention_mask"], to=g.onnx.TensorProto.FLOAT)
    mask_4d = g.op("Unsqueeze", [mask_f, g.const("axes12", np.array([1, 2], np.int64))])
    inverted = g.op("Sub", [g.const("f1", np.array(1.0, np.float32)), mask_4d])
    mask_bias = g.op("Mul", [inverted, g.const("neg", np.array(-1e4, np.float32))])

    split_shape = g.const("heads_shape", np.array([0, 0, heads, head_dim], np.int64))
    merge_shape = g.const("merge_shape", np.array([0, 0, h], np.int64))
    scale = g.const("scale", np.array(1.0 / np.sqrt(head_dim), np.float32))

    for i in range(config.num_layers):
        pre = f"encoder.layer.{i}."
        # One fused projection for Q, K and V: a single larger MatMul is faster than three.
        qkv_w = np.concatenate([p(pre + f"attention.self.{n}.weight") for n in ("query", "key", "value")], axis=0)
        qkv_b = np.concatenate([p(pre + f"attention.self.{n}.bias") for n in ("query", "key", "value")], axis=0)
        qkv = g.linear(x, qkv_w, qkv_b, f"l{i}_qkv")
        q, k, v = (g.name(f"l{i}_{n}") for n in "qkv")
        g.nodes.append(
            g.helper.make_node("Split", [qkv, g.const("split", np.array([h, h, h], np.int64))], [q, k, v], axis=-1)
        )
        qh = g.op("Transpose", [g.op("Reshape", [q, split_shape])], perm=[0, 2, 1, 3])
        kh = g.op("Transpose", [g.op("Reshape", [k, split_shape])], perm=[0, 2, 3, 1])
        vh = g.op("Transpose", [g.op("Reshape", [v, split_shape])], perm=[0, 2, 1, 3])
        scores = g.op("Add", [g.op("Mul", [g.op("MatMul", [qh, kh]), scale]), mask_bias])
        probs = g.op("Softmax", [scores], axis=-1)
        ctx = g.op("Transpose", [g.op("MatMul", [probs, vh])], perm=[0, 2, 1, 3])
        ctx = g.op("Reshape", [ctx, merge_shape])
        attn = g.linear(
            ctx, p(pre + "attention.output.dense.weight"), p(pre + "attention.output.dense.bias"), f"l{i}_ao"
        )
        x = g.layer_norm(
            g.op("Add", [attn, x]),
            p(pre + "attention.output.LayerNorm.weight"),
            p(pre + "attention.output.LayerNorm.bias"),
            config.layer_norm_eps,
            f"l{i}_ln1",
        )
        inter = g.op(
            "Gelu", [g.linear(x, p(pre + "intermediate.dense.weight"), p(pre + "intermediate.dense.bias"), f"l{i}_in")]
        )
        out = g.linear(inter, p(pre + "output.dense.weight"), p(pre + "output.dense.bias"), f"l{i}_out")
        x = g.layer_norm(
            g.op("Add", [out, x]),
            p(pre + "output.LayerNorm.weight"),
            p(pre + "output.LayerNorm.bias"),
            config.layer_norm_eps,
            f"l{i}_ln2",
        )

    # Mean pooling over real tokens, then L2 normalisation.
    mask_3d = g.op("Unsqueeze", [mask_f, g.const("axis2", np.array([2], np.int64))])
    summed = g.op("ReduceSum", [g.op("Mul", [x, mask_3d]), g.const("axis1", np.array([1], np.int64))], keepdims=0)
    counts = g.op("ReduceSum", [mask_3d, g.const("axis1b", np.array([1], np.int64))], keepdims=0)
    counts = g.op("Max", [counts, g.const("eps", np.array(1e-9, np.float32))])
    mean = g.op("Div", [summed, counts])
    norm = g.op("ReduceL2", [mean, g.const("axis_last", np.array([-1], np.int64))], keepdims=1)
    norm = g.op("Max", [norm, g.const("eps2", np.array(1e-12, np.float32))])
    g.nodes.append(g.helper.make_node("Div", [mean, norm], ["embeddings"]))
    g.nodes.append(g.helper.make_node("Identity", [x], [TOKEN_STATES]))

    helper, tp = g.helper, g.onnx.TensorProto
    graph = helper.make_graph(
        g.nodes,
        "bert_sentence_encoder",
        [
            helper.make_tensor_value_info("input_ids", tp.INT64, ["batch", "seq"]),
            helper.make_tensor_value_info("attention_mask", tp.INT64, ["batch", "seq"]),
        ],
        [
            helper.make_tensor_value_info("embeddings", tp.FLOAT, ["batch", h]),
            helper.make_tensor_value_info(TOKEN_STATES, tp.FLOAT, ["batch", "seq", h]),
        ],
        g.initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="memem")
    model.ir_version = 10
    g.onnx.checker.check_model(model)
    return bytes(model.SerializeToString())
