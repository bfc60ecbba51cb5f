"""The answer check on documents it learned from and on documents it never saw, side by side.

    .venv/bin/python benchmarks/check_by_documents.py [CHECK.npz ...]

For each question set, every in-scope question's answering sentence (the first sentence of the retrieved passages
that holds one of its verbatim answers) and every near miss's best sentence of its first passage, read by each
check (the shipped one first): the AUC of answers over near misses, and the shares read as answering (>= 0.5);
on the library, also the share of unrelated pairs (a question with random sentences of other documents) read so.
Sets: the library's development questions (documents the check learned from), the seed's near misses (the seed
it learned from), and the unseen development set (documents nothing here learned from; README: Answers from a
library). `CHECK.npz` files come from scripts/train_answer_check.py; a check reads bare sentences, as kb.py
hands them over.
"""

from __future__ import annotations

import random
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "scripts"))

from train_answer_check import auc  # noqa: E402

from mgqa import answer_check, evaluation  # noqa: E402
from mgqa.build import build_from_folders  # noqa: E402
from mgqa.kb import KnowledgeBase  # noqa: E402
from mgqa.settings import Settings  # noqa: E402

LIBRARY = ROOT.parent / "shared" / "library" / "docs"
SETS = (  # name, questions, extra documents, sources
    ("library dev", ROOT / "eval" / "library_questions.jsonl", None,
     ROOT / "tests" / "fixtures" / "library_sources.yaml"),
    ("seed near misses", ROOT / "eval" / "nearmiss.jsonl", None, None),
    ("unseen dev", ROOT / "eval" / "unseen_dev.jsonl", ROOT / "eval" / "unseen_dev_docs",
     ROOT / "eval" / "unseen_dev_library_sources.yaml"),
)


def pairs(kb: KnowledgeBase, path: Path) -> tuple[list[tuple[str, str]], np.ndarray]:
    """(question, sentence) pairs and their labels: 1 an answering sentence, 0 a near miss's best sentence."""
    out, labels = [], []
    for case in evaluation.load_cases(path):
        passages = kb.passages(case.question, k=40)
        if case.kind == "in_scope" and case.answers:
            sentences = (kb.documents[p.chunk.doc_id].text[a:b] for p in passages for a, b in p.chunk.sentences)
            found = next((s for s in sentences if any(answer.strip()[:40] in s for answer in case.answers)), None)
            if found:
                out.append((case.question, found))
                labels.append(1)
        elif case.kind == "out_of_scope" and passages:
            out.append((case.question, kb.documents[passages[0].chunk.doc_id].text[slice(*passages[0].best)]))
            labels.append(0)
    return out, np.array(labels)


UNRELATED = 5  # sentences of other documents paired with each in-scope question


def unrelated(kb: KnowledgeBase, path: Path, seed: int = 0) -> list[tuple[str, str]]:
    """Each in-scope question with UNRELATED random sentences (six words or more) of documents it is not about:
    pairs no check should read as answering. The check learned only answers against near misses, never these."""
    rng = random.Random(seed)
    sentences = {}
    for doc, document in kb.documents.items():
        spans = (document.text[a:b] for a, b in kb.data.sentence_spans(doc))
        sentences[doc] = [s for s in spans if len(s.split()) >= 6]
    out = []
    for case in evaluation.load_cases(path):
        if case.kind != "in_scope":
            continue
        own = {Path(doc).stem.replace("_", "-") for doc in case.docs}
        others = [doc for doc, found in sentences.items() if found and doc not in own]
        out += [(case.question, rng.choice(sentences[rng.choice(others)])) for _ in range(UNRELATED)]
    return out


def main() -> None:
    checks = [("shipped", None)] + [(Path(arg).name, answer_check.AnswerCheck.load(Path(arg))) for arg in sys.argv[1:]]
    with tempfile.TemporaryDirectory(prefix="mgqa-check-docs-") as tmp:
        for name, questions, extra, sources in SETS:
            work = Path(tmp) / name.replace(" ", "-")
            settings = Settings.from_env(index_dir=work / "index")
            folders = (ROOT / "seeds",) if sources is None else (LIBRARY, ROOT / "seeds") + ((extra,) if extra else ())
            build_from_folders(folders, work / "docs", settings, sources)
            kb = KnowledgeBase.load(settings=settings)
            found, y = pairs(kb, questions)
            far_pairs = unrelated(kb, questions) if sources is not None and extra is None else []  # the library
            for label, check in checks:
                reader = check or kb.answer_check
                p = np.array([reader.scores(kb.embedder, q, [s])[0] for q, s in found])
                print(f"{name} ({int(y.sum())} answers, {int((1 - y).sum())} near misses), {label}: "
                      f"AUC {auc(p, y):.3f}, answers read as answering {np.mean(p[y == 1] >= 0.5):.2f}, "
                      f"near misses {np.mean(p[y == 0] >= 0.5):.2f}", flush=True)
                if far_pairs:
                    far = np.array([reader.scores(kb.embedder, q, [s])[0] for q, s in far_pairs])
                    print(f"  unrelated pairs ({len(far)}), {label}: read as answering {np.mean(far >= 0.5):.2f}, "
                          f"median {np.median(far):.2f}", flush=True)


if __name__ == "__main__":
    main()
