"""BM25 over segment postings: the scores bm25s gives, float for float, whatever the segments and retired rows."""

from __future__ import annotations

import numpy as np
import pytest

from mgqa.lexical import LexicalIndex, Postings, terms, write_postings

PASSAGES = [
    "Magnesium calms the nerves; magnesium glycinate is taken for sleep.",
    "Spinach, pumpkin seeds and almonds are rich in magnesium.",
    "The and of a",  # no content term: a passage of length 0
    "Zinc supports the immune system. Oysters are rich in zinc, zinc and more zinc.",
    "Vitamin B12 deficiency can damage nerves and cause numbness in the feet.",
    "Most adults take 310 to 420 mg of magnesium each day.",
]
QUESTIONS = ["magnesium for nerves", "zinc oysters", "magnesium magnesium sleep", "numb feet b12", "rich almonds 420"]


def bm25s_scores(passages: list[str], question: str) -> np.ndarray:
    bm25s = pytest.importorskip("bm25s")  # the reference: in the test extra, not a dependency of mgqa

    reference = bm25s.BM25()
    reference.index([terms(p) for p in passages], show_progress=False)
    tokens = [t for t in terms(question) if t in reference.vocab_dict and t]
    return np.asarray(reference.get_scores(tokens), dtype=np.float32) if tokens else np.zeros(len(passages))


def test_scores_equal_bm25s_bit_for_bit(tmp_path):
    index = LexicalIndex.build(PASSAGES, tmp_path / "bm25")
    for question in QUESTIONS:
        np.testing.assert_array_equal(index.scores(question), bm25s_scores(PASSAGES, question))
    assert index.vocabulary == {t for p in PASSAGES for t in terms(p)}


@pytest.mark.parametrize("split", [1, 3, 5])
def test_segments_with_retired_rows_score_as_one_index_of_the_live_rows(tmp_path, split):
    write_postings(tmp_path / "a", PASSAGES[:split])
    write_postings(tmp_path / "b", PASSAGES[split:] + ["Magnesium and zinc, retired later."])
    segments = [Postings.open(tmp_path / "a"), Postings.open(tmp_path / "b")]
    dead = np.zeros(len(PASSAGES) - split + 1, dtype=bool)
    dead[-1] = True
    index = LexicalIndex(segments, [None, dead])
    assert index.live == len(PASSAGES) and index.size == len(PASSAGES) + 1
    assert "retir" not in index.vocabulary and index.document_frequency()["zinc"] == 1
    for question in QUESTIONS:
        scores = index.scores(question)
        assert scores[-1] == 0
        np.testing.assert_array_equal(scores[:-1], bm25s_scores(PASSAGES, question))


def test_a_question_without_known_words_scores_zero(tmp_path):
    index = LexicalIndex.build(PASSAGES, tmp_path / "bm25")
    assert not index.scores("quantum chromodynamics").any()
