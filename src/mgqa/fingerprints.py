"""What a documents folder holds, as a build compares it with the live index: a digest of each file's bytes (and
its sidecar's), read again only when the file's size or modification time moved since the live build looked.

Hashing every file of a 100,000-document library took seconds on every build, however little changed.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from mgqa import documents
from mgqa.metadata import SIDECAR_SUFFIX
from mgqa.sources import SOURCES_FILE

# A file modified this close before the last look may have changed again within the same clock tick (file times
# come from a coarse clock), unseen: it is read again (as git treats "racily clean" files).
RACY_NS = 2_000_000_000


@dataclass(frozen=True)
class Fingerprints:
    digests: dict[str, str]  # source -> sha256 of its bytes and its sidecar's; the folder's sources.yaml too
    stats: dict[str, list[int]]  # source -> size and modification time (ns) of the file and of its sidecar
    taken_ns: int  # when the folder was looked at

    def manifest(self) -> dict:
        """What the manifest records, for the next build to compare with."""
        return {"files": self.digests, "file_stats": self.stats, "files_scanned_ns": self.taken_ns}


def take(docs_dir: Path, manifest: dict | None = None, listing: documents.Listing | None = None) -> Fingerprints:
    """Every document file's digest and the sources.yaml's; raises DocumentError when there is no such folder.

    `manifest`: the live build's, whose digests are kept for files whose sizes and times it recorded unchanged.
    `listing`: the folder as the caller scanned it (scanned now if not given).
    """
    taken = time.time_ns()
    paths = dict((listing or documents.list_folder(docs_dir)).files)
    if (docs_dir / SOURCES_FILE).is_file():
        paths[SOURCES_FILE] = str(docs_dir / SOURCES_FILE)
    manifest = manifest or {}
    old, old_stats = manifest.get("files", {}), manifest.get("file_stats", {})
    trusted_before = manifest.get("files_scanned_ns", 0) - RACY_NS
    digests, stats = {}, {}
    for source, path in paths.items():
        stats[source] = stat = _stat(path)
        unmoved = stat == old_stats.get(source) and max(stat[1], stat[3]) < trusted_before
        digests[source] = old[source] if unmoved and source in old else documents.file_digest(Path(path))
    return Fingerprints(digests, stats, taken)


def _stat(path: str) -> list[int]:
    own = os.stat(path)
    try:
        sidecar = os.lstat(path + SIDECAR_SUFFIX)  # where metadata.sidecar_path puts it
        return [own.st_size, own.st_mtime_ns, sidecar.st_size, sidecar.st_mtime_ns]
    except OSError:
        return [own.st_size, own.st_mtime_ns, -1, 0]
