"""A folder's fingerprints: a file is hashed again only when its size or time moved, or it was touched too close
before the last look to trust its time."""

from __future__ import annotations

import os
import time

from fakes import write
from mgqa import documents, fingerprints


def age(folder, seconds: int = 60) -> None:
    """Every file's modification time set back, as if written long before."""
    then = time.time_ns() - seconds * 1_000_000_000
    for path in folder.rglob("*"):
        os.utime(path, ns=(then, then))


def counting(monkeypatch) -> list:
    read = []
    original = documents.file_digest
    monkeypatch.setattr(documents, "file_digest", lambda path: read.append(path.name) or original(path))
    return read


def test_unmoved_files_are_not_read_again(docs_dir, monkeypatch):
    age(docs_dir)
    first = fingerprints.take(docs_dir)
    read = counting(monkeypatch)
    again = fingerprints.take(docs_dir, first.manifest())
    assert again.digests == first.digests and read == []


def test_an_edit_of_the_same_size_is_seen(docs_dir, monkeypatch):
    age(docs_dir)
    first = fingerprints.take(docs_dir)
    text = (docs_dir / "sleep.txt").read_text(encoding="utf-8")
    write(docs_dir, "sleep.txt", text.replace("better", "BETTER"))
    read = counting(monkeypatch)
    again = fingerprints.take(docs_dir, first.manifest())
    assert read == ["sleep.txt"] and again.digests["sleep.txt"] != first.digests["sleep.txt"]


def test_a_sidecar_edit_is_seen_and_recent_files_are_always_read(docs_dir, monkeypatch):
    age(docs_dir)
    first = fingerprints.take(docs_dir)
    write(docs_dir, "sleep.txt.meta.yaml", "publisher: Example\n")
    read = counting(monkeypatch)
    assert fingerprints.take(docs_dir, first.manifest()).digests["sleep.txt"] != first.digests["sleep.txt"]
    assert read == ["sleep.txt"]
    recent = fingerprints.take(docs_dir)  # sleep.txt's sidecar was written a moment ago: not trusted yet
    read.clear()
    fingerprints.take(docs_dir, recent.manifest())
    assert read == ["sleep.txt"]
