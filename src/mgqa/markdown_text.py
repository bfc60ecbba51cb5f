"""Markdown -> the text a reader sees on the rendered page, with heading spans into it.

Quotes and text-fragment links are cut from this text, so it holds no markup: `**bold**` is bold, a link is
its words, `## Care` and a setext heading are headings, list items start with "• " (or their number), a
table row is its cells. Paragraphs are joined by blank lines, as for HTML. Parsing is markdown-it-py's
CommonMark (with tables and strikethrough), so what counts as markup is what a renderer would show as such.
"""

from __future__ import annotations

from mgqa.boilerplate import is_link_bar
from mgqa.text import join_blocks


def _inline(token) -> str:
    """The visible text of an inline token: emphasis, links and code marks dropped, soft breaks as spaces."""
    parts = []
    for child in token.children or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "softbreak":
            parts.append(" ")
        elif child.type == "hardbreak":
            parts.append("\n")
        elif child.type == "image":
            parts.append(child.content)  # its alt text
    lines = "".join(parts).split("\n")
    return "\n".join(text for line in lines if (text := " ".join(line.split())))


def _html_text(html: str) -> str:
    from mgqa.html_text import walk_blocks

    return "\n".join(block.text for block in walk_blocks(html, from_headline=False))


def markdown_text(source: str) -> tuple[str, tuple[tuple[int, int, int], ...]]:
    """(rendered text, heading spans) of a markdown body (front matter already removed)."""
    # imported here: only markdown files need the parser
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").enable(["table", "strikethrough"]).parse(source)
    blocks: list[tuple[str, int]] = []
    lists: list[list[int]] = []  # per open list: [next number] for ordered, [] for bullets
    marker = ""  # the list marker owed to the next paragraph of a list item
    heading = 0
    row: list[str] | None = None
    for token in tokens:
        kind = token.type
        if kind == "heading_open":
            heading = int(token.tag[1])
        elif kind == "heading_close":
            heading = 0
        elif kind == "bullet_list_open":
            lists.append([])
        elif kind == "ordered_list_open":
            lists.append([int(token.attrGet("start") or 1)])
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "list_item_open":
            numbering = lists[-1] if lists else []
            marker = f"{numbering[0]}. " if numbering else "• "
            if numbering:
                numbering[0] += 1
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close":
            if row and (text := " ".join(cell for cell in row if cell)):
                blocks.append((text, 0))
            row = None
        elif kind == "inline":
            text = _inline(token)
            if row is not None:
                row.append(" ".join(text.split()))
            elif text:
                blocks.append((text if heading else marker + text, heading))
                marker = ""
        elif kind in ("fence", "code_block"):
            if code := "\n".join(line.rstrip() for line in token.content.strip("\n").split("\n")):
                blocks.append((marker + code, 0))
                marker = ""
        elif kind == "html_block" and (text := _html_text(token.content)):
            blocks.append((text, 0))
    return join_blocks([(text, level) for text, level in blocks if level or not is_link_bar(text)])
