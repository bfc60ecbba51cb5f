"""Build cost: a full build of NFCorpus abstracts plus the seed, next to encoding the same passage texts once.

    PYTHONPATH=src .venv/bin/python benchmarks/bench_build_cost.py --zip nfcorpus.zip [--docs 1000] [--runs 3]

`--zip` is the BEIR NFCorpus archive (its corpus.jsonl is read from the zip). Each abstract becomes a
.txt document (title line, blank line, text) beside the seeds. The embedder is loaded once in this process
(MGQA_EMBEDDER picks it) and warmed up; then, alternately, a full build into a fresh index and a bare
`encode` of every passage's embedding text. Medians and their ratio are printed as JSON, with the parts
of a build timed apart (reading, chunking, passage and sentence encoding).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def write_corpus(archive: Path, count: int, docs: Path) -> None:
    """The first `count` abstracts of corpus.jsonl as text files, and the seeds."""
    shutil.copytree(ROOT / "seeds", docs)
    with zipfile.ZipFile(archive) as bundle, bundle.open("nfcorpus/corpus.jsonl") as handle:
        for number, line in enumerate(handle):
            if number >= count:
                break
            row = json.loads(line)
            (docs / f"nf-{row['_id']}.txt").write_text(f"{row['title']}\n\n{row['text']}\n", encoding="utf-8")


def timed(function) -> float:
    began = time.perf_counter()
    function()
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zip", type=Path, required=True, help="BEIR nfcorpus.zip")
    parser.add_argument("--docs", type=int, default=1000, help="abstracts to index (besides the seeds)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    from mgqa import build, chunking, documents
    from mgqa.embedding import load_embedder
    from mgqa.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.from_env(docs_dir=Path(tmp) / "docs", index_dir=Path(tmp) / "index")
        write_corpus(args.zip, args.docs, settings.docs_dir)
        embedder = load_embedder(settings)
        embedder.encode(["warm up"] * 8)

        began = time.perf_counter()
        loaded, _ = documents.load_documents(settings.docs_dir)
        reading = time.perf_counter() - began
        cut = chunking.ChunkSettings(settings.chunk_tokens, settings.overlap_sentences)
        began = time.perf_counter()
        chunked = [(doc, chunking.chunk_document(doc, embedder.count_tokens, cut)) for doc in loaded]
        chunking_s = time.perf_counter() - began
        embedded = [chunking.document_texts(doc, chunks) for doc, chunks in chunked]
        passages = [text for e in embedded for text in e.passages]
        sentences = list(dict.fromkeys(text for e in embedded for text in e.plain + e.titled))  # each text once

        builds, encodes = [], []
        for _ in range(args.runs):
            shutil.rmtree(settings.index_dir, ignore_errors=True)
            builds.append(timed(lambda: build.build(settings, embedder)))
            encodes.append(timed(lambda: embedder.encode(passages)))
        sentence_s = timed(lambda: embedder.encode(sentences))
        result = {
            "embedder": type(embedder).__name__, "documents": len(loaded), "passages": len(passages),
            "sentences": len(sentences), "runs": args.runs,
            "full_build_s": round(statistics.median(builds), 2),
            "encode_passages_s": round(statistics.median(encodes), 2),
            "parts_s": {"read": round(reading, 2), "chunk": round(chunking_s, 2),
                        "encode_sentences": round(sentence_s, 2)},
        }
    result["build_over_encode"] = round(result["full_build_s"] / result["encode_passages_s"], 2)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
