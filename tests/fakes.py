"""Test doubles: a deterministic embedder so unit tests need no model and run in milliseconds."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from mgqa.lexical import stem
from mgqa.text import words

FAKE_MODEL = "fake-hash"


class FakeEmbedder:
    """Hashing bag of words: texts sharing stemmed words get close vectors; same text, same vector.

    `encoded` counts the texts it was asked to embed, so a test can see what a build re-embedded.
    """

    model_id = FAKE_MODEL

    def __init__(self, dimension: int = 64) -> None:
        self._dimension = dimension
        self.encoded = 0
        self.calls = 0

    @property
    def dimension(self) -> int:
        return self._dimension

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        self.calls += 1
        self.encoded += len(texts)
        vectors = np.zeros((len(texts), self._dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in words(text):
                vectors[row, _bucket(stem(word), self._dimension)] += 1.0
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1.0, norms)

    def count_tokens(self, text: str) -> int:
        return len(text.split())


class SlowEmbedder(FakeEmbedder):
    """Sleeps in every encode: gives a test time to kill a build while it is embedding."""

    def __init__(self, seconds: float, marker: str | None = None) -> None:
        super().__init__()
        self.seconds = seconds
        self.marker = marker

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        if self.marker:  # tells the parent process that embedding has started
            with open(self.marker, "a", encoding="utf-8") as handle:
                handle.write("encoding\n")
        time.sleep(self.seconds)
        return super().encode(texts, progress)


class RefusingEmbedder(FakeEmbedder):
    """Fails the test if anything is embedded or counted: for builds that must reuse everything."""

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        raise AssertionError("the embedder was asked to encode")

    def count_tokens(self, text: str) -> int:
        raise AssertionError("the embedder was asked to count tokens")


class BrokenEmbedder(FakeEmbedder):
    """An embedder whose model fails at question time."""

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        raise RuntimeError("model exploded")


def write(folder: Path, name: str, content: str | bytes) -> Path:
    """Write a fixture file under folder, making parent folders; bytes are written as they are."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def _bucket(word: str, dimension: int) -> int:
    # hashlib, not hash(): Python salts str hashes per process, and vectors must match across runs
    return int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "big") % dimension
