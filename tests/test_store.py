"""The index folder: what was saved loads back; missing or damaged folders give a StoreError saying what to do."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from mgqa import segments, store
from mgqa.records import Chunk, Document
from mgqa.segments import Part
from mgqa.store import POINTER, StoreError, build_lock, load_index, read_manifest, save_index

DIM = 8


def small_index(seed: int = 0) -> dict:
    """The arguments of save_index for one two-chunk document in one new segment."""
    text = "Magnesium calms nerves. Spinach has magnesium. Almonds do too."
    doc = Document(doc_id=f"doc{seed}", source=f"doc{seed}.txt", kind="txt", title="Doc", text=text, sha256="ab",
                   url="https://example.org/a", publisher="Example", commercial=True, promotes=("Mag 7",),
                   headings=((0, 3, 1),), pages=(0, 20))
    spans = [(0, 23), (24, 46), (47, 62)]
    chunks = [Chunk(f"doc{seed}#0", f"doc{seed}", 0, 46, text[0:46], ("Intro",), tuple(spans[:2])),
              Chunk(f"doc{seed}#1", f"doc{seed}", 24, 62, text[24:62], ("Intro",), tuple(spans[1:]))]
    rng = np.random.default_rng(seed)
    vectors = rng.normal(size=(2 + len(spans), DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    manifest = {"format": store.FORMAT_VERSION, "model": "fake-hash", "dimension": DIM, "seed": seed,
                "documents": {doc.doc_id: {"source": doc.source, "sha256": doc.sha256, "segment": "seg-a", "row": 0}},
                "segments": [{"name": "seg-a", "documents": 1, "chunks": 2, "vectors": {"kind": "flat"}}]}
    return {"manifest": manifest, "new": ("seg-a", [Part(doc, chunks, vectors[:2], spans, vectors[2:])])}


def live(index_dir: Path) -> Path:
    return index_dir / (index_dir / POINTER).read_text(encoding="utf-8").strip()


def test_a_saved_index_loads_back_the_same(tmp_path):
    parts = small_index()
    save_index(tmp_path, **parts)
    data = load_index(tmp_path)
    assert data.manifest == parts["manifest"]
    [doc] = data.documents.values()
    [part] = parts["new"][1]
    saved = part.document
    for name in ("doc_id", "source", "kind", "title", "text", "sha256", "url", "publisher", "commercial", "headings",
                 "pages"):
        assert getattr(doc, name) == getattr(saved, name), name
    assert list(doc.promotes) == ["Mag 7"]
    assert doc.page_at(30) == 2
    assert data.chunks == part.chunks
    np.testing.assert_allclose(data.chunk_vectors(), part.chunk_vectors, rtol=1e-6)
    assert data.sentence_spans("doc0") == [(0, 23), (24, 46), (47, 62)]
    np.testing.assert_allclose(data.sentence_vectors[np.arange(3)], part.sentence_vectors, rtol=1e-6)
    assert read_manifest(tmp_path) == parts["manifest"]


def test_a_loaded_document_equals_the_saved_one(tmp_path):
    parts = small_index()
    save_index(tmp_path, **parts)
    [doc] = load_index(tmp_path).documents.values()
    assert doc == parts["new"][1][0].document
    assert hash(doc) == hash(parts["new"][1][0].document)


def test_the_saved_folder_is_plain_and_readable(tmp_path):
    save_index(tmp_path, **small_index())
    assert sorted(p.name for p in live(tmp_path).iterdir()) == ["manifest.json", "seg-a"]
    segment = live(tmp_path) / "seg-a"
    assert sorted(p.name for p in segment.iterdir()) == sorted([*segments.FILES, "bm25"])
    assert "Magnesium calms nerves." in (segment / "chunks.jsonl").read_text(encoding="utf-8")
    assert np.load(segment / "passage_sentences.npy").tolist() == [0, 1, 1, 2]
    assert json.loads((segment / "bm25" / "terms.json").read_text(encoding="utf-8"))[:2] == ["almond", "calm"]


def test_bm25_is_loaded_as_saved_without_tokenising_again(tmp_path, monkeypatch):
    from mgqa import lexical
    from mgqa.chunking import embedding_text

    parts = small_index()
    save_index(tmp_path, **parts)
    part = parts["new"][1][0]
    texts = [embedding_text(c, part.document.title) for c in part.chunks]
    fresh = lexical.LexicalIndex.build(texts, tmp_path / "fresh")
    question = "spinach magnesium almonds"
    expected = fresh.scores(question)
    monkeypatch.setattr(lexical, "terms", lambda text: pytest.fail("the passages were tokenised at load"))
    data = load_index(tmp_path)
    assert data.lexical.vocabulary == fresh.vocabulary
    monkeypatch.undo()
    np.testing.assert_allclose(data.lexical.scores(question), expected, rtol=1e-6)
    assert all(isinstance(a, np.ndarray) for a in data.sentence_vectors.arrays)  # a small index: read whole


def test_a_missing_index_says_to_run_mgqa_build(tmp_path):
    assert read_manifest(tmp_path / "nowhere") is None
    with pytest.raises(StoreError, match="mgqa build"):
        load_index(tmp_path / "nowhere")
    with pytest.raises(StoreError, match="mgqa build"):
        load_index(tmp_path)  # exists but empty


def truncate_mid_line(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2 + 7])


def drop_last_line(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:-1]), encoding="utf-8")


DAMAGE = {
    "chunks.jsonl cut mid-line": ("seg-a/chunks.jsonl", truncate_mid_line),
    "chunks.jsonl missing its last line": ("seg-a/chunks.jsonl", drop_last_line),
    "chunks.jsonl emptied": ("seg-a/chunks.jsonl", lambda p: p.write_bytes(b"")),
    "documents.jsonl cut mid-line": ("seg-a/documents.jsonl", truncate_mid_line),
    "faiss file cut": ("seg-a/chunks.faiss", truncate_mid_line),
    "faiss file deleted": ("seg-a/chunks.faiss", lambda p: p.unlink()),
    "sentence vectors cut": ("seg-a/sentences.npy", truncate_mid_line),
    "BM25 postings cut": ("seg-a/bm25/rows.npy", truncate_mid_line),
    "BM25 terms deleted": ("seg-a/bm25/terms.json", lambda p: p.unlink()),
    "segment deleted": ("seg-a", lambda p: shutil.rmtree(p)),
    "manifest cut": ("manifest.json", truncate_mid_line),
    "manifest of another format": ("manifest.json", lambda p: p.write_text('{"format": 999}')),
    "manifest naming a row the segment lacks": ("manifest.json", lambda p: p.write_text(
        p.read_text().replace('"row": 0', '"row": 5'))),
}


@pytest.mark.parametrize("name", list(DAMAGE))
def test_a_damaged_build_gives_a_store_error_not_a_traceback(tmp_path, name):
    file_name, damage = DAMAGE[name]
    save_index(tmp_path, **small_index())
    damage(live(tmp_path) / file_name)
    with pytest.raises(StoreError, match="mgqa build"):
        load_index(tmp_path)


def test_a_manifest_that_is_not_an_object_gives_a_store_error(tmp_path):
    save_index(tmp_path, **small_index())
    (live(tmp_path) / "manifest.json").write_text("[]\n", encoding="utf-8")
    with pytest.raises(StoreError, match="mgqa build"):
        load_index(tmp_path)


def test_a_pointer_to_a_missing_build_gives_a_store_error(tmp_path):
    save_index(tmp_path, **small_index())
    (tmp_path / POINTER).write_text("build-gone\n", encoding="utf-8")
    with pytest.raises(StoreError, match="mgqa build"):
        load_index(tmp_path)
    with pytest.raises(StoreError, match="mgqa build"):
        read_manifest(tmp_path)


def test_a_new_save_switches_the_pointer_and_removes_the_old_build(tmp_path):
    first = save_index(tmp_path, **small_index(0))
    second = save_index(tmp_path, **small_index(1))
    assert (tmp_path / POINTER).read_text(encoding="utf-8").strip() == second.name
    assert not first.exists()
    data = load_index(tmp_path)
    assert data.manifest["seed"] == 1 and list(data.documents) == ["doc1"]


def test_the_pointer_decides_which_build_is_loaded(tmp_path):
    first = save_index(tmp_path, **small_index(0))
    kept = tmp_path / "build-kept"
    first.rename(kept)  # as if an older build were still on disk
    save_index(tmp_path, **small_index(1))
    assert not kept.exists()  # stale builds are removed by the next save...
    older = save_index(tmp_path / "other", **small_index(0))
    older.rename(tmp_path / older.name)  # ...so put one back beside the live build and point at it
    (tmp_path / POINTER).write_text(older.name + "\n", encoding="utf-8")
    assert load_index(tmp_path).manifest["seed"] == 0


def test_leftovers_of_a_killed_save_are_ignored_then_cleaned_up(tmp_path):
    save_index(tmp_path, **small_index(0))
    staging = tmp_path / ".build-20200101T000000-dead00.tmp"
    staging.mkdir()
    (staging / "chunks.jsonl").write_text("{half a li", encoding="utf-8")
    orphan = tmp_path / "build-20200101T000000-dead01"  # renamed but never named in CURRENT
    orphan.mkdir()
    pointer_tmp = tmp_path / f".{POINTER}.dead02.tmp"
    pointer_tmp.write_text("build-20200101T000000-dead01\n", encoding="utf-8")
    assert load_index(tmp_path).manifest["seed"] == 0
    save_index(tmp_path, **small_index(1))
    assert not staging.exists() and not orphan.exists() and not pointer_tmp.exists()
    assert load_index(tmp_path).manifest["seed"] == 1


def test_a_failed_save_leaves_the_live_build(tmp_path):
    save_index(tmp_path, **small_index(0))
    broken = small_index(1)
    broken["manifest"] = {**broken["manifest"], "dimension": DIM + 1}  # vectors don't fit the index
    with pytest.raises(Exception):  # noqa: B017 - a programming error: any exception, as long as nothing changes
        save_index(tmp_path, **broken)
    assert load_index(tmp_path).manifest["seed"] == 0
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_only_one_build_at_a_time(tmp_path):
    with build_lock(tmp_path):
        with pytest.raises(StoreError, match="another build"):
            with build_lock(tmp_path):
                pass
    with build_lock(tmp_path):  # released afterwards
        pass
