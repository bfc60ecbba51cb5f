"""Fusion weights measured on the development data: the library question set and the NFCorpus dev split.

    PYTHONPATH=src .venv/bin/python benchmarks/fusion_sweep.py --library ../shared/library/docs \\
        --sources tests/fixtures/library_sources.yaml --nfcorpus ../shared/benchmarks/nfcorpus/nfcorpus.zip \\
        [--lexical 0.1,0.2,0.4] [--title 0,0.2,0.4] [--focus 0,0.2,0.4] [--work FOLDER]

For each combination of the ranking weights (`mgqa.ranking.Weights`: BM25, the document title's cosine, the share
of the question's focus a passage names) prints the library's R@1 / R@3 and, over the NFCorpus dev split's
answerable queries, nDCG@3 of mgqa's ranking and of what a user gets (abstentions as misses) with the refusal
rate. The seed question sets and the NFCorpus test split are never read here.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from nfcorpus_eval import PREFIX, first_per_document, ndcg, read_archive  # noqa: E402

from mgqa import evaluation, ranking  # noqa: E402
from mgqa.build import build, build_from_folders  # noqa: E402
from mgqa.embedding import load_embedder  # noqa: E402
from mgqa.kb import KnowledgeBase  # noqa: E402
from mgqa.settings import Settings  # noqa: E402


def floats(text: str) -> list[float]:
    return [float(v) for v in text.split(",")]


def nfcorpus_kb(archive: Path, work: Path, embedder) -> tuple[KnowledgeBase, dict, dict]:
    import shutil

    corpus, queries, qrels = read_archive(archive, 1000, "dev")
    docs = work / "nfcorpus-docs"
    if not docs.is_dir():
        shutil.copytree(ROOT / "seeds", docs)
        for row in corpus:
            (docs / f"{PREFIX}{row['_id']}.txt").write_text(f"{row['title']}\n\n{row['text']}\n", encoding="utf-8")
    settings = Settings.from_env(docs_dir=docs, index_dir=work / "nfcorpus-index")
    build(settings, embedder)
    return KnowledgeBase.load(settings=settings, embedder=embedder), queries, qrels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--library", type=Path, required=True)
    parser.add_argument("--sources", type=Path, required=True)
    parser.add_argument("--nfcorpus", type=Path, required=True)
    parser.add_argument("--lexical", type=floats, default=[0.1, 0.2, 0.4])
    parser.add_argument("--title", type=floats, default=[0.0, 0.2, 0.4])
    parser.add_argument("--focus", type=floats, default=[0.0, 0.2, 0.4])
    parser.add_argument("--work", type=Path, help="folder kept between runs (default: a temporary one)")
    args = parser.parse_args()

    embedder = load_embedder(Settings.from_env())
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        library = Settings.from_env(index_dir=work / "library-index")
        if not (library.index_dir / "CURRENT").exists():
            build_from_folders((args.library, ROOT / "seeds"), work / "library-docs", library, args.sources, embedder)
        library_kb = KnowledgeBase.load(settings=library, embedder=embedder)
        cases = evaluation.load_cases(ROOT / "eval" / "library_questions.jsonl")
        nf_kb, queries, qrels = nfcorpus_kb(args.nfcorpus, work, embedder)
        print("lexical title focus | library R@1  R@3 | nfcorpus-dev ranking answer refused")
        for lexical, title, focus in itertools.product(args.lexical, args.title, args.focus):
            ranking.WEIGHTS = ranking.Weights(lexical=lexical, title=title, focus=focus)
            metrics = evaluation.evaluate(library_kb, cases)["metrics"]
            ranked, answered, refused = [], [], 0
            for qid, judged in sorted(qrels.items()):
                passages = nf_kb.passages(queries[qid], k=30)
                ranked.append(ndcg(first_per_document([p.chunk.doc_id for p in passages], nf_kb.documents), judged))
                answer = nf_kb.ask(queries[qid])
                refused += answer.status != "answered"
                answered.append(ndcg(first_per_document([q.doc_id for q in answer.quotes], nf_kb.documents), judged))
            print(json.dumps({"lexical": lexical, "title": title, "focus": focus,
                              "library_R@1": round(metrics["R@1"], 3), "library_R@3": round(metrics["R@3"], 3),
                              "nf_ranking": round(sum(ranked) / len(ranked), 4),
                              "nf_answer": round(sum(answered) / len(answered), 4),
                              "nf_refused": round(refused / len(ranked), 4)}), flush=True)


if __name__ == "__main__":
    main()
