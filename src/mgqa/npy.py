"""Numpy arrays on disk: written plainly, read memory-mapped, and rows of several arrays read as one."""

from __future__ import annotations

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
