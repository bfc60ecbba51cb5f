"""One segment of an index: a set of documents written once and never changed, read lazily by row.

A build that adds documents writes them as a new segment beside the segments it keeps (see store.py), so adding
one document to a large library writes one small folder. Layout of a segment folder:
    documents.jsonl, documents.offsets.npy  one document a line (full text, sentence spans); byte offset of each
    chunks.jsonl, chunks.offsets.npy        one chunk a line (verbatim text, offsets, section path); byte offsets
    doc_chunks.npy, doc_sentences.npy       where each document's chunks and sentences begin (rows, and one past)
    chunk_sentences.npy                     how many sentences each chunk holds
    passage_sentences.npy                   each chunk's sentence rows, chunks laid end to end
    sentences.npy                           sentence vectors, rows in document then span order
    chunks.npy, chunks.faiss                passage vectors and their faiss index (vectors.py)
    bm25/                                   the passages' postings (lexical.py)
Records are parsed only when asked for (a question's few candidates), not at load: at 100,000 documents parsing
every line into Python objects took most of the load time and memory.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mgqa import chunking, lexical, npy, vectors
from mgqa.records import Chunk, Document

FILES = ("documents.jsonl", "documents.offsets.npy", "chunks.jsonl", "chunks.offsets.npy", "doc_chunks.npy",
         "doc_sentences.npy", "chunk_sentences.npy", "passage_sentences.npy", "sentences.npy",
         vectors.VECTORS_FILE, vectors.INDEX_FILE)
BM25_FOLDER = "bm25"


@dataclass(frozen=True)
class Part:
    """One document's share of a segment: its chunks, its sentence spans, and their vectors."""

    document: Document
    chunks: list[Chunk]
    chunk_vectors: np.ndarray
    sentences: list[tuple[int, int]]
    sentence_vectors: np.ndarray


def write(folder: Path, parts: list[Part], dimension: int, kind: str) -> None:
    """Write the parts, in order, as a segment folder with a vector index of the kind."""
    folder.mkdir()
    chunks = [c for p in parts for c in p.chunks]
    _write_lines(folder / "documents", ({**vars(p.document), "sentences": [list(s) for s in p.sentences]}
                                        for p in parts))
    _write_lines(folder / "chunks", (dict(vars(c)) for c in chunks))
    npy.save(folder / "doc_chunks.npy", _starts([len(p.chunks) for p in parts]))
    npy.save(folder / "doc_sentences.npy", _starts([len(p.sentences) for p in parts]))
    npy.save(folder / "chunk_sentences.npy", np.array([len(c.sentences) for c in chunks], dtype=np.int32))
    npy.save(folder / "passage_sentences.npy", _passage_sentences(parts))
    npy.save(folder / "sentences.npy", _stack([p.sentence_vectors for p in parts], dimension))
    vectors.write(folder, _stack([p.chunk_vectors for p in parts], dimension), kind)
    lexical.write_postings(folder / BM25_FOLDER, [chunking.embedding_text(c, p.document.title)
                                                  for p in parts for c in p.chunks])


def files(folder: Path) -> list[Path]:
    """Every file of a segment folder, the postings' included."""
    return [*(folder / name for name in FILES), *sorted((folder / BM25_FOLDER).iterdir())]


class Segment:
    """A segment folder opened for reading: small arrays in memory, vectors and records read by row when asked for."""

    def __init__(self, folder: Path, kind: str) -> None:
        self.folder = folder
        self.doc_chunks = np.load(folder / "doc_chunks.npy")
        self.doc_sentences = np.load(folder / "doc_sentences.npy")
        self.chunk_sentences = np.load(folder / "chunk_sentences.npy")
        self.passage_sentences = np.load(folder / "passage_sentences.npy")
        self.sentence_vectors = npy.rows(folder / "sentences.npy")
        self.vectors = vectors.open_store(folder, kind)
        self.postings = lexical.Postings.open(folder / BM25_FOLDER)
        self._documents = _Lines(folder / "documents")
        self._chunks = _Lines(folder / "chunks")
        self.documents, self.chunks = len(self._documents), len(self._chunks)
        # a question reads its 40 candidates' records; the next question mostly reads the same ones again
        self.chunk = functools.lru_cache(maxsize=2048)(self._chunk)
        if not (len(self.doc_chunks) == len(self.doc_sentences) == self.documents + 1
                and self.doc_chunks[-1] == self.chunks == len(self.chunk_sentences) == len(self.vectors)
                == len(self.postings.lengths) and self.doc_sentences[-1] == len(self.sentence_vectors)
                and len(self.passage_sentences) == int(self.chunk_sentences.sum())):
            raise ValueError(f"{folder.name}: its records, vectors and postings differ in length")

    def document(self, row: int) -> Document:
        record = self._documents.record(row)
        record.pop("sentences")
        record["headings"] = tuple(tuple(h) for h in record.get("headings", ()))
        record["pages"] = tuple(record.get("pages", ()))
        record["promotes"] = tuple(record.get("promotes", ()))
        return Document(**record)

    def sentence_spans(self, row: int) -> list[tuple[int, int]]:
        return [(a, b) for a, b in self._documents.record(row)["sentences"]]

    def _chunk(self, row: int) -> Chunk:
        """The chunk at a row (`chunk`, which keeps the recent ones: a segment's files never change)."""
        record = self._chunks.record(row)
        record["section"] = tuple(record["section"])
        record["sentences"] = tuple(tuple(s) for s in record["sentences"])
        return Chunk(**record)

    def part(self, row: int, document: Document | None = None) -> Part:
        """A document's share, to write again into another segment (a merge) without embedding it again."""
        first, last = int(self.doc_chunks[row]), int(self.doc_chunks[row + 1])
        begin, end = int(self.doc_sentences[row]), int(self.doc_sentences[row + 1])
        return Part(document or self.document(row), [self.chunk(i) for i in range(first, last)],
                    self.vectors.vectors(np.arange(first, last)), self.sentence_spans(row),
                    np.asarray(self.sentence_vectors[begin:end], dtype=np.float32))

    def dead_chunks(self, live_documents: np.ndarray) -> np.ndarray | None:
        """Chunk rows of documents not among `live_documents` (rows), or None when every document is live."""
        live = np.zeros(self.documents, dtype=bool)
        live[live_documents] = True
        if live.all():
            return None
        return ~np.repeat(live, np.diff(self.doc_chunks))


class _Lines:
    """A JSONL file whose lines are read by row through their saved byte offsets (pread, as npy.RowFile)."""

    def __init__(self, stem: Path) -> None:
        self.offsets = np.load(stem.with_suffix(".offsets.npy"))
        path = stem.with_suffix(".jsonl")
        size = path.stat().st_size
        if size != (int(self.offsets[-1]) if len(self.offsets) else -1):
            raise ValueError(f"{path.name} has {size} bytes, its offsets say {self.offsets[-1:]}")
        self._file = npy.OpenFile(path)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def record(self, row: int) -> dict:
        start, end = int(self.offsets[row]), int(self.offsets[row + 1])
        return json.loads(self._file.read(start, end - start))


def _write_lines(stem: Path, rows) -> None:
    offsets = [0]
    with open(stem.with_suffix(".jsonl"), "wb") as handle:
        for row in rows:
            line = (json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8")
            handle.write(line)
            offsets.append(offsets[-1] + len(line))
    npy.save(stem.with_suffix(".offsets.npy"), np.array(offsets, dtype=np.int64))


def _starts(counts: list[int]) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(counts, dtype=np.int64)]).astype(np.int64)


def _stack(arrays: list, dimension: int) -> np.ndarray:
    if not arrays:
        return np.zeros((0, dimension), dtype=np.float32)
    return np.ascontiguousarray(np.concatenate([np.asarray(a, dtype=np.float32).reshape(-1, dimension)
                                                for a in arrays]))


def _passage_sentences(parts: list[Part]) -> np.ndarray:
    """Each chunk's sentence rows (rows of sentences.npy), chunks laid end to end."""
    rows, first = [], 0
    for part in parts:
        row_of = {tuple(span): first + i for i, span in enumerate(part.sentences)}
        rows += [row_of[span] for chunk in part.chunks for span in chunk.sentences]
        first += len(part.sentences)
    return np.array(rows, dtype=np.int64)
