"""Numpy arrays on disk: written plainly, read memory-mapped or row by row, and rows of several arrays read as one."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np


def save(path: Path, array: np.ndarray) -> None:
    with open(path, "wb") as handle:
        np.save(handle, array)


def mapped(path: Path) -> np.ndarray:
    """An .npy file memory-mapped: its pages are read when a row is asked for (an empty one is read whole:
    numpy can't map an array of no bytes)."""
    try:
        return np.load(path, mmap_mode="r")
    except ValueError:
        return np.load(path)


# Row files smaller than this are read whole at load: scattered reads of a few hundred rows cost a question ~3 ms
# in system calls, more than a small file costs to hold (a 1,000-document index's vectors are 12 MB).
IN_MEMORY_BYTES = 64 * 2**20


def rows(path: Path) -> np.ndarray | RowFile:
    """An .npy file of rows to read by row number: in memory when small, read from disk by row when large."""
    if os.path.getsize(path) <= IN_MEMORY_BYTES:
        return np.load(path)
    return RowFile(path)


class OpenFile:
    """A file kept open to read byte ranges from (pread): still readable if a later build removes it."""

    def __init__(self, path: Path) -> None:
        self._fd = os.open(path, os.O_RDONLY)

    def read(self, start: int, length: int) -> bytes:
        return os.pread(self._fd, length, start)

    def __del__(self) -> None:
        if getattr(self, "_fd", None) is not None:
            os.close(self._fd)


class RowFile(Sequence):
    """The rows of a large .npy file, read when asked for (pread), never mapped.

    Memory-mapped, a question's few hundred scattered rows pulled whole runs of pages in (the kernel reads ahead
    around each one): after 100 questions on 100,000 documents the process held 3 GB of sentence vectors it had
    barely used. Read this way it holds only the rows it asked for; the page cache keeps the hot ones.
    """

    def __init__(self, path: Path) -> None:
        with open(path, "rb") as handle:
            version = np.lib.format.read_magic(handle)
            shape, fortran, dtype = (np.lib.format.read_array_header_1_0(handle) if version == (1, 0)
                                     else np.lib.format.read_array_header_2_0(handle))
            self._start = handle.tell()
        if fortran or not shape:
            raise ValueError(f"{path.name} is not an array of rows")
        self.shape, self.dtype = shape, dtype
        self._row_bytes = dtype.itemsize * math.prod(shape[1:])
        if os.path.getsize(path) != self._start + shape[0] * self._row_bytes:
            raise ValueError(f"{path.name} is {os.path.getsize(path)} bytes, not what its header says")
        self._file = OpenFile(path)

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, rows) -> np.ndarray:
        """The rows asked for (an array of row numbers, or a slice), in that order; runs of rows in one read."""
        rows = np.arange(*rows.indices(len(self))) if isinstance(rows, slice) else np.asarray(rows, dtype=np.int64)
        out = np.empty((len(rows), *self.shape[1:]), dtype=self.dtype)
        if not len(rows):
            return out
        if rows.min() < 0 or rows.max() >= len(self):
            raise IndexError(f"rows outside 0..{len(self) - 1}")
        order = np.argsort(rows, kind="stable")
        ordered = rows[order]
        breaks = np.flatnonzero(np.diff(ordered) != 1) + 1
        got = np.empty_like(out)
        for first, last in zip(np.concatenate([[0], breaks]), np.concatenate([breaks, [len(rows)]]), strict=True):
            count = int(ordered[last - 1] - ordered[first]) + 1
            data = self._file.read(self._start + int(ordered[first]) * self._row_bytes, count * self._row_bytes)
            got[first:last] = np.frombuffer(data, dtype=self.dtype).reshape(count, *self.shape[1:])
        out[order] = got
        return out


class Stacked(Sequence):
    """Rows of several arrays laid end to end, read by row without copying them into one."""

    def __init__(self, arrays: list) -> None:
        self.arrays = arrays
        self.offsets = np.cumsum([0] + [len(a) for a in arrays])

    def __len__(self) -> int:
        return int(self.offsets[-1])

    def __getitem__(self, rows):
        rows = np.asarray(rows, dtype=np.int64)
        if len(self.arrays) == 1:
            return np.asarray(self.arrays[0][rows])
        which = np.searchsorted(self.offsets, rows, side="right") - 1
        first = np.asarray(self.arrays[0][:0])
        out = np.empty((len(rows), *first.shape[1:]), dtype=first.dtype)
        for number in np.unique(which):
            picked = which == number
            out[picked] = self.arrays[number][rows[picked] - self.offsets[number]]
        return out
