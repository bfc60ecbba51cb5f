"""The index folder: save a build atomically, load it back, check its manifest.

Layout of `index/`:
    CURRENT                 name of the live build folder (replaced atomically)
    build-<id>/manifest.json    format, model, dimension, chunker settings, vector index kind, documents
    build-<id>/documents.jsonl  one document a line, with its full text and sentence spans
    build-<id>/chunks.jsonl     one chunk a line (verbatim text, offsets, section path)
    build-<id>/chunks.npy       passage vectors (memory-mapped at load), see vectors.py
    build-<id>/chunks.faiss     faiss index over them: flat while small, HNSW past vectors.HNSW_FROM
    build-<id>/sentences.npy    sentence vectors, rows in documents.jsonl sentence order (memory-mapped)
    build-<id>/passage_sentences.npy  each chunk's sentence rows, chunks laid end to end
    build-<id>/bm25/            the BM25 index over the passages as bm25s saves it (memory-mapped)
A new build is written beside the live one and only then named in CURRENT, so a
build that fails or is killed midway leaves the previous index loadable.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mgqa import chunking, vectors
from mgqa.errors import MgqaError
from mgqa.lexical import LexicalIndex
from mgqa.records import Chunk, Document

if TYPE_CHECKING:
    import numpy as np

FORMAT_VERSION = 2  # 2: vectors in chunks.npy beside a flat or HNSW faiss index, BM25 and sentence rows saved
POINTER = "CURRENT"


class StoreError(MgqaError):
    """The index folder is missing, unreadable or was built differently; the message says what to do."""


@dataclass(frozen=True)
class IndexData:
    """Everything a build wrote, in memory."""

    manifest: dict
    documents: dict[str, Document]
    chunks: list[Chunk]
    vectors: vectors.VectorStore
    sentence_spans: list[tuple[str, int, int]]  # (doc_id, start, end) a row of sentence_vectors
    sentence_vectors: np.ndarray  # memory-mapped
    passage_sentences: np.ndarray  # sentence rows of every chunk, chunks end to end
    lexical: LexicalIndex
    build: str = ""  # the build folder's name, as CURRENT named it when this was loaded

    def chunk_vectors(self) -> np.ndarray:
        import numpy as np

        return self.vectors.vectors(np.arange(len(self.vectors)))


def live_build(index_dir: Path) -> str | None:
    """The name of the live build folder (one small read: cheap enough to ask before every question)."""
    try:
        return (index_dir / POINTER).read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def read_manifest(index_dir: Path) -> dict | None:
    """The live build's manifest, or None when there is no index yet."""
    live = _live_dir(index_dir)
    if live is None:
        return None
    return _manifest(live, index_dir)


def _manifest(live: Path, index_dir: Path) -> dict:
    try:
        manifest = json.loads((live / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise StoreError(f"{index_dir}: the manifest can't be read ({err}); run `mgqa build` again") from None
    if not isinstance(manifest, dict):
        raise StoreError(f"{index_dir}: the manifest is not an index manifest; run `mgqa build` again")
    return manifest


def load_index(index_dir: Path) -> IndexData:
    """Load the live build; raise StoreError with a next step when there is none or it is unreadable."""
    import numpy as np

    live = _live_dir(index_dir)
    if live is None:
        raise StoreError(f"no index in {index_dir}: run `mgqa build --index {index_dir}` first")
    try:
        manifest = _manifest(live, index_dir)
        if manifest.get("format") != FORMAT_VERSION:
            raise StoreError(f"{index_dir} has index format {manifest.get('format')}, this mgqa reads "
                             f"{FORMAT_VERSION}: run `mgqa build --index {index_dir}` to rebuild it")
        documents, spans = {}, []
        for row in _read_jsonl(live / "documents.jsonl"):
            sentences = row.pop("sentences")
            doc = _document(row)
            documents[doc.doc_id] = doc
            spans.extend((doc.doc_id, a, b) for a, b in sentences)
        chunks = [_chunk(row) for row in _read_jsonl(live / "chunks.jsonl")]
        store = vectors.open_store(live, vector_kind(manifest, len(chunks)))
        sentence_vectors = np.load(live / "sentences.npy", mmap_mode="r" if spans else None)
        passage_sentences = np.load(live / "passage_sentences.npy")
        lexical = LexicalIndex.load(live / "bm25", len(chunks))
    except StoreError:
        raise
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as err:
        raise StoreError(f"{index_dir} is damaged ({err}); run `mgqa build --index {index_dir}`") from None
    if len(store) != len(chunks) or len(sentence_vectors) != len(spans) or \
            len(passage_sentences) != sum(len(c.sentences) for c in chunks):
        raise StoreError(f"{index_dir} is inconsistent (vectors and records differ); run `mgqa build` again")
    return IndexData(manifest, documents, chunks, store, spans, sentence_vectors, passage_sentences, lexical,
                     live.name)


def vector_kind(manifest: dict, chunks: int) -> str:
    """The vector index kind a manifest records (a manifest without one: what a build of that size gets)."""
    return manifest.get("vectors", {}).get("kind") or vectors.kind_for(chunks)


def save_index(index_dir: Path, manifest: dict, documents: list[Document], chunks: list[Chunk],
               chunk_vectors: np.ndarray, sentence_spans: dict[str, list[tuple[int, int]]],
               sentence_vectors: np.ndarray, base: str | None = None) -> Path:
    """Write a complete build next to the live one, fsync it, then switch CURRENT to it in one rename.

    `base`: a build folder whose passages are the first rows of these, so its vector index is extended,
    not rebuilt (see vectors.write).
    """
    import numpy as np

    index_dir.mkdir(parents=True, exist_ok=True)
    name = f"build-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
    staging = index_dir / f".{name}.tmp"
    staging.mkdir()
    try:
        _write_jsonl(staging / "documents.jsonl",
                     ({**_document_row(d), "sentences": sentence_spans.get(d.doc_id, [])} for d in documents))
        _write_jsonl(staging / "chunks.jsonl", (dict(vars(c)) for c in chunks))
        chunk_vectors = np.asarray(chunk_vectors, dtype=np.float32).reshape(-1, int(manifest["dimension"]))
        vectors.write(staging, chunk_vectors, vector_kind(manifest, len(chunks)),
                      None if base is None else index_dir / base)
        with open(staging / "sentences.npy", "wb") as handle:
            np.save(handle, np.ascontiguousarray(sentence_vectors, dtype=np.float32))
        with open(staging / "passage_sentences.npy", "wb") as handle:
            np.save(handle, _passage_sentences(documents, chunks, sentence_spans))
        (staging / "bm25").mkdir()
        LexicalIndex.build([chunking.embedding_text(c) for c in chunks]).save(staging / "bm25")
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
                                               encoding="utf-8")
        for path in [*staging.iterdir(), *(staging / "bm25").iterdir()]:
            fsync(path)
        final = index_dir / name
        staging.rename(final)
        pointer_tmp = index_dir / f".{POINTER}.{uuid.uuid4().hex[:6]}.tmp"
        pointer_tmp.write_text(name + "\n", encoding="utf-8")
        fsync(pointer_tmp)
        os.replace(pointer_tmp, index_dir / POINTER)
        fsync(index_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _remove_stale(index_dir, keep=name)
    return final


def _passage_sentences(documents: list[Document], chunks: list[Chunk],
                       sentence_spans: dict[str, list[tuple[int, int]]]) -> np.ndarray:
    """Each chunk's sentence rows (rows of sentences.npy), chunks laid end to end."""
    import numpy as np

    first, row_of = 0, {}
    for doc in documents:
        spans = sentence_spans.get(doc.doc_id, [])
        row_of[doc.doc_id] = {tuple(span): first + i for i, span in enumerate(spans)}
        first += len(spans)
    return np.array([row_of[c.doc_id][span] for c in chunks for span in c.sentences], dtype=np.int64)


@contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """One build at a time per index folder; a second one is told so instead of racing."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreError(f"another build of {index_dir} is running; wait for it to finish") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _live_dir(index_dir: Path) -> Path | None:
    try:
        name = (index_dir / POINTER).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except OSError as err:
        raise StoreError(f"{index_dir} can't be read ({err})") from None
    live = index_dir / name
    if not name or "/" in name or not live.is_dir():
        raise StoreError(f"{index_dir}/{POINTER} names a missing build; run `mgqa build` again")
    return live


def remove_leftovers(index_dir: Path) -> None:
    """Clear what killed builds left behind; the live build stays. Call with the build lock held."""
    live = _live_dir(index_dir)
    if live is not None:
        _remove_stale(index_dir, keep=live.name)


def _remove_stale(index_dir: Path, keep: str) -> None:
    """Old builds and leftovers of killed builds; the live one stays."""
    for path in index_dir.iterdir():
        if path.is_dir() and path.name != keep and (path.name.startswith("build-") or path.name.endswith(".tmp")):
            shutil.rmtree(path, ignore_errors=True)
        elif path.is_file() and path.name.startswith(f".{POINTER}.") and path.name.endswith(".tmp"):
            path.unlink(missing_ok=True)


def _document_row(doc: Document) -> dict:
    # fields are plain values and tuples: asdict's deep copy took 0.9 s of a 5 s one-document add (400 documents)
    return dict(vars(doc))


def _document(row: dict) -> Document:
    row["headings"] = tuple(tuple(h) for h in row.get("headings", ()))
    row["pages"] = tuple(row.get("pages", ()))
    row["promotes"] = tuple(row.get("promotes", ()))
    return Document(**row)


def _chunk(row: dict) -> Chunk:
    row["section"] = tuple(row["section"])
    row["sentences"] = tuple(tuple(s) for s in row["sentences"])
    return Chunk(**row)


def _write_jsonl(path: Path, rows) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def _read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def fsync(path: Path) -> None:
    """Flush a file, or a folder's entries, to disk before the rename that makes it live."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
