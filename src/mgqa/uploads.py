"""What an operator adds to the documents folder from the web app, and who may add it.

Uploads are checked whole before any is copied, and copied so a build running meanwhile never reads half a
file. Who may upload at all is `access.Gate`'s business.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from mgqa import documents
from mgqa.documents import DocumentError
from mgqa.errors import MgqaError

BACKUP_DIR = ".backup"  # hidden: never indexed


class UploadError(MgqaError, ValueError):
    """An uploaded file that can't be added; the message names it and says why."""


def safe_filename(name: str) -> str:
    """A plain file name for an upload: no folders, no hidden names, only supported extensions."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    stem, dot, ext = base.rpartition(".")
    ext = ext.lower()
    if not dot or f".{ext}" not in documents.SUPPORTED:
        raise UploadError(f"{base or name!r}: only {', '.join(documents.SUPPORTED)} files can be added")
    clean = "".join(c if c.isalnum() or c in "-_ " else "_" for c in stem).strip(" _")[:80].replace(" ", "_")
    if not clean:
        raise UploadError(f"{base!r}: the file name has no letters or digits; rename it and upload it again")
    return f"{clean}.{ext}"


def add_uploads(paths: Sequence[str], docs_dir: Path, max_bytes: int = documents.DEFAULT_MAX_BYTES,
                replace: bool = False) -> list[str]:
    """Check every upload reads as a document, then copy them all into docs_dir; nothing is copied if one fails.

    A file whose name is already in docs_dir is refused unless `replace`: then the previous version, with its
    sidecar metadata, is moved to docs_dir/.backup/ (not indexed), so no metadata is ever applied to new text.
    Returns one line per file saying what was done.
    """
    docs_dir = Path(docs_dir)
    with tempfile.TemporaryDirectory(prefix="mgqa-upload-") as staging:
        staged = []
        for path in paths:
            path = Path(path)
            name = safe_filename(path.name)
            size = path.stat().st_size
            if size > max_bytes:
                raise UploadError(f"{name}: {size / 1e6:.1f} MB is over the {max_bytes / 1e6:.0f} MB limit per file")
            if (docs_dir / name).exists() and not replace:
                raise UploadError(f"{name}: a document with this name is already in the library; rename the file, "
                                  "or tick \"Replace documents with the same name\" (the old version is kept as a "
                                  "backup); nothing was added")
            target = Path(staging, name)
            shutil.copyfile(path, target)
            try:
                documents.load_document(target, Path(staging), max_bytes)
            except DocumentError as err:
                raise UploadError(f"{err}; nothing was added") from None
            staged.append(target)
        docs_dir.mkdir(parents=True, exist_ok=True)
        done = []
        for target in staged:
            note = _set_aside(docs_dir, target.name)
            hidden = docs_dir / f".{target.name}.upload"  # hidden: a build running now won't read half a file
            shutil.copyfile(target, hidden)
            os.replace(hidden, docs_dir / target.name)
            done.append(f"{target.name}{note}")
        return done


def _set_aside(docs_dir: Path, name: str) -> str:
    """Move an existing document of that name, and its sidecar, into .backup/; what was moved, as a note."""
    old = docs_dir / name
    if not old.exists() and not old.is_symlink():
        return ""
    backup = docs_dir / BACKUP_DIR
    backup.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    os.replace(old, backup / f"{name}.{stamp}")
    note = f" (replaced; the previous version is in {BACKUP_DIR}/{name}.{stamp}"
    sidecar = old.with_name(old.name + documents.SIDECAR_SUFFIX)
    if sidecar.exists():
        os.replace(sidecar, backup / f"{sidecar.name}.{stamp}")
        note += f", with its metadata file {sidecar.name}: write a new one if the new version needs it"
    return note + ")"
