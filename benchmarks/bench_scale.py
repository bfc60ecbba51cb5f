"""Scale benchmark: builds, load, warm questions, memory and disk at 1k, 10k and 100k documents.

    python benchmarks/bench_scale.py [ZIP] [--sizes 1000,10000,100000] [--recall-docs 1000]

Documents are NFCorpus abstracts (title, blank line, abstract) from the BEIR zip (default: the shared copy next
to the repository); past its 3,633 abstracts they repeat with varied text (sentences rotated, a cohort number in
the title), so no two documents are equal. What is measured, exactly:
- builds, load, questions, RSS and index size run the real mgqa code (chunking, store, faiss, BM25, retrieval,
  answer) with a hashing embedder standing in for the model (384 dimensions, words hashed to buckets): embedding
  100k documents with the model would take hours on 2 cores. The model's share is measured apart: its texts per
  second on a sample of chunks and its time per question, and projected for a full build.
- load, warm ask p50/p95 (KnowledgeBase.ask, whole answer path, after 5 warm-up questions) and peak RSS come from
  a fresh process per size;
- recall of HNSW against flat is measured on real model vectors of --recall-docs abstracts' chunks, with NFCorpus
  test queries embedded by the model.
Prints one JSON object per step and a summary.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
DEFAULT_ZIP = ROOT / ".." / "shared" / "benchmarks" / "nfcorpus" / "nfcorpus.zip"
DIMENSION = 384


class HashEmbedder:
    """Stands in for the model at scale: stable unit vectors from hashed words; ~4/3 word pieces a word."""

    model_id = "bench-hash"
    dimension = DIMENSION

    def encode(self, texts, progress: bool = False):
        import numpy as np

        out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                out[row, int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest(), "big")
                    % DIMENSION] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1.0, norms)

    def count_tokens(self, text: str) -> int:
        return len(text.split()) * 4 // 3


def read_nfcorpus(path: Path) -> tuple[list[dict], list[str]]:
    with zipfile.ZipFile(path) as archive:
        corpus = [json.loads(line) for line in archive.read("nfcorpus/corpus.jsonl").decode().splitlines() if line]
        queries = {q["_id"]: q["text"] for q in map(json.loads, archive.read("nfcorpus/queries.jsonl").decode()
                                                    .splitlines()) if q}
        test = {line.split("\t")[0] for line in archive.read("nfcorpus/qrels/test.tsv").decode().splitlines()[1:]}
    return corpus, [queries[q] for q in sorted(test) if q in queries]


def document_text(corpus: list[dict], number: int) -> str:
    """Abstract number `number`: as it is for the first pass, varied after (rotated sentences, a cohort)."""
    entry = corpus[number % len(corpus)]
    cycle = number // len(corpus)
    if cycle == 0:
        return f"{entry['title']}\n\n{entry['text']}\n"
    sentences = entry["text"].split(". ")
    turn = cycle % max(1, len(sentences))
    return f"{entry['title']} (cohort {cycle})\n\n{'. '.join(sentences[turn:] + sentences[:turn])}\n"


def write_docs(folder: Path, corpus: list[dict], count: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(count):
        (folder / f"{number:06d}.txt").write_text(document_text(corpus, number), encoding="utf-8")


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


CHILD = """
import json, statistics, sys, time
sys.path.insert(0, {src!r}); sys.path.insert(0, {bench!r})
from bench_scale import HashEmbedder
began = time.perf_counter()
from mgqa.kb import KnowledgeBase
from mgqa.settings import Settings
kb = KnowledgeBase.load({index!r}, settings=Settings(model="bench-hash"), embedder=HashEmbedder())
load = time.perf_counter() - began
questions = json.loads({questions!r})
for q in questions[:5]:
    kb.ask(q)
times = []
for q in questions:
    t = time.perf_counter(); kb.ask(q); times.append(1000 * (time.perf_counter() - t))
times.sort()
# VmHWM, not ru_maxrss: Linux carries the parent's ru_maxrss across fork and exec
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(json.dumps({{"load_s": round(load, 2), "ask_p50_ms": round(statistics.median(times), 1),
                  "ask_p95_ms": round(times[max(0, round(0.95 * len(times)) - 1)], 1), "questions": len(times),
                  "rss_mb": round(peak / 1024)}}))
"""


def measure_size(count: int, corpus: list[dict], questions: list[str], work: Path, rounds: int = 1,
                 reuse: bool = False) -> dict:
    from mgqa import store
    from mgqa.build import build
    from mgqa.settings import Settings

    folder = work / f"n{count}"
    settings = Settings(docs_dir=folder / "docs", index_dir=folder / "index", model="bench-hash")
    embedder = HashEmbedder()
    added_path = settings.docs_dir / "added.txt"

    def timed():
        began = time.perf_counter()
        report = build(settings, embedder)
        return report, time.perf_counter() - began

    full_s = None
    if reuse and store.read_manifest(settings.index_dir) is not None:  # a kept index of this size: no full build
        added_path.unlink(missing_ok=True)
        full, _ = timed()
    else:
        write_docs(settings.docs_dir, corpus, count)
        full, full_s = timed()
        full_s = round(full_s, 2)
    nochange_s = round(timed()[1], 3)
    adds, removes = [], []
    for round_number in range(rounds):  # add one document, then (but after the last round) remove it again
        added_path.write_text(document_text(corpus, count + 7) + "An added document.\n", encoding="utf-8")
        added, seconds = timed()
        adds.append(seconds)
        if round_number < rounds - 1:
            added_path.unlink()
            removes.append(timed()[1])
    manifest = store.read_manifest(settings.index_dir)
    child = CHILD.format(src=str(ROOT / "src"), bench=str(Path(__file__).parent), index=str(settings.index_dir),
                         questions=json.dumps(questions))
    served = json.loads(subprocess.run([sys.executable, "-c", child], capture_output=True, text=True,
                                       check=True).stdout.strip().splitlines()[-1])
    live = settings.index_dir / store.live_build(settings.index_dir)
    return {"documents": count, "chunks": full.chunks, "vector_index": manifest["vectors"]["kind"],
            "full_build_s": full_s, "no_change_build_s": nochange_s,
            "add_one_s": round(statistics.median(adds), 2), "add_one_all_s": [round(a, 2) for a in adds],
            "remove_one_s": round(statistics.median(removes), 2) if removes else None,
            "add_one_added": list(added.added), **served, "index_mb": round(folder_bytes(live) / 2**20, 1)}


def model_share(corpus: list[dict], questions: list[str], sample: int) -> dict:
    """The real model's time: texts per second on a sample's chunks and sentences, and one question."""
    from mgqa import chunking
    from mgqa.documents import load_documents
    from mgqa.embedding import load_embedder
    from mgqa.settings import Settings

    embedder = load_embedder(Settings.from_env())
    with tempfile.TemporaryDirectory() as tmp:
        write_docs(Path(tmp), corpus, sample)
        docs, _ = load_documents(Path(tmp))
    texts = []
    for doc in docs:
        embedded = chunking.document_texts(doc, chunking.chunk_document(doc, embedder.count_tokens))
        texts += embedded.passages + list(dict.fromkeys(embedded.plain + embedded.titled))
    embedder.encode(texts[:32])
    began = time.perf_counter()
    embedder.encode(sorted(texts, key=len))
    rate = len(texts) / (time.perf_counter() - began)
    one = []
    for q in questions[:50]:
        t = time.perf_counter()
        embedder.encode([q])
        one.append(1000 * (time.perf_counter() - t))
    return {"sample_documents": sample, "texts": len(texts), "texts_per_s": round(rate, 1),
            "texts_per_document": round(len(texts) / sample, 2),
            "question_embed_p50_ms": round(statistics.median(one), 1), "embedder": type(embedder).__name__}


def recall(corpus: list[dict], questions: list[str], docs: int) -> dict:
    """HNSW (as builds make it) against exact flat search on real passage vectors, NFCorpus test queries."""
    import numpy as np

    from mgqa import chunking, vectors
    from mgqa.documents import load_documents
    from mgqa.embedding import load_embedder
    from mgqa.retrieval import CANDIDATES
    from mgqa.settings import Settings

    embedder = load_embedder(Settings.from_env())
    with tempfile.TemporaryDirectory() as tmp:
        write_docs(Path(tmp), corpus, docs)
        loaded, _ = load_documents(Path(tmp))
    texts = [chunking.embedding_text(c, d.title) for d in loaded
             for c in chunking.chunk_document(d, embedder.count_tokens)]
    stored = embedder.encode(texts)
    asked = embedder.encode(questions)
    out = {"passages": len(texts), "queries": len(questions)}
    with tempfile.TemporaryDirectory() as tmp:
        for kind in vectors.KINDS:
            (Path(tmp) / kind).mkdir()
            vectors.write(Path(tmp) / kind, stored, kind)
        flat, hnsw = (vectors.open_store(Path(tmp) / kind, kind) for kind in vectors.KINDS)
        for k in (10, CANDIDATES):
            hits = [len(set(flat.search(q, k)[0]) & set(hnsw.search(q, k)[0])) / min(k, len(texts)) for q in asked]
            out[f"recall@{k}"] = round(float(np.mean(hits)), 4)
    return out


def flat_search_ms(sizes: list[int]) -> dict:
    """Median time of one flat faiss search over random unit vectors: where HNSW starts to pay."""
    import numpy as np

    from mgqa import vectors

    out = {}
    rng = np.random.default_rng(0)
    queries = rng.normal(size=(30, DIMENSION)).astype(np.float32)
    for size in sizes:
        rows = rng.normal(size=(size, DIMENSION)).astype(np.float32)
        rows /= np.linalg.norm(rows, axis=1, keepdims=True)
        index = vectors.make_index("flat", DIMENSION)
        index.add(rows)
        times = []
        for q in queries:
            t = time.perf_counter()
            index.search(q.reshape(1, -1), 200)
            times.append(1000 * (time.perf_counter() - t))
        out[str(size)] = round(statistics.median(times), 2)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("zip", nargs="?", type=Path, default=DEFAULT_ZIP, help="the BEIR nfcorpus.zip")
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--questions", type=int, default=100, help="NFCorpus test queries asked per size")
    parser.add_argument("--recall-docs", type=int, default=1000, help="abstracts embedded by the model (0: skip)")
    parser.add_argument("--model-sample", type=int, default=200, help="abstracts timed with the model (0: skip)")
    parser.add_argument("--keep", type=Path, help="work folder to keep (default: a temporary one, removed)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="times one document is added (and removed between): the median is reported")
    parser.add_argument("--reuse", action="store_true",
                        help="with --keep: start from the index a previous run kept there (no full build)")
    args = parser.parse_args(argv)
    if not args.zip.is_file():
        parser.error(f"no NFCorpus zip at {args.zip}: give its path")
    corpus, queries = read_nfcorpus(args.zip)
    questions = queries[:args.questions]
    print(json.dumps({"cores": os.cpu_count(), "corpus_abstracts": len(corpus), "questions": len(questions)}),
          flush=True)
    print(json.dumps({"flat_search_ms_top200": flat_search_ms([10_000, 50_000, 100_000, 250_000])}), flush=True)
    work = args.keep or Path(tempfile.mkdtemp(prefix="mgqa-scale-"))
    try:
        for size in (int(s) for s in args.sizes.split(",")):
            print(json.dumps(measure_size(size, corpus, questions, work, max(1, args.rounds),
                                          args.reuse and args.keep is not None)), flush=True)
            if not args.keep:
                shutil.rmtree(work / f"n{size}", ignore_errors=True)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    if args.model_sample:
        print(json.dumps({"model": model_share(corpus, queries, args.model_sample)}), flush=True)
    if args.recall_docs:
        print(json.dumps({"hnsw_vs_flat_real_vectors": recall(corpus, queries, args.recall_docs)}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
