"""Write tiny text PDFs by hand, so tests can build PDFs without a PDF-writing dependency."""

from __future__ import annotations

from pathlib import Path


def _escape(line: str) -> bytes:
    """A line as a PDF literal string body: WinAnsi bytes with \\, ( and ) escaped."""
    raw = line.encode("cp1252")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _content_stream(page: str) -> bytes:
    """Helvetica 12pt, one text line per line of the page string, top to bottom."""
    ops = [b"BT", b"/F1 12 Tf", b"14 TL", b"72 720 Td"]
    for number, line in enumerate(page.split("\n")):
        if number:
            ops.append(b"T*")  # move to the next line
        ops.append(b"(" + _escape(line) + b") Tj")
    ops.append(b"ET")
    return b"\n".join(ops)


def make_pdf(path: Path, pages: list[str], title: str | None = None) -> None:
    """Write a valid PDF with one page per string; an empty string makes a page with no text."""
    page_ids = [4 + 2 * n for n in range(len(pages))]
    objects: dict[int, bytes] = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % pid for pid in page_ids), len(pages)),
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    }
    for page_id, page in zip(page_ids, pages, strict=True):
        stream = _content_stream(page) if page else b""
        objects[page_id] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (page_id + 1)
        )
        objects[page_id + 1] = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream)
    info_id = None
    if title is not None:
        info_id = 4 + 2 * len(pages)
        objects[info_id] = b"<< /Title (" + _escape(title) + b") >>"

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, objects[number])
    xref_at = len(out)
    size = max(objects) + 1
    # each xref entry is exactly 20 bytes: offset, generation, kind, then a two-byte end of line
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        out += b"%010d 00000 n \n" % offsets[number]
    info = b" /Info %d 0 R" % info_id if info_id else b""
    out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (size, info, xref_at)
    path.write_bytes(bytes(out))
