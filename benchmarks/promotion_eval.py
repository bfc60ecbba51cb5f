"""Promotional flags on the sellers' pages of the test library, against hand labels: precision and recall.

    PYTHONPATH=src .venv/bin/python benchmarks/promotion_eval.py [--library ../shared/library/docs]

A labelled paragraph (eval/promotion_labels.yaml) is flagged as a quote of it would be. "before" is the
old rule (a product named in `promotes`, word for word); "now" is promotion.is_promotional.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from mgqa import text as textlib  # noqa: E402
from mgqa.documents import load_documents  # noqa: E402
from mgqa.promotion import _names, context_of, is_promotional  # noqa: E402


def scores(pairs: list[tuple[bool, bool]]) -> str:
    hits = sum(1 for truth, flag in pairs if truth and flag)
    flagged = sum(1 for _, flag in pairs if flag)
    wanted = sum(1 for truth, _ in pairs if truth)
    precision = hits / flagged if flagged else 1.0
    return f"precision {precision:.2f} ({hits}/{flagged}), recall {hits / wanted:.2f} ({hits}/{wanted})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--library", type=Path, default=ROOT.parent / "shared" / "library" / "docs")
    parser.add_argument("--labels", type=Path, default=ROOT / "eval" / "promotion_labels.yaml")
    parser.add_argument("--show", action="store_true", help="list the paragraphs the rule gets wrong")
    args = parser.parse_args()
    labels = yaml.safe_load(args.labels.read_text(encoding="utf-8"))
    docs = {doc.source: doc for doc in load_documents(args.library)[0]}
    before, now = [], []
    for source, marks in labels.items():
        doc = docs[source]
        paragraphs = [(a, doc.text[a:b]) for a, b in textlib.blocks(doc.text)]
        for start, truth in marks.items():
            found = [(a, p) for a, p in paragraphs if p.startswith(start)]
            if len(found) != 1:
                raise SystemExit(f"{source}: {len(found)} paragraphs start with {start!r}")
            offset, paragraph = found[0]
            old = _names(paragraph, doc.promotes)
            new = is_promotional(paragraph, doc, context_of(doc, offset))
            before.append((truth, old))
            now.append((truth, new))
            if args.show and new != truth:
                print(f"  {'missed' if truth else 'false flag'}: {source}: {paragraph[:80]!r}")
    print(f"{len(now)} labelled paragraphs on {len(labels)} sellers' pages, {sum(t for t, _ in now)} promotional")
    print(f"before (named product only): {scores(before)}")
    print(f"now (promotion.py):          {scores(now)}")


if __name__ == "__main__":
    main()
