"""Retrieval: the passage that says what was asked comes first, in every mode, with its best sentence."""

from __future__ import annotations

import pytest

from mgqa.retrieval import MODES, Retriever
from mgqa.store import load_index


@pytest.fixture
def data(built):
    return load_index(built.index_dir)


def search(data, embedder, question: str, mode: str = "hybrid", k: int = 8):
    return Retriever(data, mode).search(question, embedder.encode([question])[0], k)


def test_an_unknown_mode_lists_the_valid_ones(data):
    with pytest.raises(ValueError, match="hybrid, dense, bm25"):
        Retriever(data, "fuzzy")


@pytest.mark.parametrize("mode", MODES)
def test_passages_come_best_first_with_their_best_sentence(data, embedder, mode):
    passages = search(data, embedder, "How much magnesium do adults take each day?", mode, k=4)
    assert 0 < len(passages) <= 4
    assert [p.score for p in passages] == sorted((p.score for p in passages), reverse=True)
    for p in passages:
        assert p.best in p.chunk.sentences
        assert len(p.sentence_scores) == len(p.chunk.sentences)
        assert p.sentence_scores[p.chunk.sentences.index(p.best)] == max(p.sentence_scores)
        assert p.sentence == pytest.approx(max(p.sentence_scores))
    assert len({p.chunk.chunk_id for p in passages}) == len(passages)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("question, expected", [
    ("Boiling spinach loses some minerals into the water.", "Boiling spinach loses some minerals into the water."),
    ("Most adults take 310 to 420 mg of magnesium each day.", "Most adults take 310 to 420 mg of magnesium each day."),
    ("Small studies suggest magnesium may help older adults fall asleep faster.",
     "Small studies suggest magnesium may help older adults fall asleep faster."),
])
def test_the_passage_holding_the_asked_sentence_ranks_first(data, embedder, mode, question, expected):
    top = search(data, embedder, question, mode)[0]
    assert expected in top.chunk.text
    doc = data.documents[top.chunk.doc_id]
    assert doc.text[top.best[0]:top.best[1]] == expected


def test_bm25_finds_rare_words(data, embedder):
    top = search(data, embedder, "pumpkin seeds almonds", "bm25")[0]
    assert "pumpkin seeds" in top.chunk.text and top.lexical > 0


def test_k_larger_than_the_index_returns_every_passage_once(data, embedder):
    passages = search(data, embedder, "magnesium", k=1000)
    assert sorted(p.chunk.chunk_id for p in passages) == sorted(c.chunk_id for c in data.chunks)


@pytest.mark.parametrize("question", [
    "Boiling spinach loses some minerals into the water.", "How much magnesium do adults take each day?",
    "Does magnesium help older adults fall asleep?"])
def test_scoring_only_candidates_ranks_them_as_scoring_everything(data, embedder, monkeypatch, question):
    from mgqa import retrieval

    everything = search(data, embedder, question, k=3)
    monkeypatch.setattr(retrieval, "CANDIDATES", 3)  # fewer than the passages: candidates from faiss and BM25
    assert len(data.chunks) > 3
    candidates = search(data, embedder, question, k=3)
    assert candidates[0].chunk == everything[0].chunk
    assert candidates[0].score == pytest.approx(everything[0].score, rel=1e-5)
    assert candidates[0].sentence_scores == pytest.approx(everything[0].sentence_scores, rel=1e-5)


def test_a_question_read_for_its_answer_ranks_while_the_cosines_stay_the_models_own(data, embedder):
    """The query adapter's vector finds, ranks and picks each passage's sentence; the cosines a passage reports
    are still the model's own question vector's, the scale the abstention floors were set on."""
    question = "How much magnesium do adults take each day?"
    own = embedder.encode([question])[0]
    read = embedder.encode(["Boiling spinach loses some minerals into the water."])[0]
    as_read = Retriever(data).search(question, own, 8, read)
    by_read = Retriever(data).search(question, read, 8)
    by_own = {p.chunk.chunk_id: p for p in Retriever(data).search(question, own, 50)}
    assert [p.chunk.chunk_id for p in as_read] == [p.chunk.chunk_id for p in by_read]
    assert [p.best for p in as_read] == [p.best for p in by_read]
    assert "Boiling spinach" in as_read[0].chunk.text
    for p in as_read:
        assert p.sentence_scores == pytest.approx(by_own[p.chunk.chunk_id].sentence_scores)
        assert p.dense == pytest.approx(by_own[p.chunk.chunk_id].dense)
        assert p.sentence == pytest.approx(p.sentence_scores[p.chunk.sentences.index(p.best)])
