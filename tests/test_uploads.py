"""Uploads: plain names, whole-batch checks before any copy, and only the operator may upload."""

from __future__ import annotations

from pathlib import Path

import pytest

from fakes import write
from mgqa.uploads import UploadError, UploadGate, add_uploads, password_ok, safe_filename


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


def test_password_check():
    assert password_ok("s3cret", "s3cret")
    assert not password_ok("wrong", "s3cret")
    assert not password_ok("", "")
    assert not password_ok("anything", None)
    assert not password_ok(None, "s3cret")


def test_the_gate_lets_through_the_unlock_token_or_the_password_and_nothing_else():
    gate = UploadGate("s3cret")
    assert gate.allows(gate.token, None) and gate.allows(None, "s3cret")
    assert not gate.allows(None, None) and not gate.allows("guess", "wrong") and not gate.allows("", "")
    assert UploadGate("s3cret").token != gate.token  # a token is good for one process only


def test_without_a_password_the_gate_lets_nothing_through():
    gate = UploadGate(None)
    assert not gate.allows("", "") and not gate.allows(gate.token, None) and not gate.allows(None, "anything")
