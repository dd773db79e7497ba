"""Sentence embeddings from all-MiniLM-L6-v2, computed with numpy alone (no torch, no hub).

``SentenceEncoder(model_dir)`` reads the files of the sentence-transformers model as shipped
(``model.safetensors``, ``tokenizer.json``, ``config.json``), tokenises with BERT's uncased
WordPiece and runs the 6-layer BERT forward pass: embeddings, self-attention, GELU
feed-forward, layer norm, then mean pooling over the real tokens and L2 normalisation. The
vectors match the reference implementation to float32 rounding; a paraphrase lands much
closer than an unrelated sentence (the tests check this).

``scripts/fetch_models.sh`` installs the files into ``TRIAGE_MODEL_DIR/minilm`` at install time.
"""

from __future__ import annotations

import json
import math
import unicodedata
from pathlib import Path

import numpy as np

MODEL_FILES = ("model.safetensors", "tokenizer.json", "config.json")
# sentence-transformers truncates at 256 word pieces for this model; triage text is cut before.
MAX_TOKENS = 256
_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}


def missing_files(model_dir: Path) -> list[str]:
    """The model files absent from ``model_dir`` (empty when the encoder can load)."""
    return [name for name in MODEL_FILES if not (model_dir / name).is_file()]


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Tensors by name from a .safetensors file: an 8-byte header size, a JSON header, raw data."""
    raw = path.read_bytes()
    size = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8 : 8 + size])
    header.pop("__metadata__", None)
    base = 8 + size
    tensors = {}
    for name, spec in header.items():
        start, end = spec["data_offsets"]
        dtype = np.dtype(_DTYPES[spec["dtype"]])
        array = np.frombuffer(raw, dtype=dtype, count=(end - start) // dtype.itemsize, offset=base + start)
        tensors[name] = array.reshape(spec["shape"]).astype(np.float32, copy=False)
    return tensors


def _is_punctuation(char: str) -> bool:
    code = ord(char)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def _is_cjk(code: int) -> bool:
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x20000 <= code <= 0x2A6DF
        or 0x2A700 <= code <= 0x2CEAF
        or 0xF900 <= code <= 0xFAFF
        or 0x2F800 <= code <= 0x2FA1F
    )


class WordPiece:
    """BERT's uncased tokenizer: clean, lower-case, strip accents, split punctuation, WordPiece."""

    def __init__(self, vocab: dict[str, int], *, unknown: str = "[UNK]", max_chars: int = 100) -> None:
        self.vocab = vocab
        self.unknown_id = vocab[unknown]
        self.cls_id = vocab["[CLS]"]
        self.sep_id = vocab["[SEP]"]
        self.max_chars = max_chars
        self._cache: dict[str, list[int]] = {}

    @classmethod
    def from_tokenizer_json(cls, path: Path) -> WordPiece:
        spec = json.loads(path.read_text(encoding="utf-8"))
        return cls(spec["model"]["vocab"])

    def words(self, text: str) -> list[str]:
        chars = []
        for char in unicodedata.normalize("NFD", text.lower()):
            code = ord(char)
            category = unicodedata.category(char)
            if code == 0 or code == 0xFFFD or (category.startswith("C") and char not in "\t\n\r"):
                continue
            if category == "Mn":
                continue
            if char.isspace():
                chars.append(" ")
            elif _is_punctuation(char) or _is_cjk(code):
                chars.append(f" {char} ")
            else:
                chars.append(char)
        return "".join(chars).split()

    def word_ids(self, word: str) -> list[int]:
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        ids: list[int] = []
        if len(word) > self.max_chars:
            ids = [self.unknown_id]
        else:
            start = 0
            while start < len(word):
                end = len(word)
                found = None
                while start < end:
                    piece = word[start:end] if start == 0 else "##" + word[start:end]
                    found = self.vocab.get(piece)
                    if found is not None:
                        break
                    end -= 1
                if found is None:
                    ids = [self.unknown_id]
                    break
                ids.append(found)
                start = end
        if len(self._cache) < 50_000:
            self._cache[word] = ids
        return ids

    def encode(self, text: str, *, max_tokens: int = MAX_TOKENS) -> list[int]:
        """Token ids with [CLS] and [SEP], truncated to ``max_tokens``."""
        ids: list[int] = []
        for word in self.words(text):
            ids.extend(self.word_ids(word))
            if len(ids) >= max_tokens - 2:
                break
        return [self.cls_id, *ids[: max_tokens - 2], self.sep_id]


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    # BERT's exact GELU, x * Phi(x); the tanh approximation would drift from the reference.
    # scipy comes with scikit-learn; imported here so the encoder module itself stays light.
    from scipy.special import erf

    return 0.5 * x * (1.0 + erf(x * np.float32(1 / math.sqrt(2.0))))


class SentenceEncoder:
    """all-MiniLM-L6-v2 as numpy arrays; ``encode(texts)`` returns unit vectors (n, 384)."""

    def __init__(self, model_dir: Path) -> None:
        model_dir = Path(model_dir)
        absent = missing_files(model_dir)
        if absent:
            raise FileNotFoundError(f"model files missing in {model_dir}: {', '.join(absent)}")
        config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        self.tokenizer = WordPiece.from_tokenizer_json(model_dir / "tokenizer.json")
        weights = read_safetensors(model_dir / "model.safetensors")
        # Checkpoints exported from BertModel have no "bert." prefix; others do.
        self.w = {name.removeprefix("bert."): array for name, array in weights.items()}
        self._fuse_qkv()

    def _fuse_qkv(self) -> None:
        # One (hidden, 3*hidden) matmul per layer instead of three.
        for i in range(self.layers):
            p = f"encoder.layer.{i}.attention.self."
            self.w[f"{p}qkv.weight"] = np.concatenate(
                [self.w[f"{p}{k}.weight"].T for k in ("query", "key", "value")], axis=1
            )
            self.w[f"{p}qkv.bias"] = np.concatenate(
                [self.w[f"{p}{k}.bias"] for k in ("query", "key", "value")]
            )
        for name in list(self.w):
            if name.endswith(".dense.weight"):
                self.w[name] = np.ascontiguousarray(self.w[name].T)

    def encode(self, texts: list[str], *, batch_size: int = 32) -> np.ndarray:
        """Unit-length sentence vectors, one row per text, in order."""
        ids = [self.tokenizer.encode(text) for text in texts]
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        out = np.zeros((len(ids), self.w["embeddings.word_embeddings.weight"].shape[1]), np.float32)
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            out[chunk] = self._forward([ids[i] for i in chunk])
        return out

    def _forward(self, batch: list[list[int]]) -> np.ndarray:
        w = self.w
        length = max(len(ids) for ids in batch)
        tokens = np.zeros((len(batch), length), np.int64)
        mask = np.zeros((len(batch), length), np.float32)
        for row, ids in enumerate(batch):
            tokens[row, : len(ids)] = ids
            mask[row, : len(ids)] = 1.0
        x = (
            w["embeddings.word_embeddings.weight"][tokens]
            + w["embeddings.position_embeddings.weight"][:length][None]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self.eps)
        n, t, hidden = x.shape
        size = hidden // self.heads
        blocked = (1.0 - mask)[:, None, None, :] * -1e9
        for i in range(self.layers):
            p = f"encoder.layer.{i}."
            qkv = x @ w[f"{p}attention.self.qkv.weight"] + w[f"{p}attention.self.qkv.bias"]
            qkv = qkv.reshape(n, t, 3, self.heads, size).transpose(2, 0, 3, 1, 4)
            q, k, v = qkv[0], qkv[1], qkv[2]
            scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(size) + blocked
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(n, t, hidden)
            attended = context @ w[f"{p}attention.output.dense.weight"] + w[f"{p}attention.output.dense.bias"]
            x = _layer_norm(
                x + attended,
                w[f"{p}attention.output.LayerNorm.weight"],
                w[f"{p}attention.output.LayerNorm.bias"],
                self.eps,
            )
            inner = _gelu(x @ w[f"{p}intermediate.dense.weight"] + w[f"{p}intermediate.dense.bias"])
            x = _layer_norm(
                x + inner @ w[f"{p}output.dense.weight"] + w[f"{p}output.dense.bias"],
                w[f"{p}output.LayerNorm.weight"],
                w[f"{p}output.LayerNorm.bias"],
                self.eps,
            )
        pooled = (x * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
