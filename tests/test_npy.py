"""Arrays on disk: rows read by number come back as numpy would index them; a cut file is refused at open."""

from __future__ import annotations

import numpy as np
import pytest

from mgqa import npy


@pytest.fixture
def saved(tmp_path):
    rows = np.arange(60, dtype=np.float32).reshape(20, 3)
    npy.save(tmp_path / "rows.npy", rows)
    return tmp_path / "rows.npy", rows


def test_rows_read_by_number_equal_numpy_indexing(saved):
    path, rows = saved
    read = npy.RowFile(path)
    assert len(read) == 20
    for picks in ([3, 4, 5, 0, 19], [7, 7, 2, 8, 9, 10], [], [12]):
        np.testing.assert_array_equal(read[np.array(picks, dtype=np.int64)], rows[picks])
    np.testing.assert_array_equal(read[4:9], rows[4:9])
    with pytest.raises(IndexError):
        read[np.array([20])]


def test_a_cut_file_is_refused(saved):
    path, _ = saved
    path.write_bytes(path.read_bytes()[:-5])
    with pytest.raises(ValueError, match="header"):
        npy.RowFile(path)


def test_stacked_arrays_read_as_one(saved, tmp_path):
    path, rows = saved
    npy.save(tmp_path / "more.npy", rows[:4] + 100)
    stacked = npy.Stacked([npy.RowFile(path), npy.RowFile(tmp_path / "more.npy")])
    assert len(stacked) == 24
    np.testing.assert_array_equal(stacked[np.array([21, 0, 19, 20])], np.vstack([rows[[1]] + 100, rows[[0, 19]],
                                                                                  rows[[0]] + 100]))


def test_large_files_stay_on_disk_and_small_ones_are_read_whole(saved, monkeypatch):
    path, rows = saved
    assert isinstance(npy.rows(path), np.ndarray)
    monkeypatch.setattr(npy, "IN_MEMORY_BYTES", 100)
    read = npy.rows(path)
    assert isinstance(read, npy.RowFile)
    np.testing.assert_array_equal(read[np.array([2, 1])], rows[[2, 1]])
