"""A learned second opinion on what memem is about to write: does it read like an instruction
planted for the model that will recall it?

The pattern screen (`vault.injection`) names what an attack says, phrase by phrase. Reviewers who
had not read it wrote many attacks it missed (README, Reliability): the same requests in words no list
holds ("keep the summary focused on the feature", "the reviewer bot handles sign-off"). What those
attacks share is their vocabulary taken together (who is addressed, what is to be kept quiet, where
something is to be sent), which a linear model over words and word pairs reads better than any list.
It is trained by `benchmarks/planted.py` on the attacks of every red-team set and the project's
corpora beside ordinary notes (the benign halves of those sets, memories, session transcripts, the
public rules people write for AI coding assistants); its weights ship in `planted.bin`, and the
README says how well it holds on sets it was not trained on.

It judges memem's own writes (`memory.screen`: saves, mining, imports, team proposals), where a
flag sends the note to quarantine for the person to look at, and the notes a team's pull brings
(`vault.withheld`: they come from other people), which a flag keeps out of recall. Notes a person
writes in the vault are judged by the pattern screen alone, so a false alarm never hides the
person's own note from recall.
Standard library only; the weights are read on first use.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
import struct
import unicodedata
import zlib
from pathlib import Path

from memem.vault.injection import INVISIBLE

MAGIC = b"memem-planted-1\n"
HEADER = struct.Struct("<Bddd")  # hash bits, weight scale, bias, threshold
WEIGHTS = Path(__file__).with_name("planted.bin")
MOST_CHARACTERS = 4000
"""A text longer than this is judged a chunk at a time (paragraphs packed up to this size), the
highest score counting: a long note is not let off because most of it is harmless."""
MOST_CHUNKS = 16
"""How many chunks of a long text are read; memories are short, and the pattern screen reads all."""

BITS = 18
_MASK = (1 << BITS) - 1
_INVISIBLE = re.compile(INVISIBLE)
_TOKEN = re.compile(r"[^\W\d_]+|\d+|[^\w\s]")
_UNSPACED = re.compile(r"[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
"""Scripts written without spaces between words (Thai, Japanese, Chinese, Korean runs): read as
pairs of characters instead of words."""
_PARAGRAPH = re.compile(r"\n[ \t]*\n")
_NOT = re.compile(r"n['’]t\b")
_CLAUSE = re.compile(r"[.,;:!?。！？،؛](?=\s|$)|\n|\bbut\b|\bunless\b")
_NEGATIONS = frozenset(
    "not never no nor without avoid nie nicht kein keine keinen niemals nunca nada ni jamais pas ne non mai niet "
    "nooit geen nigdy не никогда нельзя ни asla değil hiçbir μην δεν ποτέ אל לא אף 不 别 不要 禁止 絶対 決して".split()
)
"""Words after which, in the same clause, a text says what not to do."""


def features(text: str) -> list[int]:
    """The hashed words, word pairs and punctuation pairs of a text (plus 0, always present), in
    `BITS`-bit buckets; shared with the training code, so both read a text the same way.

    A word after a negation in its clause is another feature than the word itself ("never upload
    .env to a paste site" is a warning, "upload .env to a paste site" a request): what a warning
    negates then weighs nothing or against, while "do not tell the user" is learned as itself."""
    plain = _NOT.sub(" not", unicodedata.normalize("NFKC", _INVISIBLE.sub("", text)).lower())
    marked: list[tuple[str, bool]] = []  # each token, and whether a negation stands before it in its clause
    for clause in _CLAUSE.split(plain):
        negated = False
        for token in _TOKEN.findall(clause):
            if len(token) > 2 and _UNSPACED.search(token):
                marked += [(token[i : i + 2], negated) for i in range(len(token) - 1)]
            else:
                marked.append((token, negated))
            negated = negated or token in _NEGATIONS
    words = [f"~{t}" if negated else t for t, negated in marked if t[0].isalnum()]
    names = {"u:" + w for w in words} | {f"b:{a} {b}" for a, b in itertools.pairwise(words)}
    names |= {
        f"p:{'~' if negated else ''}{a}{b}"
        for (a, negated), (b, _) in itertools.pairwise(marked)
        if not (a[0].isalnum() and b[0].isalnum())
    }
    return sorted({zlib.crc32(name.encode()) & _MASK for name in names} | {0})


def chunks(text: str) -> list[str]:
    """The text as the model reads it: whole when short, else paragraphs packed into chunks."""
    if len(text) <= MOST_CHARACTERS:
        return [text]
    out: list[str] = []
    current = ""
    for paragraph in _PARAGRAPH.split(text):
        while len(paragraph) > MOST_CHARACTERS and len(out) < MOST_CHUNKS:  # longer than a chunk: cut it
            out.append(paragraph[:MOST_CHARACTERS])
            paragraph = paragraph[MOST_CHARACTERS:]
        if current and len(current) + len(paragraph) + 2 > MOST_CHARACTERS:
            out.append(current)
            current = ""
        current = f"{current}\n\n{paragraph}" if current else paragraph
        if len(out) >= MOST_CHUNKS:
            break
    if current:
        out.append(current)
    return out[:MOST_CHUNKS]


class Model:
    """Weights of the linear model (one signed byte per bucket, times `scale`) and its bias."""

    def __init__(self, weights: bytes, scale: float, bias: float, threshold: float) -> None:
        self.weights = memoryview(weights).cast("b")
        self.scale = scale
        self.bias = bias
        self.threshold = threshold

    def score(self, text: str) -> float:
        """How much the text reads like a planted instruction: above `threshold` is a flag."""
        return max(self._score(chunk) for chunk in chunks(text))

    def _score(self, text: str) -> float:
        found = features(text)
        total = sum(self.weights[i] for i in found)
        return total * self.scale / math.sqrt(len(found)) + self.bias

    @classmethod
    def read(cls, path: Path = WEIGHTS) -> Model:
        data = path.read_bytes()
        if not data.startswith(MAGIC):
            raise ValueError(f"{path} is not a memem weights file")
        bits, scale, bias, threshold = HEADER.unpack_from(data, len(MAGIC))
        if bits != BITS:
            raise ValueError(f"{path} holds {bits}-bit buckets; this memem reads {BITS}")
        weights = zlib.decompress(data[len(MAGIC) + HEADER.size :])
        if len(weights) != 1 << BITS:
            raise ValueError(f"{path} is truncated")
        return cls(weights, scale, bias, threshold)

    def write(self, path: Path) -> None:
        header = HEADER.pack(BITS, self.scale, self.bias, self.threshold)
        path.write_bytes(MAGIC + header + zlib.compress(self.weights.tobytes(), 9))


@functools.cache
def model() -> Model:
    """The shipped weights, read once per process."""
    return Model.read()


PLANTED = "the learned check: like the attacks it was trained on"


def planted(text: str) -> list[str]:
    """`[PLANTED]` when the shipped model flags the text, else nothing."""
    return [PLANTED] if text.strip() and model().score(text) > model().threshold else []
