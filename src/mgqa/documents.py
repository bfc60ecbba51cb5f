"""Files -> Document records: one loader per format, sidecar metadata, clear reasons to skip.

A Document's text is what verbatim quotes are cut from: the text a reader sees. Plain text is kept as
the file has it (newlines normalised, the end trimmed, a header of title, publisher and `Source:` lines
read as metadata); markdown is rendered (markdown_text.py) and HTML read for its article (html_text.py).
"""

from __future__ import annotations

import codecs
import functools
import hashlib
import io
import logging
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Collection
from dataclasses import asdict, dataclass, replace
from pathlib import Path, PurePosixPath

from mgqa import text as textlib
from mgqa.boilerplate import is_link_bar
from mgqa.errors import MgqaError
from mgqa.html_text import html_text, web_url
from mgqa.markdown_text import markdown_text
from mgqa.metadata import META_KEYS, SIDECAR_SUFFIX, load_yaml, read_sidecar, sidecar_path
from mgqa.records import Document, Metadata
from mgqa.settings import Settings
from mgqa.sources import SOURCES_FILE, Source, classify, publisher_type, read_sources
from mgqa.text_header import read_header

SUPPORTED = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf")
DEFAULT_MAX_BYTES = Settings.max_file_bytes  # the one default: MGQA_MAX_FILE_BYTES overrides it
# pypdf logs every oddity of a damaged file; the one-line reason in our warning is enough, and
# an application that configures logging still sees them
logging.getLogger("pypdf").addHandler(logging.NullHandler())
_KINDS = {".txt": "txt", ".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".pdf": "pdf"}


class DocumentError(MgqaError):
    """A file that can't be used as a document; the message is one line naming the file and why."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(source, reason)
        self.source = source
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}"


class _Unusable(Exception):
    """Raised by the format parsers, which don't know the file's name; becomes a DocumentError."""


@dataclass(frozen=True)
class _Parsed(Metadata):
    """What a format parser found in the file itself, before sidecar metadata is applied."""

    text: str = ""
    headings: tuple[tuple[int, int, int], ...] = ()
    pages: tuple[int, ...] = ()
    warnings: tuple[str, ...] = ()


# ---------------------------------------------------------------- text decoding and clean-up


def decode_text(raw: bytes) -> tuple[str, list[str]]:
    """Bytes -> text with "\\n" newlines, one encoding for the whole file, and a warning naming it when not UTF-8.

    UTF-8 (BOM dropped) or UTF-16 with a BOM; UTF-8 with a few broken bytes stays UTF-8 with those bytes
    shown as U+FFFD (said in a warning); anything else is decoded whole in the encoding detected for it.
    """
    warnings = []
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = raw.decode("utf-16", errors="replace")  # garbage becomes U+FFFD, caught below
    elif b"\0" in raw:
        raise _Unusable("not a text file")
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text, note = _decode_not_utf8(raw)
            warnings.append(note)
    if _looks_binary(text):
        raise _Unusable("not a text file")
    return text.replace("\r\n", "\n").replace("\r", "\n"), warnings


def _decode_not_utf8(raw: bytes) -> tuple[str, str]:
    """Text that is not valid UTF-8: mostly-UTF-8 with stray bytes, or a whole file in another encoding."""
    text = raw.decode("utf-8-sig", errors="replace")
    broken = text.count("\ufffd")
    multibyte = sum(1 for char in text if char > "\x7f" and char != "\ufffd")
    if multibyte and broken <= max(3, len(raw) // 1000):  # real UTF-8 with a few damaged bytes
        return text, f"{broken} byte(s) not valid UTF-8 shown as \ufffd (the rest read as UTF-8)"
    from charset_normalizer import from_bytes  # only for the rare file that isn't UTF-8

    best = from_bytes(raw).best()
    encoding = "cp1252"  # what most non-UTF-8 web pages and Windows editors use, when it fits as well as any
    if best is not None and "cp1252" not in best.could_be_from_charset:
        encoding = best.encoding
    try:
        text = raw.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        encoding, text = "cp1252", raw.decode("cp1252", errors="replace")
    return text, f"read as {_ENCODING_NAMES.get(encoding, encoding)} (not valid UTF-8)"


_ENCODING_NAMES = {"cp1252": "Windows-1252", "cp1251": "Windows-1251", "cp1250": "Windows-1250",
                   "latin_1": "ISO-8859-1", "shift_jis": "Shift JIS", "gb18030": "GB18030", "big5": "Big5"}


def _looks_binary(text: str) -> bool:
    """Real prose has almost no control characters; decoded binary data has ~13%."""
    odd = sum(1 for char in text if (char < " " and char not in "\t\n\r\f\v") or char in "\x7f\ufffd")
    return odd > 0.1 * len(text)


_FORM_HEADERS = re.compile(r"(?:\d+ )?comments?|leave a (?:reply|comment)|post a comment")
_FORM_LINES = re.compile(
    r"your email address will not be published|required fields are marked|save my name, email"
    r"|you must be logged in|cancel reply|post comment|(?:comment|name|email|website)\s*\*?$"
)


def comment_form_start(text: str) -> int | None:
    """Offset where a trailing web comment form ("Comments", "Leave a Reply", ...) begins, if any.

    Only a block at the very end counts, made of nothing but form lines, so an article that
    merely mentions comments keeps its text.
    """
    lines, offset = [], 0
    for line in text.split("\n"):
        lines.append((offset, line.strip().lstrip("#").strip().casefold()))  # "## Comments" too
        offset += len(line) + 1
    start = None
    for line_start, line in reversed(lines):
        if _FORM_HEADERS.fullmatch(line):
            start = line_start
        elif line and not _FORM_LINES.match(line):
            break
    return start


def _finish(parsed: _Parsed) -> _Parsed:
    """Cut a trailing comment form and trailing whitespace; the text stays a prefix of what it was."""
    cut = comment_form_start(parsed.text)
    text = parsed.text[:cut].rstrip()
    if not text.strip():
        raise _Unusable("no text found")
    headings = tuple(span for span in parsed.headings if span[1] <= len(text))
    return replace(parsed, text=text, headings=headings)


def _first_line(text: str) -> str | None:
    return next((" ".join(line.split()) for line in text.split("\n") if line.strip()), None)


# ---------------------------------------------------------------- one parser per format


def _parse_txt(raw: bytes) -> _Parsed:
    text, warnings = decode_text(raw)
    header = read_header(text)
    if header is not None:  # the title line stays; the publisher, Source: and Date: lines are metadata
        text = header.title + "\n\n" + text[header.end :].lstrip("\n")
    text = without_link_bars(text)
    parsed = _finish(_Parsed(text=text, warnings=tuple(warnings)))
    if header is None:
        return replace(parsed, title=_first_line(parsed.text))
    return replace(parsed, title=header.title, publisher=header.publisher, author=header.author, url=header.url,
                   date=header.date)


def without_link_bars(text: str) -> str:
    """Plain text without its menus, breadcrumb trails, share bars and footers (`boilerplate.is_link_bar`): each
    goes with the blank lines after it (before it, at the end), so the paragraphs around it stay apart."""
    spans = textlib.blocks(text)
    cuts = []
    for index, (start, end) in enumerate(spans):
        if is_link_bar(text[start:end]):
            if index + 1 < len(spans):
                cuts.append((start, spans[index + 1][0]))
            else:
                cuts.append((spans[index - 1][1] if index else start, end))
    for start, end in reversed(cuts):
        text = text[:start] + text[end:]
    return text


_FRONT_MATTER = re.compile(r"---[ \t]*\n(.*?\n)??(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
def _parse_md(raw: bytes) -> _Parsed:
    text, warnings = decode_text(raw)
    meta: dict[str, object] = {}
    if front := _FRONT_MATTER.match(text):
        meta, problem = load_yaml(front.group(1) or "", first_line=2)
        if problem:
            warnings.append(f"front matter: {problem}")
        text = text[front.end() :]
    text, headings = markdown_text(text)
    parsed = _finish(_Parsed(text=text, headings=headings, warnings=tuple(warnings)))
    first_h1 = next((parsed.text[s:e] for s, e, level in parsed.headings if level == 1), None)
    return replace(parsed, **{"title": first_h1, **meta})


def _parse_html(raw: bytes) -> _Parsed:
    text, warnings = decode_text(raw)
    page = asdict(html_text(text))
    page["publisher_type"] = publisher_type(page["publisher_type"])
    return _finish(_Parsed(**page, warnings=tuple(warnings)))


def _parse_pdf(raw: bytes) -> _Parsed:
    # imported here: pypdf takes ~0.1 s to import and only PDFs need it
    from pypdf import PdfReader

    if b"%PDF-" not in raw[:1024]:
        raise _Unusable("not a PDF file (no %PDF header)")
    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted and not reader.decrypt(""):
            raise _Unusable("the PDF is password-protected; save an unprotected copy")
        texts = [
            (page.extract_text() or "").replace("\r\n", "\n").replace("\r", "\n").rstrip() for page in reader.pages
        ]
        title = (reader.metadata or {}).get("/Title")
    except _Unusable:
        raise
    except Exception as error:  # pypdf raises many exception types on damaged files
        reason = " ".join(str(error).split()) or type(error).__name__
        raise _Unusable(f"not a readable PDF ({reason})") from None
    if not any(text.strip() for text in texts):
        raise _Unusable("no text found (a scanned PDF needs OCR first)")
    starts = [0]
    for text in texts[:-1]:
        starts.append(starts[-1] + len(text) + 2)  # pages are joined by "\n\n"
    title = " ".join(str(title or "").split()) or None
    return _Parsed(text="\n\n".join(texts), title=title, pages=tuple(starts))


_PARSERS = {"txt": _parse_txt, "md": _parse_md, "html": _parse_html, "pdf": _parse_pdf}


# ---------------------------------------------------------------- public API


@functools.lru_cache(maxsize=262_144)  # a build asks for every file's id twice: 100,000 files took a second each time
def make_doc_id(source: str) -> str:
    """Stable id from a relative path: `guides/Nerve Care.md` -> `guides-nerve-care`."""
    name = source.rsplit("/", 1)[-1]
    dot = name.rfind(".")
    stem = source[:len(source) - len(name) + dot] if 0 < dot < len(name) - 1 else source  # PurePosixPath's suffix
    # accents folded first so `Café` gives `cafe` rather than `caf`
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_stem.lower()).strip("-") or "document"


def assign_doc_ids(sources: list[str]) -> dict[str, str]:
    """Unique ids for the files of one folder: colliding ids get their extension (`a-md`, `a-txt`)."""
    base = {source: make_doc_id(source) for source in sources}
    if len(set(base.values())) == len(base):  # nothing collides: the usual case, and a library's ids in one pass
        return base
    counts = Counter(base.values())
    ids: dict[str, str] = {}
    used: set[str] = set()
    for source in sorted(sources):
        doc_id = base[source]
        if counts[doc_id] > 1:
            doc_id += "-" + PurePosixPath(source).suffix.lstrip(".").lower()
        # still taken (`a-b.md` next to `a/b.md`): number it, in path order so it stays stable
        candidate, number = doc_id, 1
        while candidate in used:
            number += 1
            candidate = f"{doc_id}-{number}"
        ids[source] = candidate
        used.add(candidate)
    return ids


def _digest(raw: bytes, sidecar: bytes) -> str:
    digest = hashlib.sha256(raw)
    digest.update(sidecar)
    return digest.hexdigest()


def file_digest(path: Path) -> str:
    """sha256 of a document's bytes followed by its sidecar's, to spot changes without parsing."""
    with path.open("rb") as file:
        digest = hashlib.file_digest(file, "sha256")
    sidecar = sidecar_path(path)
    if sidecar.is_file() and not sidecar.is_symlink():
        digest.update(sidecar.read_bytes())
    return digest.hexdigest()


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1_000_000 else f"{n / 1e3:.1f} kB" if n >= 1000 else f"{n} bytes"


def load_document_with_warnings(
    path: Path, root: Path, max_bytes: int = DEFAULT_MAX_BYTES, publishers: tuple[Source, ...] = ()
) -> tuple[Document, list[str]]:
    """Load one file; warnings are one line each, starting with the file's relative path."""
    source = path.relative_to(root).as_posix()
    kind = _KINDS.get(path.suffix.lower())
    if kind is None:
        problem = f"unsupported file type '{path.suffix}'" if path.suffix else "no file extension to tell its type"
        raise DocumentError(source, f"{problem} (supported: {', '.join(SUPPORTED)})")
    sidecar = sidecar_path(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise DocumentError(
                source, f"the file is {_size(size)}, over the {_size(max_bytes)} limit (MGQA_MAX_FILE_BYTES)"
            )
        raw = path.read_bytes()
        sidecar_raw = sidecar.read_bytes() if sidecar.is_file() and not sidecar.is_symlink() else b""
    except OSError as error:
        raise DocumentError(source, f"could not read it ({error.strerror or error})") from None
    if not raw:
        raise DocumentError(source, "the file is empty")
    try:
        parsed = _PARSERS[kind](raw)
    except _Unusable as error:
        raise DocumentError(source, str(error)) from None

    warnings = [f"{source}: {warning}" for warning in parsed.warnings]
    overrides, problem = read_sidecar(sidecar_raw)
    if problem:
        warnings.append(f"{source}{SIDECAR_SUFFIX}: {problem}")
    meta = {key: getattr(parsed, key) for key in META_KEYS} | overrides
    if meta["url"] and not web_url(meta["url"]):
        warnings.append(f"{source}: url ignored, not an http(s) address: {meta['url']}")
        meta["url"] = None
    meta["title"] = meta["title"] or path.stem
    meta["publisher_type"] = meta["publisher_type"] or "unknown"
    document = Document(
        doc_id=make_doc_id(source),
        source=source,
        kind=kind,
        text=parsed.text,
        sha256=_digest(raw, sidecar_raw),
        headings=parsed.headings,
        pages=parsed.pages,
        **meta,
    )
    return classify(document, publishers), warnings


def load_document(path: Path, root: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    """Load one file as a Document; use load_document_with_warnings to also see what was odd."""
    return load_document_with_warnings(path, root, max_bytes)[0]


def _scan(folder: Path) -> tuple[dict[str, str], list[str]]:
    """Every regular file under folder by its path relative to it (sorted), leaving out hidden files and folders
    (`.git`, `.backup`), and warnings naming what was left out for safety: links (which could point anywhere)
    and special files.

    Directory entries say what they are without a stat call each: a library of 100,000 files is scanned in a
    fraction of a second."""
    found: list[tuple[str, str]] = []
    refused: list[str] = []

    def walk(directory: str, prefix: str) -> None:
        with os.scandir(directory) as entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                relative = prefix + entry.name
                if entry.is_symlink():
                    refused.append(f"skipped {relative}: a link (links are not followed)")
                elif entry.is_dir(follow_symlinks=False):
                    walk(entry.path, relative + "/")
                elif entry.is_file(follow_symlinks=False):
                    found.append((relative, entry.path))
                else:
                    refused.append(f"skipped {relative}: not a regular file")

    walk(str(folder), "")
    return dict(sorted(found)), sorted(refused)  # paths as strings: 100,000 Path objects took a second


@dataclass(frozen=True)
class Listing:
    """A documents folder as scanned once: a build fingerprints, names and reads the same files from it (scanning
    and naming 100,000 files twice cost a build about half a second)."""

    visible: dict[str, str]  # every regular file by source (path relative to the folder), sorted
    refused: list[str]  # warnings for links and special files left out

    @functools.cached_property
    def files(self) -> dict[str, str]:
        """The candidate document files: no sidecars, no sources.yaml."""
        return _document_files(self.visible)

    @functools.cached_property
    def ids(self) -> dict[str, str]:
        """The doc_id of each file that is a document, as load_documents gives."""
        return document_ids(list(self.files))


def list_folder(folder: Path) -> Listing:
    """Scan a documents folder once; raises DocumentError when there is no such folder."""
    _check_folder(folder)
    return Listing(*_scan(folder))


def document_files(folder: Path) -> dict[str, str]:
    """The candidate document files' paths by source (path relative to folder, sorted): recursive, skipping
    hidden files and folders, links, sidecars and sources.yaml."""
    return list_folder(folder).files


def _check_folder(folder: Path) -> None:
    if not folder.is_dir():
        raise DocumentError(str(folder), "not a folder" if folder.exists() else "no such folder")


def iter_document_files(folder: Path) -> list[Path]:
    """The candidate document files, sorted by their path relative to folder (see document_files)."""
    return [Path(path) for path in document_files(folder).values()]


def _document_files(visible: dict[str, str]) -> dict[str, str]:
    return {source: path for source, path in visible.items()
            if not source.endswith(SIDECAR_SUFFIX) and source != SOURCES_FILE}


def load_documents(folder: Path, max_bytes: int = DEFAULT_MAX_BYTES, skip: Collection[str] = (),
                   listing: Listing | None = None) -> tuple[list[Document], list[str]]:
    """Load every document in a folder: (documents sorted by doc_id, one-line warnings).

    A bad file is skipped with a warning rather than failing the whole folder. The folder's sources.yaml,
    if any, settles each publisher's type and products. Files named in `skip` (sources; a build passes those
    whose bytes the live index already holds) are neither read nor returned. `listing`: the folder as a build
    already scanned it (scanned now if not given).
    """
    listing = listing or list_folder(folder)
    ids = listing.ids
    publishers, warnings = read_sources(folder)
    documents = []
    for source, path in listing.files.items():
        if source in skip:
            continue
        try:
            document, notes = load_document_with_warnings(Path(path), folder, max_bytes, publishers)
        except DocumentError as error:
            warnings.append(f"skipped {error}")
            continue
        documents.append(replace(document, doc_id=ids[source]))
        warnings += notes
    return sorted(documents, key=lambda document: document.doc_id), \
        warnings + _orphan_sidecars(listing.visible) + listing.refused


def document_ids(sources: list[str]) -> dict[str, str]:
    """The doc_id of each file of a folder (sources relative to it) that is a document, as load_documents gives."""
    return assign_doc_ids([source for source in sources if os.path.splitext(source)[1].lower() in _KINDS])


def _orphan_sidecars(visible: dict[str, str]) -> list[str]:
    """Warn about sidecars whose document is missing: a misspelt name would otherwise go unnoticed."""
    return [
        f"ignored {source}: no {Path(path).name.removesuffix(SIDECAR_SUFFIX)} next to it"
        for source, path in visible.items()
        if source.endswith(SIDECAR_SUFFIX) and not os.path.isfile(path.removesuffix(SIDECAR_SUFFIX))
    ]
