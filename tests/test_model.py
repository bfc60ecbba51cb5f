"""End to end with the real model on the real seed (loaded once per session; `-m "not model"` skips these)."""

from __future__ import annotations

import pytest

from fakes import write
from mgqa.build import build
from mgqa.chunking import ChunkSettings, embedding_text
from mgqa.settings import Settings

pytestmark = pytest.mark.model

SEED_ID = "000-298022469d73e39c"
SEED_URL = "https://organixx.com/can-magnesium-repair-nerve-damage/"


def test_every_seed_chunk_is_verbatim_at_its_offsets(real_kb):
    doc = real_kb.documents[SEED_ID]
    chunks = [c for c in real_kb.data.chunks if c.doc_id == SEED_ID]
    assert len(chunks) > 10
    for chunk in chunks:
        assert chunk.text == doc.text[chunk.start:chunk.end]
        assert all(chunk.start <= a < b <= chunk.end for a, b in chunk.sentences)


def test_every_seed_chunk_fits_the_model_without_truncation(real_kb, real_embedder, real_settings):
    # the model's own tokenizer: past 254 pieces (+ [CLS]/[SEP]) it would drop text silently
    assert real_embedder.max_tokens >= ChunkSettings.hard_limit + 2
    for chunk in real_kb.data.chunks:
        embedded = embedding_text(chunk, real_kb.documents[chunk.doc_id].title)
        assert real_embedder.count_tokens(embedded) <= ChunkSettings.hard_limit, chunk.chunk_id
        assert real_embedder.count_tokens(chunk.text) <= real_settings.chunk_tokens, chunk.chunk_id


def test_the_dose_question_is_answered_with_linked_verbatim_quotes(real_kb):
    answer = real_kb.ask("How much magnesium should I take for nerve pain?")
    assert answer.status == "answered", answer.reason
    assert answer.quotes
    for quote in answer.quotes:
        doc = real_kb.documents[quote.doc_id]
        assert quote.text == doc.text[quote.start:quote.end] and quote.text in doc.text
        assert quote.highlight and quote.highlight in quote.text
        assert quote.link.startswith(SEED_URL + "#:~:text=")
    assert any("mg" in q.text for q in answer.quotes)  # the dose itself is quoted
    assert "Organixx" in answer.caution and "sells supplements" in answer.caution
    assert "before you start, change or stop" in answer.caution  # a dose question


def test_an_unrelated_question_is_not_answered(real_kb):
    answer = real_kb.ask("What is the capital of France?")
    assert answer.status == "not_found" and not answer.quotes


def test_a_question_embeds_like_its_passage(real_embedder):
    vectors = real_embedder.encode(["magnesium for nerve pain", "magnesium helps nerve pain", "tax returns"])
    assert vectors.shape == (3, real_embedder.dimension)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_a_heading_only_document_does_not_break_a_real_build(real_embedder, tmp_path):
    docs = tmp_path / "docs"
    write(docs, "notes.txt", "Magnesium Notes\n\nMagnesium supports nerves.\n")
    write(docs, "stub.txt", "Coming Soon\n")
    report = build(Settings(docs_dir=docs, index_dir=tmp_path / "index"), real_embedder)
    assert report.added == ("notes",)
    assert any("stub.txt" in w and "nothing to quote" in w for w in report.warnings)
