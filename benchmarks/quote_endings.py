"""How many quotes shown for the question sets stop on a colon, i.e. on a lead-in cut off from what it announces.

    .venv/bin/python benchmarks/quote_endings.py [QUESTION_SET ...]   # default: the three sets in eval/
"""

from __future__ import annotations

import sys
from pathlib import Path

from mgqa import evaluation
from mgqa.kb import KnowledgeBase

ROOT = Path(__file__).resolve().parents[1]
SETS = [ROOT / "eval" / name for name in ("questions.jsonl", "heldout.jsonl", "blind.jsonl")]


def main(paths: list[Path]) -> None:
    kb = KnowledgeBase.load(ROOT / "index")
    quotes = [q for path in paths for case in evaluation.load_cases(path) for q in kb.ask(case.question).quotes]
    on_colon = [q for q in quotes if q.text.rstrip().endswith(":")]
    print(f"{len(on_colon)} of {len(quotes)} quotes end on a colon")
    for quote in {q.end: q for q in on_colon}.values():
        print(f"  …{quote.text[-70:]!r}")


if __name__ == "__main__":
    main([Path(p) for p in sys.argv[1:]] or SETS)
