"""The micro-batcher: questions asked together share one model call and each gets its own vector back."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from fakes import BrokenEmbedder, FakeEmbedder
from mgqa.batching import DIRECT_FROM, MicroBatcher

QUESTIONS = [f"does magnesium help question {n}" for n in range(12)]


class Held:
    """A fake embedder whose first model call holds until released, as a model busy with a question does."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.running, self.release = threading.Event(), threading.Event()

    def __getattr__(self, name: str):
        found = getattr(self.inner, name)
        if name not in ("encode", "encode_states", "layer_states"):
            return found

        def held(*args, **kwargs):
            self.running.set()
            assert self.release.wait(10)
            return found(*args, **kwargs)

        return held


def ask_together(batcher: MicroBatcher, questions: list[str], states: bool = False, layers: dict | None = None
                 ) -> list[object]:
    """The first question, then the rest while the model is busy with it (as in a crowd); what each caller got.
    The batcher's embedder must be a Held. `layers`: texts asked for their states into that many last layers."""
    results: list[object] = [None] * len(questions)

    def one(n: int) -> None:
        try:
            if layers and questions[n] in layers:
                results[n] = batcher.layer_states([questions[n]], layers[questions[n]])
                return
            call = batcher.encode_states if states else batcher.encode
            results[n] = call([questions[n]])
        except Exception as err:  # noqa: BLE001 - the test looks at what each caller got
            results[n] = err

    threads = [threading.Thread(target=one, args=(n,)) for n in range(len(questions))]
    threads[0].start()
    assert batcher.embedder.running.wait(10)
    for thread in threads[1:]:
        thread.start()
    waited = 0
    while batcher._pending.qsize() < len(questions) - 1 and waited < 1000:  # all wait behind the first (<= 10 s)
        threading.Event().wait(0.01)
        waited += 1
    batcher.embedder.release.set()
    for thread in threads:
        thread.join(timeout=10)
    return results


def test_questions_asked_together_share_model_calls_and_get_their_own_vectors():
    inner = FakeEmbedder()
    batcher = MicroBatcher(Held(inner))
    results = ask_together(batcher, QUESTIONS)
    for question, vectors in zip(QUESTIONS, results, strict=True):
        np.testing.assert_allclose(vectors, FakeEmbedder().encode([question]), rtol=1e-6)
    assert inner.encoded == len(QUESTIONS)
    assert inner.calls < len(QUESTIONS)  # pooled: fewer model calls than questions


def test_a_failing_model_fails_each_waiting_question_and_the_batcher_lives_on():
    batcher = MicroBatcher(Held(BrokenEmbedder()))
    results = ask_together(batcher, QUESTIONS[:4])
    assert all(isinstance(r, RuntimeError) for r in results)
    batcher.embedder = FakeEmbedder()
    assert batcher.encode(["still answering"]).shape == (1, 64)


def test_build_sized_calls_go_straight_to_the_embedder():
    inner = FakeEmbedder()
    batcher = MicroBatcher(inner)
    batcher.encode([f"text {n}" for n in range(DIRECT_FROM)])
    batcher.encode(["one"], progress=True)
    assert batcher.calls == 0 and inner.calls == 2
    assert (batcher.model_id, batcher.dimension, batcher.count_tokens("a b c")) == (inner.model_id, 64, 3)


def test_an_empty_call_needs_no_model():
    assert MicroBatcher(FakeEmbedder()).encode([]).shape == (0, 64)


@pytest.mark.parametrize("wait", [0.0, 0.01])
def test_a_lone_question_is_answered_at_once(wait):
    batcher = MicroBatcher(FakeEmbedder(), wait=wait)
    assert batcher.encode(["alone"]).shape == (1, 64)


def test_a_question_that_comes_alone_does_not_wait_for_company():
    batcher = MicroBatcher(FakeEmbedder(), wait=60.0)  # a crowd's wait: a minute, to be plain
    answered = []
    asking = threading.Thread(target=lambda: answered.extend(batcher.encode([q]) for q in QUESTIONS[:3]))
    asking.start()
    asking.join(timeout=20)  # one after another, each alone: none waits the minute
    assert not asking.is_alive() and len(answered) == 3 and batcher.calls == 3


def test_questions_that_arrive_while_the_model_runs_share_its_next_call():
    inner = FakeEmbedder()
    batcher = MicroBatcher(Held(inner))
    ask_together(batcher, QUESTIONS[:6])
    assert inner.encoded == 6 and inner.calls == 2  # the first alone, the five together


class StatesEmbedder(FakeEmbedder):
    """A fake that also gives per-token states, as the bundled model's embedders do for the triage."""

    def encode_states(self, texts):
        return self.encode(texts), [np.full((len(text.split()), 2), len(text), np.float32) for text in texts]

    def layer_states(self, texts, layers):
        self.calls += 1
        self.deep = getattr(self, "deep", 0) + 1
        return [np.full((len(text.split()), 2), 100 * layers + len(text), np.float32) for text in texts]


def test_the_triage_states_are_pooled_too_and_each_question_gets_its_own():
    # with the triage on, the app's asks come as encode_states: they must still share model calls
    inner = StatesEmbedder()
    batcher = MicroBatcher(Held(inner))
    results = ask_together(batcher, QUESTIONS, states=True)
    for question, (vectors, states) in zip(QUESTIONS, results, strict=True):
        np.testing.assert_allclose(vectors, FakeEmbedder().encode([question]), rtol=1e-6)
        assert len(states) == 1 and states[0].shape == (len(question.split()), 2) and states[0][0, 0] == len(question)
    assert inner.calls < len(QUESTIONS)


def test_pooled_texts_of_very_different_lengths_run_apart_and_each_gets_its_own():
    # an answer check's question-and-sentence pair pooled with short questions would pad them all to its length
    inner = StatesEmbedder()
    batcher = MicroBatcher(Held(inner))
    pair = "does magnesium help nerve pain? [SEP] " + "Magnesium may ease nerve pain in some people. " * 6
    asked = QUESTIONS[:5] + [pair] + QUESTIONS[5:8]
    results = ask_together(batcher, asked, states=True)
    for text, (vectors, states) in zip(asked, results, strict=True):
        np.testing.assert_allclose(vectors, FakeEmbedder().encode([text]), rtol=1e-6)
        assert states[0].shape == (len(text.split()), 2) and states[0][0, 0] == len(text)
    assert inner.calls == 3  # the first alone; then the short questions together, and the pair on its own


def test_answer_check_pairs_share_a_run_of_their_own_and_each_gets_its_own_states():
    # the check's pairs ask for the states going into the last two layers: a run that stops there, never the
    # questions' run (which must give vectors), and pairs asked together share it
    inner = StatesEmbedder()
    batcher = MicroBatcher(Held(inner))
    pairs = [f"{q} [SEP] Magnesium may ease nerve pain." for q in QUESTIONS[:3]]
    asked = QUESTIONS[:4] + pairs + QUESTIONS[4:6]
    results = ask_together(batcher, asked, states=True, layers=dict.fromkeys(pairs, 2))
    for text, got in zip(asked, results, strict=True):
        if text in pairs:
            assert len(got) == 1 and got[0].shape == (len(text.split()), 2) and got[0][0, 0] == 200 + len(text)
        else:
            vectors, states = got
            np.testing.assert_allclose(vectors, FakeEmbedder().encode([text]), rtol=1e-6)
            assert states[0][0, 0] == len(text)
    assert inner.deep == 1  # the three pairs in one run
