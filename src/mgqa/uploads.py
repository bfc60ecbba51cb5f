"""What an operator adds to the documents folder from the web app, and who may add it.

Uploads are checked whole before any is copied, and copied so a build running meanwhile never reads half a
file. Gradio takes uploads from anyone who can reach the page: `UploadGate` lets through only the operator's.
"""

from __future__ import annotations

import hmac
import os
import secrets
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from mgqa import documents
from mgqa.documents import DocumentError

UPLOAD_MAX_BYTES = 20_000_000
UPLOAD_COOKIE = "mgqa_upload"
ADMIN_HEADER = "X-MGQA-Admin"


class UploadError(ValueError):
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


def add_uploads(paths: Sequence[str], docs_dir: Path, max_bytes: int = UPLOAD_MAX_BYTES) -> list[str]:
    """Check every upload reads as a document, then copy them all into docs_dir; nothing is copied if one fails."""
    docs_dir = Path(docs_dir)
    with tempfile.TemporaryDirectory(prefix="mgqa-upload-") as staging:
        staged = []
        for path in paths:
            path = Path(path)
            name = safe_filename(path.name)
            size = path.stat().st_size
            if size > max_bytes:
                raise UploadError(f"{name}: {size / 1e6:.1f} MB is over the {max_bytes / 1e6:.0f} MB limit per file")
            target = Path(staging, name)
            shutil.copyfile(path, target)
            try:
                documents.load_document(target, Path(staging), max_bytes)
            except DocumentError as err:
                raise UploadError(f"{err}; nothing was added") from None
            staged.append(target)
        docs_dir.mkdir(parents=True, exist_ok=True)
        for target in staged:
            hidden = docs_dir / f".{target.name}.upload"  # hidden: a build running now won't read half a file
            shutil.copyfile(target, hidden)
            os.replace(hidden, docs_dir / target.name)
        return [target.name for target in staged]


def password_ok(given: object, expected: str | None) -> bool:
    return bool(expected) and isinstance(given, str) and hmac.compare_digest(given.encode(), expected.encode())


class UploadGate:
    """Gradio accepts file uploads from anyone who can reach the app; this lets through only the operator's.

    A browser gets a per-process token in a cookie when it unlocks the Knowledge base tab with the admin
    password; a script sends the password in the X-MGQA-Admin header. With no admin password, no upload
    is accepted at all.
    """

    def __init__(self, admin_password: str | None) -> None:
        self.admin_password = admin_password
        self.token = secrets.token_urlsafe(32) if admin_password else ""

    def allows(self, cookie: str | None, header: str | None) -> bool:
        return password_ok(cookie, self.token) or password_ok(header, self.admin_password)  # "" never matches

    async def __call__(self, request, call_next):
        if request.method == "POST" and request.url.path.rstrip("/").endswith("/upload") and \
                not self.allows(request.cookies.get(UPLOAD_COOKIE), request.headers.get(ADMIN_HEADER)):
            from fastapi.responses import JSONResponse

            return JSONResponse({"error": "uploads need the admin password: unlock the Knowledge base tab"},
                                status_code=403)
        return await call_next(request)
