"""NFCorpus through mgqa: nDCG@3 of what a user gets, next to dense and BM25 baselines on the same abstracts.

    PYTHONPATH=src .venv/bin/python benchmarks/nfcorpus_eval.py --zip ../shared/benchmarks/nfcorpus/nfcorpus.zip \\
        [--docs 1000] [--split dev|test] [--work FOLDER]

The first `--docs` abstracts of corpus.jsonl (file order) become .txt documents (title line, blank line, text)
beside the seeds, built into an index with the configured embedder. Queries of the split with at least one
relevant abstract in that slice are "answerable". Reported, each as nDCG@3 with the qrels' grades as gains:
- dense: all-MiniLM-L6-v2 cosine between the query and each whole abstract (title + text, one vector);
- bm25: bm25s over title + text (its English stop words);
- mgqa_ranking: mgqa's passages, best first, one entry per document (no abstention);
- mgqa_answer: the documents an answer quotes, in quote order; an abstention is a miss (nDCG 0);
and refused: the share of answerable queries mgqa did not answer. Tune on dev; report test.
`--work` keeps the index and the baseline vectors between runs (a rerun embeds nothing new).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
PREFIX = "nf-"


def read_archive(archive: Path, count: int, split: str) -> tuple[list[dict], dict[str, str], dict[str, dict]]:
    """The first `count` abstracts, the queries, and the split's graded judgements restricted to those abstracts."""
    with zipfile.ZipFile(archive) as bundle:
        with bundle.open("nfcorpus/corpus.jsonl") as handle:
            corpus = [json.loads(line) for _, line in zip(range(count), handle, strict=False)]
        with bundle.open("nfcorpus/queries.jsonl") as handle:
            queries = {row["_id"]: row["text"] for row in map(json.loads, handle)}
        with bundle.open(f"nfcorpus/qrels/{split}.tsv") as handle:
            rows = list(csv.DictReader(io.TextIOWrapper(handle, encoding="utf-8"), delimiter="\t"))
    kept = {row["_id"] for row in corpus}
    qrels: dict[str, dict] = {}
    for row in rows:
        if row["corpus-id"] in kept and int(row["score"]) > 0:
            qrels.setdefault(row["query-id"], {})[row["corpus-id"]] = int(row["score"])
    return corpus, queries, qrels


def ndcg(ranked: list[str], judged: dict[str, int], depth: int = 3) -> float:
    """nDCG@depth with linear gains (as trec_eval and BEIR compute it)."""
    dcg = sum(judged.get(doc, 0) / math.log2(rank + 2) for rank, doc in enumerate(ranked[:depth]))
    ideal = sum(g / math.log2(rank + 2) for rank, g in enumerate(sorted(judged.values(), reverse=True)[:depth]))
    return dcg / ideal if ideal else 0.0


def first_per_document(doc_ids: list[str], documents: dict) -> list[str]:
    """NFCorpus ids (from the file names the loader read), best first, each once (the seed and repeats dropped)."""
    names = [Path(documents[d].source).stem for d in dict.fromkeys(doc_ids)]
    return [n[len(PREFIX):] for n in names if n.startswith(PREFIX)]


def dense_baseline(corpus: list[dict], embedder, work: Path) -> np.ndarray:
    cache = work / f"dense-{len(corpus)}.npy"
    if cache.is_file():
        return np.load(cache)
    vectors = np.asarray(embedder.encode([f"{row['title']}\n\n{row['text']}" for row in corpus]), dtype=np.float32)
    np.save(cache, vectors)
    return vectors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zip", type=Path, required=True, help="BEIR nfcorpus.zip")
    parser.add_argument("--docs", type=int, default=1000, help="abstracts to index (besides the seeds)")
    parser.add_argument("--split", choices=("dev", "test"), default="dev")
    parser.add_argument("--work", type=Path, help="folder kept between runs (default: a temporary one)")
    parser.add_argument("--rows", type=Path, help="write every query's figures here as JSON lines")
    args = parser.parse_args()

    import bm25s

    from mgqa import build
    from mgqa.embedding import load_embedder
    from mgqa.kb import KnowledgeBase
    from mgqa.settings import Settings

    corpus, queries, qrels = read_archive(args.zip, args.docs, args.split)
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        docs = work / f"docs-{args.docs}"
        if not docs.is_dir():
            shutil.copytree(ROOT / "seeds", docs)
            for row in corpus:
                (docs / f"{PREFIX}{row['_id']}.txt").write_text(f"{row['title']}\n\n{row['text']}\n", encoding="utf-8")
        settings = Settings.from_env(docs_dir=docs, index_dir=work / f"index-{args.docs}")
        embedder = load_embedder(settings)
        build.build(settings, embedder)
        kb = KnowledgeBase.load(settings=settings, embedder=embedder)

        ids = [row["_id"] for row in corpus]
        dense_vectors = dense_baseline(corpus, embedder, work)
        lexical = bm25s.BM25()
        lexical.index(bm25s.tokenize([f"{r['title']} {r['text']}" for r in corpus], stopwords="en",
                                     show_progress=False), show_progress=False)

        rows = []
        for qid, judged in sorted(qrels.items()):
            text = queries[qid]
            vector = embedder.encode([text])[0]
            dense = [ids[i] for i in np.argsort(-(dense_vectors @ vector))[:10]]
            found, _ = lexical.retrieve(bm25s.tokenize([text], stopwords="en", show_progress=False), k=10,
                                        show_progress=False)
            bm25 = [ids[i] for i in found[0]]
            ranking = first_per_document([p.chunk.doc_id for p in kb.passages(text, k=30)], kb.documents)
            answer = kb.ask(text)
            quoted = first_per_document([q.doc_id for q in answer.quotes], kb.documents)
            rows.append({"id": qid, "query": text, "status": answer.status, "words": len(text.split()),
                         "dense": ndcg(dense, judged), "bm25": ndcg(bm25, judged),
                         "mgqa_ranking": ndcg(ranking, judged), "mgqa_answer": ndcg(quoted, judged),
                         "quotes": len(answer.quotes), "quoted_docs": len(set(q.doc_id for q in answer.quotes))})
    if args.rows:
        args.rows.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    mean = {k: round(sum(r[k] for r in rows) / len(rows), 4) for k in ("dense", "bm25", "mgqa_ranking", "mgqa_answer")}
    refused = sum(r["status"] != "answered" for r in rows) / len(rows)
    repeated = sum(r["quoted_docs"] < r["quotes"] for r in rows)
    print(json.dumps({"split": args.split, "abstracts": len(corpus), "answerable_queries": len(rows),
                      "nDCG@3": mean, "refused": round(refused, 4),
                      "answers_quoting_a_document_twice": repeated,
                      "target_met": mean["mgqa_answer"] >= max(mean["dense"], mean["bm25"]) + 0.03
                      and refused <= 0.05}, indent=1))


if __name__ == "__main__":
    main()
