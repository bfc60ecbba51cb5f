"""Incremental rebuild: work out what changed in the documents folder and embed only that."""

from __future__ import annotations

import errno
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from mgqa import chunking, documents, store, vectors
from mgqa.embedding import Embedder, load_embedder
from mgqa.errors import MgqaError
from mgqa.records import Chunk, Document
from mgqa.settings import Settings
from mgqa.sources import SOURCES_FILE

CHUNKER_VERSION = 4  # bump when chunking.py or a loader changes the text or what is cut: forces a full rebuild
Progress = Callable[[float, str], None]


class BuildError(MgqaError):
    """A build that could not run; the previous index is untouched."""


@dataclass(frozen=True)
class BuildReport:
    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()  # files of the folder that gave no document to index (sources, not ids)
    chunks: int = 0
    seconds: float = 0.0
    full: bool = False  # model or chunker settings changed, so everything was re-embedded
    warnings: tuple[str, ...] = field(default=())

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed or self.full)

    def summary(self) -> str:
        return (f"{len(self.added)} added, {len(self.updated)} updated, {len(self.removed)} removed, "
                f"{len(self.unchanged)} unchanged documents; {self.chunks} chunks; {self.seconds:.2f}s"
                + (" (full rebuild)" if self.full else ""))


def index_settings(settings: Settings) -> dict:
    """What the vectors depend on besides the documents: a change here re-embeds everything."""
    return {"model": settings.model, "chunker": {
        "version": CHUNKER_VERSION, "max_tokens": settings.chunk_tokens,
        "overlap_sentences": settings.overlap_sentences, "hard_limit": chunking.ChunkSettings.hard_limit}}


def is_fresh(settings: Settings) -> bool:
    """True when the index matches the documents folder and settings, without loading any model."""
    manifest = store.read_manifest(settings.index_dir)
    return manifest is not None and _same_settings(manifest, settings) and \
        _digests(settings.docs_dir) == manifest.get("files")


def build(settings: Settings, embedder: Embedder | None = None, progress: Progress | None = None) -> BuildReport:
    """Bring settings.index_dir up to date with settings.docs_dir; embed only what changed.

    Raises BuildError (or StoreError) with one line saying what to do; the previous index stays live.
    """
    try:
        return _build(settings, embedder, progress)
    except OSError as err:  # disk full, a read-only or unusable folder: the staged build was removed
        raise BuildError(disk_problem(err, settings.index_dir)) from None


def build_from_folders(folders: tuple[Path, ...], staging: Path, settings: Settings, sources: Path | None = None,
                       embedder: Embedder | None = None) -> BuildReport:
    """Build settings.index_dir from several documents folders, copied side by side into `staging` (for
    evaluating a library made of several collections); `sources` becomes the staging folder's sources.yaml."""
    import shutil

    staging.mkdir(parents=True, exist_ok=True)
    for folder in folders:
        for path in sorted(Path(folder).iterdir()):
            if path.is_file() and not path.is_symlink() and not path.name.startswith("."):
                if (staging / path.name).exists():
                    raise BuildError(f"two folders hold {path.name}: rename one of them")
                shutil.copyfile(path, staging / path.name)
    if sources is not None:
        shutil.copyfile(sources, staging / SOURCES_FILE)
    return build(replace(settings, docs_dir=staging), embedder)


def disk_problem(err: OSError, index_dir: Path) -> str:
    """An OS error during a build as one line naming what to do."""
    where = err.filename or index_dir
    if err.errno == errno.ENOSPC:
        advice = "the disk is full: free some space, then build again"
    elif err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        advice = "no permission to write there (or a read-only disk): give a writable --index folder"
    elif err.errno in (errno.ENOTDIR, errno.EEXIST, errno.EISDIR):
        advice = f"{index_dir} must be a folder: give another --index path"
    else:
        advice = err.strerror or type(err).__name__
    return f"can't build the index at {where}: {advice}; the previous index, if any, is unchanged"


def _build(settings: Settings, embedder: Embedder | None, progress: Progress | None) -> BuildReport:
    began = time.perf_counter()
    progress = progress or (lambda fraction, message: None)
    with store.build_lock(settings.index_dir):
        manifest = store.read_manifest(settings.index_dir)
        full = manifest is None or not _same_settings(manifest, settings)
        old_docs = {} if manifest is None else manifest["documents"]
        files = _digests(settings.docs_dir)  # every file, skipped ones too, so a bad file isn't re-read each time
        if not full and files == manifest.get("files"):
            store.remove_leftovers(settings.index_dir)
            return BuildReport(unchanged=tuple(sorted(old_docs)), chunks=manifest["counts"]["chunks"],
                               seconds=time.perf_counter() - began)
        progress(0.05, "reading documents")
        live = None if full else _live_or_none(settings.index_dir)
        full = full or live is None  # nothing to reuse or extend
        docs, warnings = documents.load_documents(settings.docs_dir, settings.max_file_bytes,
                                                  _unchanged(live, files, manifest))
        if not docs:
            raise BuildError(f"no usable document in {settings.docs_dir} (supported: "
                             f"{', '.join(documents.SUPPORTED)}); the index was left as it was")
        reuse = {} if live is None else _reusable(live, old_docs, docs)
        fresh_docs = [d for d in docs if d.doc_id not in reuse]
        embedder = embedder or load_embedder(settings)
        progress(0.1, f"embedding {len(fresh_docs)} document(s)")
        fresh, too_big = _embed(fresh_docs, embedder, settings, progress)
        parts = {**reuse, **fresh}
        empty = [d for d in docs if not parts[d.doc_id].chunks]
        warnings += [f"skipped {d.source}: nothing to quote (only headings)" for d in empty
                     if d.doc_id not in too_big]
        warnings += too_big.values()
        docs = [d for d in docs if parts[d.doc_id].chunks]
        if not docs:
            raise BuildError(f"no document in {settings.docs_dir} has text to quote; the index was left as it was")
        skipped = tuple(sorted(set(files) - {d.source for d in docs} - {SOURCES_FILE}))
        appended = _appending(manifest, full, docs, parts)
        base = None if appended is None else store.live_build(settings.index_dir)
        report = replace(_write(settings, embedder, appended or docs, parts, old_docs, full, warnings, began, files,
                                base), skipped=skipped)
    progress(1.0, "done")
    return report


@dataclass(frozen=True)
class _Part:
    """One document's share of an index: its chunks and vectors."""

    chunks: list[Chunk]
    chunk_vectors: object
    sentences: list[tuple[int, int]]
    sentence_vectors: object
    indexed_at: str


def _embed(docs: list[Document], embedder: Embedder, settings: Settings, progress: Progress
           ) -> tuple[dict[str, _Part], dict[str, str]]:
    """Cut every document, then embed all their passages and sentences together (see _encode_all); and the
    documents over the passage limit (left empty), with a warning each."""
    chunk_settings = chunking.ChunkSettings(settings.chunk_tokens, settings.overlap_sentences)
    now = _now()
    cut, texts, too_big = [], [], {}
    for doc in docs:
        chunks = chunking.chunk_document(doc, embedder.count_tokens, chunk_settings)
        if len(chunks) > settings.max_passages:
            too_big[doc.doc_id] = (f"skipped {doc.source}: {len(chunks):,} passages is over the limit of "
                                   f"{settings.max_passages:,} per document (MGQA_MAX_PASSAGES); split it or "
                                   "raise the limit")
            chunks = []
        section_of = {span: chunk.section for chunk in chunks for span in chunk.sentences}
        sentences = sorted(section_of)
        cut.append((doc, chunks, sentences, len(texts)))
        texts += [chunking.embedding_text(c) for c in chunks] + \
                 [chunking.with_context(section_of[(a, b)], doc.text[a:b]) for a, b in sentences]
    progress(0.2, f"embedding {len(texts)} passages and sentences")
    vectors = _encode_all(texts, embedder, lambda share: progress(0.2 + 0.7 * share,
                                                                 f"embedded {share:.0%} of the passages"))
    out = {}
    for doc, chunks, sentences, first in cut:
        middle = first + len(chunks)
        out[doc.doc_id] = _Part(chunks, vectors[first:middle], sentences,
                                vectors[middle:middle + len(sentences)], now)
    return out, too_big


def _encode_all(texts: list[str], embedder: Embedder, done: Callable[[float], None]):
    """Every distinct text once, in slices of similar length so batches carry little padding.

    Encoding each document apart made many small, ragged batches: a build cost twice its bare encoding.
    """
    import numpy as np

    unique = sorted(dict.fromkeys(texts), key=len)
    step = 2048  # texts per slice: large enough for full batches, small enough for a moving progress bar
    parts = []
    for start in range(0, len(unique), step):
        parts.append(embedder.encode(unique[start:start + step], progress=len(unique) > 256))
        done(min(1.0, (start + step) / len(unique)))
    if not parts:
        return np.zeros((0, embedder.dimension), dtype=np.float32)
    row = {text: number for number, text in enumerate(unique)}
    return np.concatenate(parts)[[row[t] for t in texts]]


def _live_or_none(index_dir: Path) -> store.IndexData | None:
    """The live index to reuse from; None (so everything is re-read and re-embedded) if it can't be read."""
    try:
        return store.load_index(index_dir)
    except store.StoreError:
        return None


def _unchanged(live: store.IndexData | None, files: dict[str, str], manifest: dict | None) -> dict[str, Document]:
    """The live index's documents whose file (and sidecar) bytes are unchanged, by source: not parsed again.
    None when the folder's sources.yaml changed, since it can change any document's publisher type."""
    if live is None or manifest is None:
        return {}
    old = manifest.get("files", {})
    if files.get(SOURCES_FILE) != old.get(SOURCES_FILE):
        return {}
    return {d.source: d for d in live.documents.values() if d.source in old and files.get(d.source) == old[d.source]}


def _reusable(data: store.IndexData, old_docs: dict, docs: list[Document]) -> dict[str, _Part]:
    """The parts of unchanged documents, taken from the live index instead of re-embedding them.

    Chunks and sentence rows are grouped by document in one pass each: the cost grows with the index once,
    not once per kept document.
    """
    keep = {d.doc_id for d in docs if d.doc_id in old_docs and old_docs[d.doc_id]["sha256"] == d.sha256}
    if not keep:
        return {}
    import numpy as np

    chunk_rows: dict[str, list[int]] = {}
    for row, chunk in enumerate(data.chunks):
        chunk_rows.setdefault(chunk.doc_id, []).append(row)
    sentence_rows: dict[str, list[tuple[int, tuple[int, int]]]] = {}
    for row, (doc_id, a, b) in enumerate(data.sentence_spans):
        sentence_rows.setdefault(doc_id, []).append((row, (a, b)))
    out = {}
    for doc_id in keep:
        picks = np.array(chunk_rows.get(doc_id, []), dtype=np.int64)
        sentences = sentence_rows.get(doc_id, [])
        out[doc_id] = _Part(
            [data.chunks[i] for i in picks], data.vectors.vectors(picks),
            [span for _, span in sentences],
            np.asarray(data.sentence_vectors[np.array([r for r, _ in sentences], dtype=np.int64)]),
            old_docs[doc_id].get("indexed_at", _now()))
    return out


def _appending(manifest: dict | None, full: bool, docs: list[Document], parts: dict[str, _Part]
               ) -> list[Document] | None:
    """When the change only adds documents: the documents with the old ones first, in their old order, so the
    live vector index can be extended instead of rebuilt. None when anything was updated or removed, or the
    index kind changes with the new size."""
    if manifest is None or full:
        return None
    old_order = list(manifest["documents"])
    by_id = {d.doc_id: d for d in docs}
    if not all(doc_id in by_id and by_id[doc_id].sha256 == manifest["documents"][doc_id]["sha256"]
               for doc_id in old_order):
        return None
    count = sum(len(parts[d.doc_id].chunks) for d in docs)
    if vectors.kind_for(count) != store.vector_kind(manifest, manifest["counts"]["chunks"]):
        return None
    return [by_id[doc_id] for doc_id in old_order] + [d for d in docs if d.doc_id not in manifest["documents"]]


def _write(settings, embedder, docs, parts, old_docs, full, warnings, began, files, base=None) -> BuildReport:
    import numpy as np

    chunks = [c for d in docs for c in parts[d.doc_id].chunks]
    dimension = next((p.chunk_vectors.shape[1] for p in parts.values() if len(p.chunk_vectors)), None)
    dimension = dimension or embedder.dimension
    manifest = {
        "format": store.FORMAT_VERSION, **index_settings(settings), "dimension": int(dimension),
        "vectors": vectors.describe(vectors.kind_for(len(chunks))),
        "built_at": _now(), "counts": {"documents": len(docs), "chunks": len(chunks)},
        "documents": {d.doc_id: {"source": d.source, "kind": d.kind, "title": d.title, "url": d.url,
                                 "publisher": d.publisher, "publisher_type": d.publisher_type,
                                 "commercial": d.commercial, "sha256": d.sha256,
                                 "chunks": len(parts[d.doc_id].chunks), "indexed_at": parts[d.doc_id].indexed_at}
                      for d in docs},
        "files": files,
        "build_seconds": round(time.perf_counter() - began, 3),
    }
    chunk_vectors = np.concatenate([np.asarray(parts[d.doc_id].chunk_vectors).reshape(-1, dimension) for d in docs])
    sentence_vectors = np.concatenate([np.asarray(parts[d.doc_id].sentence_vectors).reshape(-1, dimension)
                                       for d in docs])
    spans = {d.doc_id: [list(s) for s in parts[d.doc_id].sentences] for d in docs}
    store.save_index(settings.index_dir, manifest, docs, chunks, chunk_vectors, spans, sentence_vectors, base)
    return BuildReport(**_changes(docs, old_docs), chunks=len(chunks), full=full and bool(old_docs),
                       warnings=tuple(warnings), seconds=time.perf_counter() - began)


def _changes(docs: list[Document], old_docs: dict) -> dict[str, tuple[str, ...]]:
    """Documents added, updated (new hash), removed and unchanged since the previous build."""
    new = {d.doc_id: d.sha256 for d in docs}
    old = {doc_id: entry["sha256"] for doc_id, entry in old_docs.items()}
    return {"added": tuple(sorted(new.keys() - old.keys())),
            "updated": tuple(sorted(i for i in new.keys() & old.keys() if new[i] != old[i])),
            "removed": tuple(sorted(old.keys() - new.keys())),
            "unchanged": tuple(sorted(i for i in new.keys() & old.keys() if new[i] == old[i]))}


def _same_settings(manifest: dict, settings: Settings) -> bool:
    wanted = index_settings(settings)
    return manifest.get("format") == store.FORMAT_VERSION and all(manifest.get(k) == v for k, v in wanted.items())


def _digests(docs_dir: Path) -> dict[str, str]:
    """Every document file's digest, and the folder's sources.yaml's: a change to either is a change."""
    try:
        files = documents.iter_document_files(docs_dir)
    except documents.DocumentError as err:
        raise BuildError(str(err)) from None
    digests = {path.relative_to(docs_dir).as_posix(): documents.file_digest(path) for path in files}
    if (sources := docs_dir / SOURCES_FILE).is_file():
        digests[SOURCES_FILE] = documents.file_digest(sources)
    return digests


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
