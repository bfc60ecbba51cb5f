"""Incremental rebuild: work out what changed in the documents folder and embed only that."""

from __future__ import annotations

import errno
import gc
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from mgqa import chunking, documents, fingerprints, segments, store, vectors
from mgqa.embedding import Embedder, load_embedder
from mgqa.errors import MgqaError
from mgqa.records import Document
from mgqa.settings import Settings
from mgqa.sources import SOURCES_FILE

log = logging.getLogger(__name__)

# bump when chunking.py or a loader changes the text or what is cut: forces a full rebuild
CHUNKER_VERSION = 6  # 6: bylines dropped from HTML; 5: passages under their title, sentence vectors two-way means
Progress = Callable[[float, str], None]
MAX_SEGMENTS = 8  # segments a build leaves at most: each is one more search per question
MAX_RETIRED = 0.25  # share of a segment's chunks retired (edited or removed documents) past which it is rewritten


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
        _fingerprints(settings.docs_dir, manifest, _listing(settings.docs_dir)).digests == manifest.get("files")


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
    with store.build_lock(settings.index_dir), _frozen_after(lambda: _manifest_or_none(settings.index_dir)) as manifest:
        full = manifest is None or not _same_settings(manifest, settings)
        old_docs = {} if manifest is None else manifest["documents"]
        # the folder is scanned once: fingerprinted, named and read from the same listing
        listing = _listing(settings.docs_dir)
        # every file, skipped ones too, so a bad file isn't re-read each time
        looked = _fingerprints(settings.docs_dir, None if full else manifest, listing)
        files = looked.digests
        if not full and files == manifest.get("files"):
            store.remove_leftovers(settings.index_dir)
            return BuildReport(unchanged=tuple(sorted(old_docs)), chunks=manifest["counts"]["chunks"],
                               seconds=time.perf_counter() - began)
        progress(0.05, "reading documents")
        live = None if full else _live_or_none(settings.index_dir, manifest)
        kept = {} if live is None else _kept(manifest, files, listing.ids)
        docs, warnings = documents.load_documents(settings.docs_dir, settings.max_file_bytes,
                                                  {entry["source"] for entry in kept.values()}, listing)
        if not docs and not kept:
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
        if not docs and not kept:
            raise BuildError(f"no document in {settings.docs_dir} has text to quote; the index was left as it was")
        indexed = {d.source for d in docs} | {entry["source"] for entry in kept.values()}
        skipped = tuple(sorted(set(files) - indexed - {SOURCES_FILE}))
        written = _Written(kept, [parts[d.doc_id] for d in docs],
                           {d.doc_id: old_docs[d.doc_id]["indexed_at"] for d in docs if d.doc_id in reuse})
        report = replace(_write(settings, embedder, live, written, old_docs, full, warnings, began, looked),
                         skipped=skipped)
    progress(1.0, "done")
    return report


@dataclass(frozen=True)
class _Written:
    """What a build writes: the live documents it keeps where they are, and the parts of a new segment."""

    kept: dict[str, dict]  # doc_id -> its manifest entry (segment, row, ...)
    parts: list[segments.Part]
    indexed_at: dict[str, str]  # doc_id -> when it was first embedded, for the parts that were not embedded now


def _embed(docs: list[Document], embedder: Embedder, settings: Settings, progress: Progress
           ) -> tuple[dict[str, segments.Part], dict[str, str]]:
    """Cut every document, then embed all their passages and sentences together (see _encode_all); and the
    documents over the passage limit (left empty), with a warning each."""

    chunk_settings = chunking.ChunkSettings(settings.chunk_tokens, settings.overlap_sentences)
    cut, texts, too_big = [], [], {}
    for doc in docs:
        chunks = chunking.chunk_document(doc, embedder.count_tokens, chunk_settings)
        if len(chunks) > settings.max_passages:
            too_big[doc.doc_id] = (f"skipped {doc.source}: {len(chunks):,} passages is over the limit of "
                                   f"{settings.max_passages:,} per document (MGQA_MAX_PASSAGES); split it or "
                                   "raise the limit")
            chunks = []
        embedded = chunking.document_texts(doc, chunks)
        cut.append((doc, chunks, embedded.spans, len(texts)))
        texts += embedded.passages + embedded.plain + embedded.titled
    progress(0.2, f"embedding {len(texts)} passages and sentences")
    vectors = _encode_all(texts, embedder, lambda share: progress(0.2 + 0.7 * share,
                                                                 f"embedded {share:.0%} of the passages"))
    out = {}
    for doc, chunks, sentences, first in cut:
        middle, n = first + len(chunks), len(sentences)
        mean = sentence_vectors(vectors[middle:middle + n], vectors[middle + n:middle + 2 * n])
        out[doc.doc_id] = segments.Part(doc, chunks, vectors[first:middle], sentences, mean)
    return out, too_big


def sentence_vectors(plain, titled):
    """Each sentence's vector in the index: the normalised mean of its embeddings under its heading path and
    under its title and heading path (`plain`, `titled`: chunking.document_texts's two sentence texts, embedded)."""
    import numpy as np

    mean = plain + titled
    return mean / np.maximum(np.linalg.norm(mean, axis=1, keepdims=True), 1e-12)


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


@contextmanager
def _frozen_after(read: Callable[[], dict | None]) -> Iterator[dict | None]:
    """The manifest `read` gives, with everything allocated so far set aside from the cycle collector until the
    block ends: a library's manifest is millions of objects that hold no cycle, and each full collection walked
    them all again (0.8 of a 3.8 s build adding one document to 100,000)."""
    manifest = read()
    gc.freeze()
    try:
        yield manifest
    finally:
        gc.unfreeze()


def _manifest_or_none(index_dir: Path) -> dict | None:
    """The live manifest; None when there is no index, or when the live build is missing or unreadable: a full
    build replaces it (telling the user to build again, when building is what fails, would go round in circles)."""
    try:
        return store.read_manifest(index_dir)
    except store.StoreError as err:
        log.warning("%s; building the whole index from the documents instead", str(err).split("; run")[0])
        return None


def _live_or_none(index_dir: Path, manifest: dict) -> store.IndexData | None:
    """The live index to reuse from (`manifest` its manifest, read under the build lock); None (so everything is
    re-read and re-embedded) if it can't be read."""
    try:
        return store.load_index(index_dir, manifest)
    except store.StoreError:
        return None


def _kept(manifest: dict, files: dict[str, str], ids: dict[str, str]) -> dict[str, dict]:
    """The live documents to keep as they are, by id: their file (and sidecar) bytes and their id unchanged.
    None when the folder's sources.yaml changed, since it can change any document's publisher type."""
    old = manifest.get("files", {})
    if files.get(SOURCES_FILE) != old.get(SOURCES_FILE):
        return {}
    return {doc_id: entry for doc_id, entry in manifest["documents"].items()
            if files.get(entry["source"]) == old.get(entry["source"]) and ids.get(entry["source"]) == doc_id}


def _reusable(data: store.IndexData, old_docs: dict, docs: list[Document]) -> dict[str, segments.Part]:
    """Parts of documents read again whose bytes are unchanged (the sources.yaml changed), taken from the live
    index instead of embedding them again."""
    out = {}
    for doc in docs:
        if doc.doc_id in data.documents and old_docs[doc.doc_id]["sha256"] == doc.sha256:
            number, row = data.documents.where[doc.doc_id]
            out[doc.doc_id] = data.segments[number].part(row, doc)
    return out


def _merged(manifest: dict, kept: dict[str, dict], new: int) -> list[str]:
    """Segments to write again as one with the new documents: each with more than MAX_RETIRED of its chunks
    retired, and all but the largest once more than MAX_SEGMENTS would be left. A library so stays a few
    segments, and its largest one is written again only when much of it is retired."""
    live: dict[str, int] = {}
    for entry in kept.values():
        live[entry["segment"]] = live.get(entry["segment"], 0) + entry["chunks"]
    entries = [e for e in manifest["segments"] if live.get(e["name"])]
    merge = [e["name"] for e in entries if live[e["name"]] < (1 - MAX_RETIRED) * e["chunks"]]
    if len(entries) + (new > 0) > MAX_SEGMENTS:
        largest = max(entries, key=lambda e: live[e["name"]])["name"]
        merge = [e["name"] for e in entries if e["name"] != largest]
    return merge


def _write(settings, embedder, live, written: _Written, old_docs, full, warnings, began, looked) -> BuildReport:
    kept, parts = dict(written.kept), list(written.parts)
    indexed_at = dict(written.indexed_at)
    merge = [] if live is None else _merged(live.manifest, kept, len(parts))
    if merge:  # the kept documents of those segments join the new one, in their order, without re-embedding
        number_of = {segment.folder.name: number for number, segment in enumerate(live.segments)}
        moved = sorted((number_of[e["segment"]], e["row"], doc_id) for doc_id, e in kept.items()
                       if e["segment"] in merge)
        parts = [live.segments[number].part(row) for number, row, _ in moved] + parts
        indexed_at.update({doc_id: kept.pop(doc_id).get("indexed_at", _now()) for _, _, doc_id in moved})
    dimension = int(live.manifest["dimension"]) if live is not None else next(
        (p.chunk_vectors.shape[1] for p in parts if len(p.chunk_vectors)), embedder.dimension)
    name = f"seg-{uuid.uuid4().hex[:12]}"
    count = sum(len(p.chunks) for p in parts)
    entries = dict(kept)  # the kept entries are not changed: a new document's entry is a new dict
    for row, part in enumerate(parts):
        d = part.document
        entries[d.doc_id] = {"source": d.source, "kind": d.kind, "title": d.title, "url": d.url,
                             "publisher": d.publisher, "publisher_type": d.publisher_type,
                             "commercial": d.commercial, "sha256": d.sha256, "chunks": len(part.chunks),
                             "indexed_at": indexed_at.get(d.doc_id) or _now(), "segment": name, "row": row}
    used = {entry["segment"] for entry in entries.values()}
    segment_list = [e for e in ([] if live is None else live.manifest["segments"]) if e["name"] in used]
    if parts:
        segment_list.append({"name": name, "documents": len(parts), "chunks": count,
                             "vectors": vectors.describe(vectors.kind_for(count))})
    manifest = {
        "format": store.FORMAT_VERSION, **index_settings(settings), "dimension": dimension,
        "vectors": max(segment_list, key=lambda e: e["chunks"])["vectors"], "built_at": _now(),
        "counts": {"documents": len(entries), "chunks": sum(e["chunks"] for e in entries.values())},
        "documents": entries, "segments": segment_list, **looked.manifest(),
        "build_seconds": round(time.perf_counter() - began, 3),
    }
    store.save_index(settings.index_dir, manifest, (name, parts) if parts else None,
                     None if live is None else live.build)
    return BuildReport(**_changes({d: e["sha256"] for d, e in entries.items()}, old_docs),
                       chunks=manifest["counts"]["chunks"], full=full and bool(old_docs),
                       warnings=tuple(warnings), seconds=time.perf_counter() - began)


def _changes(new: dict[str, str], old_docs: dict) -> dict[str, tuple[str, ...]]:
    """Documents added, updated (new hash), removed and unchanged since the previous build (`new`: id -> hash)."""
    old = {doc_id: entry["sha256"] for doc_id, entry in old_docs.items()}
    return {"added": tuple(sorted(new.keys() - old.keys())),
            "updated": tuple(sorted(i for i in new.keys() & old.keys() if new[i] != old[i])),
            "removed": tuple(sorted(old.keys() - new.keys())),
            "unchanged": tuple(sorted(i for i in new.keys() & old.keys() if new[i] == old[i]))}


def _same_settings(manifest: dict, settings: Settings) -> bool:
    wanted = index_settings(settings)
    return manifest.get("format") == store.FORMAT_VERSION and all(manifest.get(k) == v for k, v in wanted.items())


def _listing(docs_dir: Path) -> documents.Listing:
    try:
        return documents.list_folder(docs_dir)
    except documents.DocumentError as err:
        raise BuildError(str(err)) from None


def _fingerprints(docs_dir: Path, manifest: dict | None, listing: documents.Listing) -> fingerprints.Fingerprints:
    try:
        return fingerprints.take(docs_dir, manifest, listing)
    except documents.DocumentError as err:
        raise BuildError(str(err)) from None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
