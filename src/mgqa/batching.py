"""A micro-batcher in front of the embedder: questions asked at the same moment are embedded in one call.

The model runs one call at a time, on the batcher's thread. While questions come in a crowd (the last call had
company), the first of a call waits a few milliseconds for others to join; a question that comes alone goes at once,
as waiting would only delay it (by 4 ms, a fifth of a lone question's answer over HTTP: benchmarks/bench_serve.py).
Build-sized calls go straight to the embedder.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from mgqa.embedding import Embedder

WAIT_SECONDS = 0.004  # how long the first question of a batch waits for company
MAX_BATCH = 32  # texts per model call: the embedder's batch size
DIRECT_FROM = 8  # a call with this many texts is a batch already (a build, clause vectors of a long question)
LENGTH_SPREAD = 2.0  # pooled texts up to this many times longer than the shortest of their group share a run
SHORT_TEXT = 40  # characters: shorter texts count as this long (a few word pieces more cost next to nothing)


class MicroBatcher:
    """An Embedder that pools small concurrent `encode` calls into one; everything else is the wrapped one's."""

    def __init__(self, embedder: Embedder, wait: float = WAIT_SECONDS, max_batch: int = MAX_BATCH) -> None:
        self.embedder = embedder
        self.model_id = embedder.model_id
        self.wait = wait
        self.max_batch = max_batch
        self.calls = 0  # model calls made for pooled requests: lets a test see that questions were pooled
        self._pending: queue.Queue[tuple[list[str], int, Future]] = queue.Queue()
        self._worker: threading.Thread | None = None
        self._starting = threading.Lock()
        self._crowd = False  # whether the last model call pooled more than one request

    @property
    def dimension(self) -> int:
        return self.embedder.dimension

    def count_tokens(self, text: str) -> int:
        return self.embedder.count_tokens(text)

    def __getattr__(self, name: str) -> object:  # max_tokens and the like, as the wrapped embedder has them
        return getattr(self.__dict__["embedder"], name)

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        if progress or not texts or len(texts) >= DIRECT_FROM:
            return self.embedder.encode(texts, progress=progress)
        return self._pooled(texts)[0]

    def encode_states(self, texts: Sequence[str]) -> tuple[np.ndarray, list[np.ndarray]]:
        """Vectors and the triage's states, pooled like `encode` (the states come from the same model run)."""
        if not texts or len(texts) >= DIRECT_FROM:
            return self.embedder.encode_states(texts)
        return self._pooled(texts)

    def layer_states(self, texts: Sequence[str], layers: int) -> list[np.ndarray]:
        """States going into the last `layers` layers (the answer check's pairs), pooled like `encode`: texts
        asking for the same states share a model run that stops there."""
        if not texts or len(texts) >= DIRECT_FROM:
            return self.embedder.layer_states(texts, layers)
        return self._pooled(texts, layers)[1]

    def _pooled(self, texts: Sequence[str], layers: int = 0) -> tuple[np.ndarray | None, list[np.ndarray] | None]:
        """Join the next model call; `layers` 0 asks for vectors (and the last layer's states when the model
        gives them), a number for only the states going into that many last layers."""
        self._start()
        done: Future = Future()
        self._pending.put((list(texts), layers, done))
        return done.result()

    def _start(self) -> None:
        with self._starting:
            if self._worker is None:
                self._worker = threading.Thread(target=self._run, name="mgqa-embed-batcher", daemon=True)
                self._worker.start()

    def _run(self) -> None:
        while True:
            batch = [self._pending.get()]
            size, deadline = len(batch[0][0]), time.monotonic() + (self.wait if self._crowd else 0.0)
            try:  # in a crowd, a short wait for the questions that arrive right behind the first
                while size < self.max_batch:
                    batch.append(self._pending.get(timeout=max(0.0, deadline - time.monotonic())))
                    size += len(batch[-1][0])
            except queue.Empty:
                pass
            self._crowd = len(batch) > 1
            for layers in sorted({request[1] for request in batch}):
                self._encode([(texts, done) for texts, kind, done in batch if kind == layers], layers)

    def _encode(self, batch: list[tuple[list[str], Future]], layers: int) -> None:
        texts = [text for request, _ in batch for text in request]
        self.calls += 1
        try:
            vectors, states = self._by_length(texts, layers)
        except BaseException as err:  # every waiting question gets the error, the worker lives on
            for _, done in batch:
                done.set_exception(err)
            return
        first = 0
        for request, done in batch:
            end = first + len(request)
            done.set_result((vectors[first:end] if vectors is not None else None,
                             states[first:end] if states is not None else None))
            first = end

    def _by_length(self, texts: list[str], layers: int = 0) -> tuple[np.ndarray | None, list[np.ndarray] | None]:
        """One model run per group of texts of similar length: a run pads every text to its longest, so a
        question pooled with an answer check's question-and-sentence pair would cost as much as the pair (a dozen
        questions with four pairs: 117 ms in one run, 57 ms in two). With the states when the model gives them:
        one run serves retrieval and the fine-tuned layers alike; `layers` > 0: only the states going into that
        many last layers, no vectors."""
        import numpy as np

        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        groups = [[order[0]]]
        for i in order[1:]:
            if len(texts[i]) > LENGTH_SPREAD * max(len(texts[groups[-1][0]]), SHORT_TEXT):
                groups.append([])
            groups[-1].append(i)
        with_states = layers > 0 or hasattr(self.embedder, "encode_states")
        vectors = np.zeros((len(texts), self.embedder.dimension), dtype=np.float32) if not layers else None
        states: list[np.ndarray] | None = [np.zeros(0)] * len(texts) if with_states else None
        for group in groups:
            chunk = [texts[i] for i in group]
            if layers:
                found, found_states = None, self.embedder.layer_states(chunk, layers)
            elif with_states:
                found, found_states = self.embedder.encode_states(chunk)
            else:
                found, found_states = self.embedder.encode(chunk), ()
            for i, state in zip(group, found_states):
                states[i] = state
            if vectors is not None:
                vectors[group] = found
        return vectors, states
