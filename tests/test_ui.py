"""The web app without a server: the knowledge-base tab, uploads and the live index swap."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from fakes import write
from mgqa.build import BuildError, build
from mgqa.formatting import documents_table, index_summary
from mgqa.ui import Library, build_app

# ---------------------------------------------------------------- knowledge-base tab


def test_documents_table_and_summary_are_text(kb):
    rows = documents_table(kb.manifest)
    assert {r[0] for r in rows} == {"Magnesium and Nerves", "Magnesium Foods", "Magnesium and Sleep"}
    assert all(len(r[5]) == 12 for r in rows)
    assert {(r[1], r[2]) for r in rows} == {("", "unknown")}  # the fixtures name no publisher
    summary = index_summary({**kb.manifest, "model": "<b>m</b>"})
    assert "&lt;b&gt;m&lt;/b&gt;" in summary and "3 documents" in summary and "the table lists" not in summary


def test_a_large_library_lists_a_bounded_table_and_says_so():
    from mgqa.formatting import TABLE_ROWS

    documents = {f"d{n}": {"title": f"Title {n:06d}", "chunks": 1, "sha256": "ab" * 32} for n in range(TABLE_ROWS * 3)}
    manifest = {"documents": documents, "counts": {"documents": len(documents), "chunks": len(documents)}}
    rows = documents_table(manifest)
    assert len(rows) == TABLE_ROWS and rows[0][0] == "Title 000000"  # the first by title, not all 1,500
    assert f"the table lists the first {TABLE_ROWS} by title" in index_summary(manifest)


# ---------------------------------------------------------------- the live index swap


def test_rebuild_swaps_in_the_new_index_and_old_one_answers_meanwhile(built, kb, tmp_path: Path):
    library = Library(kb, built)
    question = "Does magnesium threonate reach the brain?"
    assert all(q.doc_id != "threonate" for q in library.ask(question).quotes)
    upload = write(tmp_path / "in", "threonate.txt",
                   "Magnesium Threonate\n\nMagnesium threonate may reach the brain better than other forms.\n")
    during = []

    def progress(fraction: float, message: str) -> None:
        if 0.1 < fraction < 1 and not during:  # mid-build: the question is answered by the old index
            result = {}
            asker = threading.Thread(target=lambda: result.update(a=library.ask(question)))
            asker.start()
            asker.join()
            during.append(result["a"])

    report, added = library.rebuild([str(upload)], progress)
    assert added == ["threonate.txt"] and "threonate" in report.added
    assert during and all(q.doc_id != "threonate" for q in during[0].quotes)
    after = library.ask(question)
    assert after.quotes[0].doc_id == "threonate"
    assert library.kb is not kb and library.kb.embedder is kb.embedder  # model not reloaded


def test_a_failed_build_keeps_the_old_index_answering(built, kb):
    library = Library(kb, built)
    for path in built.docs_dir.iterdir():
        path.unlink()
    with pytest.raises(BuildError, match="no usable document"):
        library.rebuild()
    assert library.kb is kb
    assert library.ask("How much magnesium do adults take each day?").status == "answered"


def test_only_one_rebuild_at_a_time(built, kb):
    library = Library(kb, built)
    started, release = threading.Event(), threading.Event()

    def slow(fraction: float, message: str) -> None:
        started.set()
        release.wait(5)

    (built.docs_dir / "extra.txt").write_text("Extra\n\nMagnesium citrate is absorbed well.\n")
    worker = threading.Thread(target=library.rebuild, kwargs={"progress": slow})
    worker.start()
    assert started.wait(5)
    with pytest.raises(BuildError, match="already running"):
        library.rebuild()
    release.set()
    worker.join(10)


def test_a_build_made_from_a_terminal_is_answered_from_without_a_restart(built, kb, embedder):
    library = Library(kb, built)
    question = "Does magnesium threonate reach the brain?"
    assert all(q.doc_id != "threonate" for q in library.ask(question).quotes)
    write(built.docs_dir, "threonate.txt", "Magnesium Threonate\n\nMagnesium threonate may reach the brain better.\n")
    build(built, embedder)  # what `mgqa build` does in another process
    assert library.ask(question).quotes[0].doc_id == "threonate"
    assert library.kb.embedder is kb.embedder  # the model is not loaded again
    assert not library.follow_index()  # nothing new: no reload on the next question


def test_a_terminal_build_that_cant_be_loaded_leaves_the_current_index_answering(built, kb, caplog):
    library = Library(kb, built)
    broken = built.index_dir / "build-broken"
    broken.mkdir()
    (built.index_dir / "CURRENT").write_text("build-broken")
    assert not library.follow_index()
    assert library.kb is kb and "can't be loaded" in caplog.text
    assert library.ask("How much magnesium do adults take each day?").status == "answered"
    caplog.clear()
    library.ask("How much magnesium do adults take each day?")
    assert "can't be loaded" not in caplog.text  # the broken build is not retried on every question


# ---------------------------------------------------------------- the app itself (built, not served)


def components(demo) -> dict[str, object]:
    return {b.elem_id: b for b in demo.blocks.values() if getattr(b, "elem_id", None)}


def test_without_an_admin_password_the_tab_says_how_to_enable_uploads(built, kb):
    found = components(build_app(Library(kb, built), admin_password=None))
    assert "mgqa-upload" not in found and "mgqa-password" not in found
    off = found["mgqa-admin-off"].value
    assert "MGQA_ADMIN_PASSWORD" in off and f"mgqa build --index {built.index_dir}" in off


def test_with_an_admin_password_uploads_wait_behind_the_unlock(built, kb):
    found = components(build_app(Library(kb, built), admin_password="s3cret"))
    assert {"mgqa-password", "mgqa-unlock", "mgqa-upload", "mgqa-rebuild"} <= set(found)
    assert "s3cret" not in str(found["mgqa-password"].value)
