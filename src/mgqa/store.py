"""The index folder: save a build atomically, load it back, check its manifest.

Layout of `index/`:
    CURRENT                    name of the live build folder (replaced atomically)
    build-<id>/manifest.json   format, model, dimension, chunker settings, the segments in order, and every live
                               document with the segment and row that hold it
    build-<id>/seg-<id>/       a segment: documents, chunks, vectors and BM25 postings written once (segments.py)
A build that adds documents writes one new segment; the segments it keeps are hard links to the live build's
files, so its cost follows what changed. A document edited or removed is dropped from the manifest, and its rows
in an older segment are left out of every search (retired). A new build is written beside the live one and only
then named in CURRENT, so a build that fails or is killed midway leaves the previous index loadable.
"""

from __future__ import annotations

import fcntl
import functools
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mgqa import npy, segments, vectors
from mgqa.errors import MgqaError
from mgqa.lexical import LexicalIndex
from mgqa.records import Chunk, Document
from mgqa.segments import Part, Segment

FORMAT_VERSION = 3  # 3: segments written once, records read by row, BM25 as postings
POINTER = "CURRENT"


class StoreError(MgqaError):
    """The index folder is missing, unreadable or was built differently; the message says what to do."""


@dataclass(frozen=True)
class IndexData:
    """A loaded build: vectors and records read by row when asked for, nothing parsed at load.

    Rows (of chunks, vectors and BM25 scores) run through the segments end to end, retired ones included; a
    retired row is never a search result. `chunks` and `live_rows` hold only the live ones, in row order.
    """

    manifest: dict
    segments: list[Segment]
    documents: Documents
    live_rows: np.ndarray
    vectors: vectors.VectorStore
    sentence_vectors: npy.Stacked  # rows of every segment's sentences.npy, end to end
    passage_sentences: np.ndarray  # sentence rows of every chunk row, chunks end to end
    chunk_sentences: np.ndarray  # how many sentences each chunk row holds
    lexical: LexicalIndex
    build: str = ""  # the build folder's name, as CURRENT named it when this was loaded

    @property
    def chunks(self) -> LiveChunks:
        return LiveChunks(self)

    def chunk(self, row: int) -> Chunk:
        """The chunk at a row, parsed from its segment."""
        number = int(np.searchsorted(self._chunk_offsets, row, side="right")) - 1
        return self.segments[number].chunk(int(row - self._chunk_offsets[number]))

    @functools.cached_property
    def _chunk_offsets(self) -> np.ndarray:
        return np.cumsum([0] + [s.chunks for s in self.segments])

    def sentence_spans(self, doc_id: str) -> list[tuple[int, int]]:
        """A live document's sentence spans, in the order of its sentence rows."""
        number, row = self.documents.where[doc_id]
        return self.segments[number].sentence_spans(row)

    def chunk_vectors(self) -> np.ndarray:
        """The live chunks' vectors, in row order."""
        return self.vectors.vectors(self.live_rows)


class LiveChunks(Sequence):
    """The live chunks in row order, each parsed when read."""

    def __init__(self, data: IndexData) -> None:
        self._data = data

    def __len__(self) -> int:
        return len(self._data.live_rows)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self._data.chunk(row) for row in self._data.live_rows[i]]
        return self._data.chunk(int(self._data.live_rows[i]))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None


class Documents(Mapping):
    """The live documents by id, in the manifest's order; a document is parsed when read (recent ones kept)."""

    def __init__(self, segments: list[Segment], where: dict[str, tuple[int, int]]) -> None:
        self._segments = segments
        self.where = where  # doc_id -> (segment number, row)
        self._read = functools.lru_cache(maxsize=4096)(self._parse)

    def _parse(self, doc_id: str) -> Document:
        number, row = self.where[doc_id]
        return self._segments[number].document(row)

    def __getitem__(self, doc_id: str) -> Document:
        if doc_id not in self.where:
            raise KeyError(doc_id)
        return self._read(doc_id)

    def __iter__(self) -> Iterator[str]:
        return iter(self.where)

    def __len__(self) -> int:
        return len(self.where)


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


def load_index(index_dir: Path, manifest: dict | None = None) -> IndexData:
    """Load the live build; raise StoreError with a next step when there is none or it is unreadable.

    `manifest`: the live build's, as read_manifest just gave it under the build lock (read now if not given:
    100,000 documents' manifest takes half a second to parse)."""
    live = _live_dir(index_dir)
    if live is None:
        raise StoreError(f"no index in {index_dir}: run `mgqa build --index {index_dir}` first")
    try:
        manifest = manifest if manifest is not None else _manifest(live, index_dir)
        if manifest.get("format") != FORMAT_VERSION:
            raise StoreError(f"{index_dir} has index format {manifest.get('format')}, this mgqa reads "
                             f"{FORMAT_VERSION}: run `mgqa build --index {index_dir}` to rebuild it")
        return _open(live, manifest)
    except StoreError:
        raise
    except (OSError, ValueError, KeyError, TypeError, RuntimeError, IndexError) as err:
        raise StoreError(f"{index_dir} is damaged ({err}); run `mgqa build --index {index_dir}`") from None


def _open(live: Path, manifest: dict) -> IndexData:
    """The segments of a build folder, with the rows the manifest no longer names retired."""
    entries = manifest["segments"]
    opened = [Segment(live / entry["name"], entry["vectors"]["kind"]) for entry in entries]
    number_of = {entry["name"]: number for number, entry in enumerate(entries)}
    where = {doc_id: (number_of[entry["segment"]], int(entry["row"]))
             for doc_id, entry in manifest["documents"].items()}
    rows: list[list[int]] = [[] for _ in opened]
    for number, row in where.values():
        rows[number].append(row)
    dead = [segment.dead_chunks(np.array(picked, dtype=np.int64)) for segment, picked in zip(opened, rows,
                                                                                                strict=True)]
    for segment, entry in zip(opened, entries, strict=True):
        if (segment.documents, segment.chunks) != (entry["documents"], entry["chunks"]):
            raise StoreError(f"{live.parent} is inconsistent (segment {entry['name']} differs from the manifest); "
                             "run `mgqa build` again")
    chunk_offsets = np.cumsum([0] + [s.chunks for s in opened])
    sentence_offsets = np.cumsum([0] + [len(s.sentence_vectors) for s in opened])
    live_rows = np.concatenate([np.zeros(0, dtype=np.int64)] + [
        offset + (np.arange(s.chunks) if gone is None else np.flatnonzero(~gone))
        for s, gone, offset in zip(opened, dead, chunk_offsets, strict=False)])
    return IndexData(
        manifest, opened, Documents(opened, where), live_rows,
        vectors.Segmented([s.vectors.without(gone) for s, gone in zip(opened, dead, strict=True)]),
        npy.Stacked([s.sentence_vectors for s in opened]),
        np.concatenate([np.zeros(0, dtype=np.int64)] + [s.passage_sentences + offset
                                                        for s, offset in zip(opened, sentence_offsets, strict=False)]),
        np.concatenate([np.zeros(0, dtype=np.int32)] + [s.chunk_sentences for s in opened]),
        LexicalIndex([s.postings for s in opened], dead), live.name)


def save_index(index_dir: Path, manifest: dict, new: tuple[str, list[Part]] | None = None,
               base: str | None = None) -> Path:
    """Write a build next to the live one, fsync it, then switch CURRENT to it in one rename.

    Of the segments `manifest["segments"]` names, `new` (name, parts) is written; every other one is hard-linked
    from the build folder `base`, whose files are never changed once written.
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    name = f"build-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
    staging = index_dir / f".{name}.tmp"
    staging.mkdir()
    try:
        written = []
        for entry in manifest["segments"]:
            folder = staging / entry["name"]
            if new is not None and entry["name"] == new[0]:
                segments.write(folder, new[1], int(manifest["dimension"]), entry["vectors"]["kind"])
                written += segments.files(folder)
            else:
                _link(index_dir / str(base) / entry["name"], folder)
            written += [folder, folder / segments.BM25_FOLDER]
        # one line: json's indenting encoder is pure Python, ten times slower on a library's manifest
        (staging / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False) + "\n", encoding="utf-8")
        for path in [*written, staging / "manifest.json", staging]:
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


def _link(source: Path, target: Path) -> None:
    """A kept segment in the new build: its files hard-linked (copied where the disk can't link)."""
    target.mkdir()
    for path in sorted(source.rglob("*")):
        into = target / path.relative_to(source)
        if path.is_dir():
            into.mkdir()
            continue
        try:
            os.link(path, into)
        except OSError:
            shutil.copyfile(path, into)
            fsync(into)


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


def fsync(path: Path) -> None:
    """Flush a file, or a folder's entries, to disk before the rename that makes it live."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
