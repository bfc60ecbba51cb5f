"""Uploads: plain names, whole-batch checks before any copy, never a silent replacement."""

from __future__ import annotations

from pathlib import Path

import pytest

from fakes import write
from mgqa.uploads import BACKUP_DIR, UploadError, add_uploads, safe_filename


@pytest.mark.parametrize("name,expected", [
    ("notes.md", "notes.md"), ("../../etc/passwd.txt", "passwd.txt"), ("..\\..\\win.HTML", "win.html"),
    (".hidden.md", "hidden.md"), ("my notes (v2).pdf", "my_notes__v2.pdf"), ("/abs/path/a.txt", "a.txt"),
])
def test_safe_filename_keeps_only_a_plain_name(name, expected):
    assert safe_filename(name) == expected


@pytest.mark.parametrize("name", ["run.exe", "archive.txt.zip", "noextension", "../..", "....md", "x.meta.yaml"])
def test_safe_filename_refuses_unsupported_files(name):
    with pytest.raises(UploadError):
        safe_filename(name)


def test_uploads_are_checked_before_any_is_copied(tmp_path: Path):
    docs = tmp_path / "docs"
    good = write(tmp_path / "in", "good.md", "# Good\n\nMagnesium is a mineral.\n")
    binary = write(tmp_path / "in", "bad.txt", b"\x00\x01\x02binary")
    with pytest.raises(UploadError, match="bad.txt"):
        add_uploads([str(good), str(binary)], docs)
    assert not docs.exists() or not any(docs.iterdir())
    big = write(tmp_path / "in", "big.txt", "magnesium " * 200)
    with pytest.raises(UploadError, match="limit"):
        add_uploads([str(big)], docs, max_bytes=1000)
    assert add_uploads([str(good)], docs) == ["good.md"]
    assert (docs / "good.md").read_text() == good.read_text()
    assert [p.name for p in docs.iterdir()] == ["good.md"]  # no staging leftovers


def test_a_same_name_upload_is_refused_unless_replacing_and_the_old_version_is_kept(tmp_path: Path):
    docs = tmp_path / "docs"
    write(docs, "notes.md", "# Old\n\nOld text about magnesium.\n")
    write(docs, "notes.md.meta.yaml", "publisher: Old Publisher\nurl: https://old.example.org/notes\n")
    new = write(tmp_path / "in", "notes.md", "# New\n\nNew text about zinc.\n")
    with pytest.raises(UploadError, match="already in the library"):
        add_uploads([str(new)], docs)
    assert "Old text" in (docs / "notes.md").read_text()
    [line] = add_uploads([str(new)], docs, replace=True)
    assert line.startswith("notes.md (replaced") and "notes.md.meta.yaml" in line
    assert "New text" in (docs / "notes.md").read_text()
    # the old publisher's metadata went with the old text: it can't be credited with the new one
    assert not (docs / "notes.md.meta.yaml").exists()
    backups = sorted(p.name for p in (docs / BACKUP_DIR).iterdir())
    assert [name.rsplit(".", 1)[0] for name in backups] == ["notes.md", "notes.md.meta.yaml"]
    assert "Old text" in (docs / BACKUP_DIR / backups[0]).read_text()
