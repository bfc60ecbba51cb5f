"""The vector store: flat and HNSW find the same passages; the manifest records the kind; builds extend it."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from fakes import FakeEmbedder, write
from mgqa import retrieval, vectors
from mgqa.build import build
from mgqa.retrieval import Retriever
from mgqa.store import load_index


def unit_rows(count: int, dimension: int = 32, seed: int = 0) -> np.ndarray:
    rows = np.random.default_rng(seed).normal(size=(count, dimension)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


@pytest.mark.parametrize("kind", vectors.KINDS)
def test_a_written_store_opens_with_its_vectors(tmp_path, kind):
    stored = unit_rows(50)
    vectors.write(tmp_path, stored, kind)
    store = vectors.open_store(tmp_path, kind)
    assert (store.kind, len(store)) == (kind, 50)
    np.testing.assert_array_equal(store.vectors(np.array([3, 0, 49])), stored[[3, 0, 49]])
    rows, scores = store.search(stored[7], 3)
    assert rows[0] == 7 and scores[0] == pytest.approx(1.0, abs=1e-5)


def test_flat_and_hnsw_give_the_same_top_results(tmp_path):
    stored, questions = unit_rows(600), unit_rows(20, seed=1)
    for kind in vectors.KINDS:
        (tmp_path / kind).mkdir()
        vectors.write(tmp_path / kind, stored, kind)
    flat, hnsw = (vectors.open_store(tmp_path / kind, kind) for kind in vectors.KINDS)
    for question in questions:
        assert list(hnsw.search(question, 10)[0]) == list(flat.search(question, 10)[0])


def test_retired_rows_are_never_found_and_the_rest_as_before(tmp_path):
    stored = unit_rows(400)
    dead = np.zeros(400, dtype=bool)
    dead[::3] = True
    for kind in vectors.KINDS:
        (tmp_path / kind).mkdir()
        vectors.write(tmp_path / kind, stored, kind)
        store = vectors.open_store(tmp_path / kind, kind)
        alive = store.without(dead)
        for question in unit_rows(10, seed=2):
            rows, _ = alive.search(question, 20)
            assert len(rows) == 20 and not dead[rows].any()
            exact = [r for r in np.argsort(-(stored @ question), kind="stable") if not dead[r]][:10]
            assert list(rows[:10]) == exact


def test_segments_are_searched_as_one_store(tmp_path):
    stored = unit_rows(300)
    for name, rows in (("a", stored[:200]), ("b", stored[200:]), ("whole", stored)):
        (tmp_path / name).mkdir()
        vectors.write(tmp_path / name, rows, "flat")
    whole = vectors.open_store(tmp_path / "whole", "flat")
    split = vectors.Segmented([vectors.open_store(tmp_path / name, "flat") for name in ("a", "b")])
    assert len(split) == 300
    for question in unit_rows(10, seed=3):
        assert list(split.search(question, 15)[0]) == list(whole.search(question, 15)[0])
    np.testing.assert_array_equal(split.vectors(np.array([250, 3, 199, 200])), stored[[250, 3, 199, 200]])


def test_an_unknown_kind_lists_the_valid_ones():
    with pytest.raises(ValueError, match="flat, hnsw"):
        vectors.describe("annoy")


def test_the_manifest_records_the_kind_a_build_chose(settings, embedder, monkeypatch):
    build(settings, embedder)
    assert load_index(settings.index_dir).manifest["vectors"] == {"kind": "flat"}
    monkeypatch.setattr(vectors, "HNSW_FROM", 1)
    write(settings.docs_dir, "zinc.md", "# Zinc\n\nZinc supports the immune system. Oysters are rich in zinc.\n")
    assert build(settings, FakeEmbedder()).added == ("zinc",)
    data = load_index(settings.index_dir)
    old, new = data.manifest["segments"]  # the old segment stays as it was; the added one passed the threshold
    assert (old["vectors"], new["vectors"]["kind"]) == ({"kind": "flat"}, "hnsw")
    assert [s.vectors.kind for s in data.segments] == ["flat", "hnsw"]
    assert data.manifest["vectors"] == old["vectors"] and data.vectors.kind == "flat"  # the largest segment's
    assert new["vectors"]["ef_search"] == vectors.HNSW_EF_SEARCH


def test_hnsw_and_flat_indexes_answer_alike(settings, embedder, monkeypatch, tmp_path):
    build(settings, embedder)
    flat = Retriever(load_index(settings.index_dir))
    monkeypatch.setattr(vectors, "HNSW_FROM", 1)
    build(replace(settings, index_dir=tmp_path / "hnsw"), embedder)
    hnsw = Retriever(load_index(tmp_path / "hnsw"))
    assert hnsw.vectors.kind == "hnsw"
    monkeypatch.setattr(retrieval, "CANDIDATES", 3)  # candidates come from the vector index, not every passage
    for question in ("Which foods have magnesium?", "Does magnesium help sleep?", "How much magnesium a day?"):
        vector = embedder.encode([question])[0]
        assert [p.chunk.chunk_id for p in hnsw.search(question, vector, 3)] == \
            [p.chunk.chunk_id for p in flat.search(question, vector, 3)]


def test_adding_a_document_adds_a_segment_and_keeps_the_old_rows(settings, embedder, monkeypatch):
    monkeypatch.setattr(vectors, "HNSW_FROM", 1)
    build(settings, embedder)
    before = load_index(settings.index_dir)
    write(settings.docs_dir, "aaa.md", "# Zinc\n\nZinc supports the immune system. Oysters are rich in zinc.\n")
    added = FakeEmbedder()
    assert build(settings, added).added == ("aaa",)
    after = load_index(settings.index_dir)
    old = len(before.chunks)
    # "aaa" sorts first among the files, yet its passages come after the old ones: the old rows were kept
    assert after.chunks[:old] == before.chunks and {c.doc_id for c in after.chunks[old:]} == {"aaa"}
    np.testing.assert_array_equal(after.chunk_vectors()[:old], before.chunk_vectors())
    zinc = added.encode(["Oysters are rich in zinc."])[0]
    assert after.chunks[after.vectors.search(zinc, 1)[0][0]].doc_id == "aaa"
