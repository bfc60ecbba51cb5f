"""Incremental builds: only what changed is embedded, and a failed or killed build keeps the old index."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from fakes import FakeEmbedder, RefusingEmbedder, write
from mgqa.build import BuildError, BuildReport, build, is_fresh
from mgqa.chunking import document_texts
from mgqa.store import POINTER, StoreError, build_lock, load_index
from pdf_fixture import make_pdf

TESTS = Path(__file__).resolve().parent
SRC = TESTS.parent / "src"
ORIGINAL_IDS = ("foods", "nerves", "sleep")


def embedded_texts(index_dir: Path, *doc_ids: str) -> int:
    """How many texts some documents' share of the index took to embed: their distinct chunk and sentence
    texts, each sentence with and without its title (a text met twice is embedded once)."""
    data = load_index(index_dir)
    texts = set()
    for d in (d for d in doc_ids if d in data.documents):
        embedded = document_texts(data.documents[d], [c for c in data.chunks if c.doc_id == d])
        assert embedded.spans == list(data.sentence_spans(d))  # the sentences the index holds, in its order
        texts.update(embedded.passages + embedded.plain + embedded.titled)
    return len(texts)


def live_name(index_dir: Path) -> str:
    return (index_dir / POINTER).read_text(encoding="utf-8").strip()


def vectors_of(index_dir: Path, doc_id: str) -> np.ndarray:
    data = load_index(index_dir)
    rows = [i for i, c in enumerate(data.chunks) if c.doc_id == doc_id]
    return data.chunk_vectors()[rows]


def test_a_first_build_indexes_every_document(settings, embedder):
    report = build(settings, embedder)
    assert report.added == ORIGINAL_IDS
    assert (report.updated, report.removed, report.unchanged, report.full) == ((), (), (), False)
    data = load_index(settings.index_dir)
    assert sorted(data.documents) == list(ORIGINAL_IDS)
    assert report.chunks == len(data.chunks) > 0
    assert embedder.encoded == embedded_texts(settings.index_dir, *ORIGINAL_IDS)
    assert data.manifest["model"] == "fake-hash" and data.manifest["dimension"] == 64
    assert "3 added" in report.summary()


def test_a_no_change_rebuild_does_not_touch_the_embedder(built):
    before = live_name(built.index_dir)
    report = build(built, RefusingEmbedder())
    assert not report.changed
    assert report.unchanged == ORIGINAL_IDS and report.chunks == len(load_index(built.index_dir).chunks)
    assert live_name(built.index_dir) == before  # nothing was rewritten


def test_a_no_change_rebuild_loads_no_model(built):
    # no embedder given: "fake-hash" is no real model, so loading one would fail
    assert not build(built).changed


@pytest.mark.parametrize("name, content", [
    ("zinc.md", "# Zinc\n\nZinc supports the immune system. Oysters are rich in zinc.\n"),
    ("zinc.html", "<html><body><h1>Zinc</h1><p>Zinc supports the immune system. Oysters have zinc.</p></body></html>"),
    ("zinc.pdf", None),
])
def test_adding_a_document_embeds_only_that_document(built, name, content):
    if content is None:
        make_pdf(built.docs_dir / name, ["Zinc supports the immune system.", "Oysters are rich in zinc."], title="Zinc")
    else:
        write(built.docs_dir, name, content)
    old = {d: vectors_of(built.index_dir, d) for d in ORIGINAL_IDS}
    embedder = FakeEmbedder()
    report = build(built, embedder)
    assert (report.added, report.updated, report.removed, report.unchanged) == (("zinc",), (), (), ORIGINAL_IDS)
    assert embedder.encoded == embedded_texts(built.index_dir, "zinc") > 0
    for doc_id, vectors in old.items():  # unchanged documents keep their vectors
        np.testing.assert_array_equal(vectors_of(built.index_dir, doc_id), vectors)
    data = load_index(built.index_dir)
    assert any("Zinc supports the immune system." in c.text for c in data.chunks if c.doc_id == "zinc")


@pytest.mark.parametrize("name, doc_id, content, new_words", [
    ("nerves.md", "nerves", "# Magnesium and Nerves\n\nMagnesium is edited here. A second new sentence.\n", "edited"),
    ("foods.html", "foods", "<html><body><h1>Foods</h1><p>Only almonds now. Nothing else.</p></body></html>",
     "Only almonds now."),
    ("sleep.txt", "sleep", "Magnesium and Sleep\n\nA rewritten paragraph about sleep.\n", "rewritten paragraph"),
])
def test_editing_a_document_re_embeds_only_that_document(built, name, doc_id, content, new_words):
    write(built.docs_dir, name, content)
    embedder = FakeEmbedder()
    report = build(built, embedder)
    assert (report.added, report.updated, report.removed) == ((), (doc_id,), ())
    assert report.unchanged == tuple(d for d in ORIGINAL_IDS if d != doc_id)
    assert embedder.encoded == embedded_texts(built.index_dir, doc_id)
    data = load_index(built.index_dir)
    assert all(c.text == data.documents[c.doc_id].text[c.start:c.end] for c in data.chunks)
    assert any(new_words in c.text for c in data.chunks if c.doc_id == doc_id)


def test_editing_a_sidecar_counts_as_an_edit(built):
    write(built.docs_dir, "sleep.txt.meta.yaml", "url: https://example.org/sleep\npublisher: Sleep Co\n")
    report = build(built, FakeEmbedder())
    assert report.updated == ("sleep",)
    assert load_index(built.index_dir).documents["sleep"].publisher == "Sleep Co"


@pytest.mark.parametrize("name, doc_id", [("nerves.md", "nerves"), ("foods.html", "foods"), ("sleep.txt", "sleep")])
def test_removing_a_document_embeds_nothing(built, name, doc_id):
    (built.docs_dir / name).unlink()
    report = build(built, RefusingEmbedder())
    assert (report.added, report.updated, report.removed) == ((), (), (doc_id,))
    data = load_index(built.index_dir)
    assert doc_id not in data.documents and all(c.doc_id != doc_id for c in data.chunks)
    assert sum(len(data.sentence_spans(d)) for d in data.documents) == \
        len({(c.doc_id, *span) for c in data.chunks for span in c.sentences})


def test_a_pdf_is_added_edited_and_removed(built):
    pdf = built.docs_dir / "guide.pdf"
    make_pdf(pdf, ["Magnesium guide page one. Take it with food.", "Page two is about kidneys."], title="Guide")
    first = FakeEmbedder()
    assert build(built, first).added == ("guide",)
    assert first.encoded == embedded_texts(built.index_dir, "guide")
    doc = load_index(built.index_dir).documents["guide"]
    assert doc.kind == "pdf" and doc.page_at(doc.text.index("kidneys")) == 2

    make_pdf(pdf, ["Magnesium guide page one. Take it with food.", "Page two now talks about the heart."],
             title="Guide")
    second = FakeEmbedder()
    assert build(built, second).updated == ("guide",)
    assert second.encoded == embedded_texts(built.index_dir, "guide")
    assert "heart" in load_index(built.index_dir).documents["guide"].text

    pdf.unlink()
    assert build(built, RefusingEmbedder()).removed == ("guide",)


def test_a_changed_chunk_setting_rebuilds_everything(built):
    embedder = FakeEmbedder()
    report = build(replace(built, chunk_tokens=16), embedder)
    # the documents themselves are unchanged, but every one of them is embedded again
    assert report.full and report.unchanged == ORIGINAL_IDS and report.added == ()
    assert embedder.encoded == embedded_texts(built.index_dir, *ORIGINAL_IDS)
    assert load_index(built.index_dir).manifest["chunker"]["max_tokens"] == 16


def test_a_changed_overlap_setting_rebuilds_everything(built):
    assert build(replace(built, overlap_sentences=0), FakeEmbedder()).full


@pytest.mark.parametrize("leave", [[], ["empty.txt"], ["notes.docx", "empty.txt"]])
def test_a_folder_without_usable_documents_keeps_the_old_index(built, leave):
    before_name = live_name(built.index_dir)
    before = load_index(built.index_dir).chunks
    for path in built.docs_dir.iterdir():
        path.unlink()
    for name in leave:
        write(built.docs_dir, name, b"PK\x03\x04" if name.endswith(".docx") else b"")
    with pytest.raises(BuildError, match="no usable document"):
        build(built, FakeEmbedder())
    assert live_name(built.index_dir) == before_name
    assert load_index(built.index_dir).chunks == before


def test_a_build_hands_every_object_back_to_the_cycle_collector(built):
    """A build sets the manifest aside from the cycle collector while it works; left so, a serving app's cyclic
    garbage would never be freed."""
    import gc

    write(built.docs_dir, "zinc.txt", "Zinc\n\nZinc is a mineral the body needs in small amounts.\n")
    assert build(built, FakeEmbedder()).added == ("zinc",)
    assert gc.get_freeze_count() == 0
    for path in built.docs_dir.iterdir():
        path.unlink()
    with pytest.raises(BuildError):
        build(built, FakeEmbedder())
    assert gc.get_freeze_count() == 0


def test_a_missing_documents_folder_is_a_build_error(settings):
    with pytest.raises(BuildError, match="no such folder"):
        build(replace(settings, docs_dir=settings.docs_dir / "missing"), FakeEmbedder())


def test_bad_documents_are_skipped_with_warnings(settings, embedder):
    write(settings.docs_dir, "empty.txt", b"")
    write(settings.docs_dir, "binary.txt", bytes(range(256)) * 8)
    write(settings.docs_dir, "notes.docx", b"PK\x03\x04 not really")
    report = build(settings, embedder)
    assert report.added == ORIGINAL_IDS
    for name in ("empty.txt", "binary.txt", "notes.docx"):
        assert any(name in warning for warning in report.warnings), (name, report.warnings)
    assert sorted(load_index(settings.index_dir).documents) == list(ORIGINAL_IDS)
    # the skipped files are remembered: the next build has nothing to do
    assert not build(settings, RefusingEmbedder()).changed
    assert is_fresh(settings)


def test_is_fresh_follows_the_documents_and_the_settings(settings, embedder):
    assert not is_fresh(settings)  # no index yet
    build(settings, embedder)
    assert is_fresh(settings)
    assert not is_fresh(replace(settings, chunk_tokens=64))
    assert not is_fresh(replace(settings, model="another-model"))
    write(settings.docs_dir, "sleep.txt", "Magnesium and Sleep\n\nChanged.\n")
    assert not is_fresh(settings)
    build(settings, embedder)
    assert is_fresh(settings)
    write(settings.docs_dir, "new.txt", "New\n\nA new document.\n")
    assert not is_fresh(settings)


def test_a_second_build_at_the_same_time_is_refused(built):
    write(built.docs_dir, "zinc.txt", "Zinc\n\nZinc is a mineral.\n")
    with build_lock(built.index_dir):
        with pytest.raises(StoreError, match="another build"):
            build(built, FakeEmbedder())
    assert build(built, FakeEmbedder()).added == ("zinc",)


def test_progress_is_reported_up_to_done(settings, embedder):
    seen: list[tuple[float, str]] = []
    build(settings, embedder, progress=lambda fraction, message: seen.append((fraction, message)))
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0


def test_report_summary_names_the_counts():
    report = BuildReport(added=("a",), updated=("b", "c"), removed=(), unchanged=("d",), chunks=7, seconds=0.5,
                         full=True)
    assert report.summary() == "1 added, 2 updated, 0 removed, 1 unchanged documents; 7 chunks; 0.50s (full rebuild)"
    assert report.changed and not BuildReport(unchanged=("d",)).changed


# ---------------------------------------------------------------- a build killed with SIGKILL


KILLED_BUILD = """
import sys, time
sys.path[:0] = [{src!r}, {tests!r}]
from pathlib import Path
from fakes import SlowEmbedder
from mgqa import store
from mgqa.build import build
from mgqa.settings import Settings

marker = {marker!r}
if {in_save!r}:
    def slow_fsync(path):
        with open(marker, "a") as handle:
            handle.write("saving\\n")
        time.sleep(60)
    store.fsync = slow_fsync
    embedder = SlowEmbedder(0)
else:
    embedder = SlowEmbedder(60, marker)
build(Settings(docs_dir=Path({docs!r}), index_dir=Path({index!r}), model="fake-hash"), embedder)
"""


def kill_build_midway(settings, in_save: bool) -> None:
    """Run a build in another process and SIGKILL it once it is embedding (or writing the new build)."""
    marker = settings.index_dir.parent / "marker"
    script = KILLED_BUILD.format(src=str(SRC), tests=str(TESTS), marker=str(marker), in_save=in_save,
                                 docs=str(settings.docs_dir), index=str(settings.index_dir))
    env = {k: v for k, v in os.environ.items() if not k.startswith("MGQA_")}
    process = subprocess.Popen([sys.executable, "-c", script], env=env, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while not (marker.exists() and marker.read_text()):
            if process.poll() is not None:
                pytest.fail(f"the build ended before it could be killed: {process.stderr.read().decode()}")
            assert time.monotonic() < deadline, "the build never started embedding"
            time.sleep(0.02)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        process.stderr.close()
    assert process.returncode == -signal.SIGKILL


@pytest.mark.parametrize("in_save", [False, True], ids=["while-embedding", "while-writing"])
def test_a_build_killed_midway_leaves_the_old_index(built, in_save):
    before_name = live_name(built.index_dir)
    before = load_index(built.index_dir)
    write(built.docs_dir, "zinc.txt", "Zinc\n\nZinc is a mineral. Oysters have zinc.\n")
    kill_build_midway(built, in_save)
    if in_save:  # the half-written build is left behind
        assert [p for p in built.index_dir.iterdir() if p.name.endswith(".tmp")]

    after = load_index(built.index_dir)
    assert live_name(built.index_dir) == before_name
    assert after.chunks == before.chunks and "zinc" not in after.documents

    report = build(built, FakeEmbedder())  # the lock died with the process
    assert report.added == ("zinc",)
    leftovers = sorted(p.name for p in built.index_dir.iterdir() if p.name not in (POINTER, ".lock"))
    assert leftovers == [live_name(built.index_dir)]
    assert "zinc" in load_index(built.index_dir).documents


# ---------------------------------------------------------------- segments: a build writes what changed


def answers(index_dir: Path) -> list[list[tuple[str, float, float, float]]]:
    """What the retriever finds for a few questions: passages and their scores, ties in chunk id order."""
    from mgqa.retrieval import Retriever

    retriever, embedder = Retriever(load_index(index_dir)), FakeEmbedder()
    out = []
    for question in ("How much magnesium a day?", "Which foods have zinc?", "Does magnesium help sleep?",
                     "iron for tired nerves"):
        found = retriever.search(question, embedder.encode([question])[0], 10)
        out.append(sorted((p.chunk.chunk_id, round(p.score, 5), round(p.dense, 5), round(p.lexical, 5))
                          for p in found))
    return out


def whole_build(settings, tmp_path: Path) -> Path:
    """The same folder built at once into another index."""
    index_dir = tmp_path / "whole"
    build(replace(settings, index_dir=index_dir), FakeEmbedder())
    return index_dir


def segment_names(index_dir: Path) -> list[str]:
    return [s["name"] for s in load_index(index_dir).manifest["segments"]]


def test_adding_a_document_writes_one_segment_and_links_the_rest(built):
    before = segment_names(built.index_dir)
    inode = (built.index_dir / live_name(built.index_dir) / before[0] / "sentences.npy").stat().st_ino
    write(built.docs_dir, "zinc.txt", "Zinc\n\nZinc is a mineral. Oysters have zinc.\n")
    build(built, FakeEmbedder())
    after = segment_names(built.index_dir)
    assert after[:-1] == before and len(after) == 2
    linked = built.index_dir / live_name(built.index_dir) / before[0] / "sentences.npy"
    assert linked.stat().st_ino == inode  # the same file, not a copy


def test_an_index_built_in_steps_answers_as_one_built_whole(built, tmp_path):
    write(built.docs_dir, "zinc.txt", "Zinc\n\nZinc is a mineral. Oysters have zinc and some magnesium.\n")
    build(built, FakeEmbedder())
    write(built.docs_dir, "sleep.txt", "Sleep\n\nMagnesium may help sleep. Iron helps tired nerves.\n")  # edited
    build(built, FakeEmbedder())
    (built.docs_dir / "foods.html").unlink()
    build(built, RefusingEmbedder())
    data = load_index(built.index_dir)
    assert sorted(data.documents) == ["nerves", "sleep", "zinc"]
    assert "Magnesium glycinate" not in " ".join(c.text for c in data.chunks)  # the old sleep.txt is retired
    assert answers(built.index_dir) == answers(whole_build(built, tmp_path))


def test_segments_are_merged_past_the_limit(built, tmp_path, monkeypatch):
    from mgqa import build as build_module

    monkeypatch.setattr(build_module, "MAX_SEGMENTS", 2)
    for number, mineral in enumerate(("zinc", "iron", "copper")):
        write(built.docs_dir, f"{mineral}.txt", f"{mineral}\n\n{mineral.title()} is mineral {number}. "
                                                f"Magnesium and {mineral} help nerves.\n")
        assert build(built, FakeEmbedder()).added == (mineral,)
        assert len(segment_names(built.index_dir)) <= 2
    assert load_index(built.index_dir).manifest["counts"]["documents"] == 6
    assert answers(built.index_dir) == answers(whole_build(built, tmp_path))


def test_a_segment_mostly_retired_is_written_again(built, tmp_path):
    first = segment_names(built.index_dir)[0]
    write(built.docs_dir, "zinc.txt", "Zinc\n\nZinc is a mineral. Oysters have zinc.\n")
    build(built, FakeEmbedder())
    (built.docs_dir / "nerves.md").unlink()  # most of the first segment's chunks
    build(built, RefusingEmbedder())
    names = segment_names(built.index_dir)
    assert first not in names and len(names) == 2  # the zinc segment is kept as it was
    assert answers(built.index_dir) == answers(whole_build(built, tmp_path))


def test_a_pointer_to_a_missing_build_is_rebuilt_not_a_loop(built, embedder):
    # `mgqa build` used to answer "run `mgqa build` again" here, which is what had just failed
    settings = built
    (settings.index_dir / "CURRENT").write_text("build-that-was-deleted\n", encoding="utf-8")
    report = build(settings, embedder)
    assert set(report.added) == set(ORIGINAL_IDS)
    assert load_index(settings.index_dir).documents.keys() == set(ORIGINAL_IDS)
