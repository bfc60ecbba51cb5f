"""Chunking: verbatim passages that stay under a heading and within the token budget."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fakes import FakeEmbedder, write
from mgqa.chunking import ChunkSettings, chunk_document, embedding_text, sections, sentence_texts
from mgqa.documents import load_document
from mgqa.records import Chunk, Document

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
SEED = SEEDS / "000_298022469d73e39c.txt"
count = FakeEmbedder().count_tokens  # one token per whitespace-separated word


def plain(text: str, **fields) -> Document:
    return Document(doc_id="doc", source="doc.txt", kind="txt", title=fields.pop("title", "Doc"), text=text,
                    sha256="0", **fields)


@pytest.fixture(scope="module")
def seed() -> Document:
    return load_document(SEED, SEEDS)


@pytest.fixture(scope="module")
def seed_chunks(seed) -> list[Chunk]:
    return chunk_document(seed, count)


def load(tmp_path: Path, name: str, content: str) -> Document:
    return load_document(write(tmp_path, name, content), tmp_path)


# ---------------------------------------------------------------- the real seed


def test_every_chunk_is_a_verbatim_slice_of_the_seed(seed, seed_chunks):
    assert len(seed_chunks) > 10
    for chunk in seed_chunks:
        assert chunk.text == seed.text[chunk.start:chunk.end]
        assert chunk.doc_id == seed.doc_id
        assert chunk.sentences[0][0] == chunk.start and chunk.sentences[-1][1] == chunk.end
        for a, b in chunk.sentences:
            assert chunk.start <= a < b <= chunk.end


def test_chunk_ids_are_unique_and_in_document_order(seed_chunks):
    assert [c.chunk_id for c in seed_chunks] == [f"000-298022469d73e39c#{n}" for n in range(len(seed_chunks))]
    assert [c.start for c in seed_chunks] == sorted(c.start for c in seed_chunks)


def test_no_seed_chunk_is_empty_or_only_punctuation(seed_chunks):
    for chunk in seed_chunks:
        assert re.search(r"[A-Za-z]{2}", chunk.text), chunk


def test_seed_chunks_never_cross_a_heading(seed, seed_chunks):
    spans = sections(seed)
    heading_names = {name for path, _, _ in spans for name in path}
    for chunk in seed_chunks:
        holders = [(path, a, b) for path, a, b in spans if a <= chunk.start and chunk.end <= b]
        assert len(holders) == 1 and holders[0][0] == chunk.section, chunk
        inner_lines = {" ".join(line.split()) for line in chunk.text.split("\n")}
        assert not inner_lines & heading_names, chunk


def test_seed_sections_follow_its_headings(seed, seed_chunks):
    sections_seen = {c.section for c in seed_chunks}
    assert ("Key Takeaways",) in sections_seen
    assert ("Common Questions About Magnesium and Nerve Health", "Can too much magnesium be harmful?") in sections_seen
    # the title is the document's name, not a section
    assert not any(seed.title in c.section for c in seed_chunks)


def test_a_section_of_one_line_becomes_one_chunk(seed_chunks):
    forms = [c for c in seed_chunks if c.section == ("Other Beneficial Magnesium Forms",)]
    assert [c.text for c in forms] == [
        "Several other forms found in full-spectrum supplements like Magnesium 7 provide additional support:"]


def test_the_comment_form_is_in_no_chunk(seed_chunks):
    everything = "\n".join(c.text for c in seed_chunks)
    for form_text in ("Leave a Reply", "Your email address will not be published", "Required fields"):
        assert form_text not in everything
    assert not any(c.text.strip() == "Comments" for c in seed_chunks)


def test_list_item_chunks_start_after_the_bullet(seed_chunks):
    takeaways = next(c for c in seed_chunks if c.section == ("Key Takeaways",))
    assert takeaways.text.startswith("Magnesium is essential for proper nerve signal transmission")


@pytest.mark.parametrize("max_tokens", [24, 64, 128])
def test_seed_chunks_fit_the_token_budget(seed, max_tokens):
    chunks = chunk_document(seed, count, ChunkSettings(max_tokens=max_tokens))
    for chunk in chunks:
        assert count(chunk.text) <= max_tokens, chunk
        assert count(embedding_text(chunk, seed.title)) <= ChunkSettings.hard_limit


def test_consecutive_chunks_of_a_section_share_one_sentence(seed_chunks):
    pairs = [(a, b) for a, b in zip(seed_chunks, seed_chunks[1:]) if a.section == b.section]
    assert pairs, "the seed has sections long enough for several chunks"
    for previous, following in pairs:
        assert following.sentences[0] == previous.sentences[-1]
        assert following.sentences[1:] and following.sentences[1][0] > previous.end


def test_without_overlap_consecutive_chunks_are_disjoint(seed):
    chunks = chunk_document(seed, count, ChunkSettings(overlap_sentences=0))
    for previous, following in zip(chunks, chunks[1:]):
        assert following.start >= previous.end


# ---------------------------------------------------------------- small documents


def test_embedding_text_puts_the_title_and_section_path_first():
    chunk = Chunk("d#0", "d", 0, 5, "Hello", section=("Dosage", "Adults"), sentences=((0, 5),))
    assert embedding_text(chunk, "Zinc") == "Zinc › Dosage › Adults\nHello"
    assert embedding_text(chunk, None) == "Dosage › Adults\nHello"
    assert embedding_text(Chunk("d#1", "d", 0, 5, "Hello", sentences=((0, 5),)), None) == "Hello"
    # a title that is also the first heading is said once
    assert embedding_text(Chunk("d#2", "d", 0, 5, "Hello", section=("Zinc",), sentences=((0, 5),)), "Zinc") \
        == "Zinc\nHello"


def test_a_sentence_is_embedded_with_and_without_its_title():
    assert sentence_texts("Zinc", ("Dosage",), "Take it daily.") == ("Dosage\nTake it daily.",
                                                                     "Zinc › Dosage\nTake it daily.")
    assert sentence_texts(None, (), "Take it daily.") == ("Take it daily.", "Take it daily.")


def test_plain_text_headings_are_detected_and_title_is_left_out():
    text = "The Title\n\nIntro sentence here.\n\nFirst Part\n\nBody of the first part.\n\nSecond Part\n\nMore body."
    chunks = chunk_document(plain(text, title="The Title"), count)
    assert [(c.section, c.text) for c in chunks] == [
        ((), "Intro sentence here."), (("First Part",), "Body of the first part."), (("Second Part",), "More body.")]


def test_html_headings_give_the_section_paths(tmp_path):
    html = ("<html><body><article><h1>Minerals</h1><p>Intro text.</p><h2>Magnesium</h2><p>About magnesium.</p>"
            "<h3>Dose</h3><p>About the dose.</p><h2>Zinc</h2><p>About zinc.</p></article></body></html>")
    doc = load(tmp_path, "page.html", html)
    chunks = chunk_document(doc, count)
    assert [(c.section, c.text) for c in chunks] == [
        ((), "Intro text."), (("Magnesium",), "About magnesium."), (("Magnesium", "Dose"), "About the dose."),
        (("Zinc",), "About zinc.")]


def test_markdown_sections_follow_heading_levels(tmp_path):
    markdown = "# Guide\n\nIntro.\n\n## Dosage\n\nTake it daily.\n\n### Adults\n\nAdults take more.\n"
    doc = load(tmp_path, "guide.md", markdown)
    sections_of = {c.section for c in chunk_document(doc, count)}
    assert {("Dosage",), ("Dosage", "Adults")} <= sections_of


def test_markdown_heading_markers_are_not_in_any_chunk(tmp_path):
    doc = load(tmp_path, "guide.md", "# Guide\n\n## Intro\n\n## Dosage\n\nTake 300 mg daily. Eat greens.\n\n"
                                     "## Foods\n\nSpinach is rich.\n")
    chunks = chunk_document(doc, count)
    assert [(c.section, c.text) for c in chunks] == [
        (("Dosage",), "Take 300 mg daily. Eat greens."), (("Foods",), "Spinach is rich.")]


def test_a_long_sentence_without_punctuation_is_cut_at_words_under_the_budget():
    words = [f"word{n}" for n in range(300)]
    text = "Run On\n\n" + " ".join(words)
    doc = plain(text, title="Run On")
    chunks = chunk_document(doc, count, ChunkSettings(max_tokens=50))
    assert len(chunks) >= 6
    assert all(count(c.text) <= 50 for c in chunks)
    assert all(c.text == text[c.start:c.end] for c in chunks)
    # cut between words, and together the pieces hold every word in order
    seen = [w for c in chunks for w in c.text.split()]
    assert all(w in words for w in seen)
    assert list(dict.fromkeys(seen)) == words


def test_a_run_of_numbers_without_spaces_is_cut_under_the_budget():
    # word pieces split digits and punctuation: "1,2,3" is five tokens, whatever the spaces
    def pieces(text: str) -> int:
        return len(re.findall(r"\w+|[^\w\s]", text))

    text = "Table\n\n" + ",".join(str(n) for n in range(100, 400))
    chunks = chunk_document(plain(text, title="Table"), pieces, ChunkSettings(max_tokens=40))
    assert chunks and all(pieces(c.text) <= 40 for c in chunks)


def test_no_chunk_repeats_only_what_the_previous_chunk_holds():
    # sentences of 10, 20 and 25 words: the first two fill a 32-token chunk, the last two don't fit together
    a, b, c = ("Alpha " * 9 + "end."), ("Beta " * 19 + "end."), ("Gamma " * 24 + "end.")
    text = f"{a} {b} {c}"
    chunks = chunk_document(plain(text), count, ChunkSettings(max_tokens=32))
    for previous, following in zip(chunks, chunks[1:]):
        assert not (previous.start <= following.start and following.end <= previous.end), [x.text for x in chunks]


def test_a_section_prefix_counts_against_the_hard_limit():
    heading = " ".join(["Long"] * 30)
    text = f"Doc\n\n{heading}\n\n" + " ".join(f"w{n}" for n in range(400)) + "."
    doc = plain(text, title="Doc", headings=((0, 3, 1), (5, 5 + len(heading), 2)))
    chunks = chunk_document(doc, count, ChunkSettings(max_tokens=254))
    assert chunks and all(count(embedding_text(c, doc.title)) <= ChunkSettings.hard_limit for c in chunks)


def test_a_one_sentence_note_without_a_period_is_a_passage():
    doc = Document(doc_id="n", source="n.txt", kind="txt", title="n", sha256="",
                   text="Magnesium helps nerves send signals")
    assert [c.text for c in chunk_document(doc, lambda t: len(t.split()))] == ["Magnesium helps nerves send signals"]
    title_only = Document(doc_id="t", source="t.txt", kind="txt", title="t", sha256="", text="Magnesium Notes")
    assert chunk_document(title_only, lambda t: len(t.split())) == []
