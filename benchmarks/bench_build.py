"""Build benchmark: full build of the seed, embedding throughput, no-change rebuild next to `mgqa --help`.

    .venv/bin/python benchmarks/bench_build.py [--runs 5]

Every timing is wall-clock of a fresh `mgqa` process (imports and model load included) except the
throughput, which is measured in process with the model already loaded. Medians over --runs.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MGQA = [sys.executable, "-m", "mgqa"]


def timed(command: list[str]) -> float:
    began = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
    return time.perf_counter() - began


def throughput(docs: Path, runs: int) -> dict:
    """Chunks embedded per second by the loaded model (batching as in a build)."""
    sys.path.insert(0, str(ROOT / "src"))
    from mgqa import chunking, documents
    from mgqa.embedding import load_embedder
    from mgqa.settings import Settings

    embedder = load_embedder(Settings.from_env())  # MGQA_EMBEDDER=onnx|torch picks the path, as in a build
    loaded, _ = documents.load_documents(docs)
    texts = [chunking.embedding_text(c, d.title) for d in loaded
             for c in chunking.chunk_document(d, embedder.count_tokens)]
    embedder.encode(texts[:8])  # warm-up
    seconds = []
    for _ in range(runs):
        began = time.perf_counter()
        embedder.encode(texts)
        seconds.append(time.perf_counter() - began)
    median = statistics.median(seconds)
    return {"chunks": len(texts), "median_s": round(median, 3), "chunks_per_s": round(len(texts) / median, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        docs, index = Path(tmp) / "docs", Path(tmp) / "index"
        shutil.copytree(ROOT / "seeds", docs)
        build = MGQA + ["build", "--docs", str(docs), "--index", str(index)]
        full = []
        for _ in range(args.runs):
            shutil.rmtree(index, ignore_errors=True)
            full.append(timed(build))
        # side by side, alternating, so machine noise hits both alike
        no_change, helps = [], []
        for _ in range(args.runs):
            no_change.append(timed(build))
            helps.append(timed(MGQA + ["--help"]))
        result = {
            "full_build_s": round(statistics.median(full), 2),
            "embedding": throughput(docs, args.runs),
            "no_change_rebuild_s": round(statistics.median(no_change), 3),
            "help_s": round(statistics.median(helps), 3),
            "runs": args.runs,
        }
    result["no_change_over_help"] = round(result["no_change_rebuild_s"] / result["help_s"], 2)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
