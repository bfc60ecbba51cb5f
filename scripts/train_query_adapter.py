"""Fine-tune the query adapter: a question's vector nearest the sentence of its document that answers it.

    .venv/bin/python scripts/train_query_adapter.py --library ../shared/library/docs
    # writes src/mgqa/query_adapter_model.npz (a few minutes on 2 cores)

Training data, none of it from an evaluation set: the answering pairs of data/answer_pairs.jsonl over the seed
and the test library (a question and the sentence that answers it, written by people who saw the documents but
not the code). Each document's sentences are embedded exactly as a build embeds them (with and without the
document's title, averaged); the passages and the index are never changed. A copy of the model's last layer
learns, for questions only, to score the answering sentence above every other sentence of the same document and
64 random sentences of the others (softmax at temperature TEMPERATURE), while a penalty keeps the question's
vector near the one the model gives (weight KEEP): the calibrated abstention reads those cosines.

`--nfcorpus <zip>` lets the pairs over NFCorpus abstracts (those no dev or test query is judged on) learn too;
tried, not shipped: NFCorpus dev did not recover (what a user gets 0.301 -> 0.296) and library-train's false
abstention rose.

`--folds 5` measures instead of writing: the documents split five ways, the adapter trained on four fifths of
them and scored on the development questions (eval/library_questions.jsonl and
data/library_train_questions.jsonl, in scope) whose document is in the fifth it never saw; it prints how often
the sentence it puts first holds the answer, within the right document and across all of them, beside the
model's own question vectors. Seeded; torch's CPU kernels may differ in the last bits elsewhere.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "scripts"))

from finetune import Trainer, shown, states_of  # noqa: E402

from mgqa import chunking, evaluation, query_adapter  # noqa: E402
from mgqa.build import sentence_vectors  # noqa: E402
from mgqa.documents import load_documents  # noqa: E402
from mgqa.embedding import load_embedder  # noqa: E402
from mgqa.settings import Settings  # noqa: E402

PAIRS = ROOT / "data" / "answer_pairs.jsonl"
DEV = (ROOT / "eval" / "library_questions.jsonl", ROOT / "data" / "library_train_questions.jsonl")
TEMPERATURE = 0.05
KEEP = 1.0  # weight of 1 - cos(adapted, the model's own question vector)
OTHERS = 64  # random sentences of other documents among each question's negatives
EPOCHS = 3
BATCH = 32


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[*#_`]", "", text)).strip().lower()


class Sentences:
    """Every document's distinct sentences and their vectors, as the index holds them."""

    def __init__(self, embedder, folders: list[Path], settings: Settings) -> None:
        cut = chunking.ChunkSettings(settings.chunk_tokens, settings.overlap_sentences)
        self.texts: dict[str, list[str]] = {}
        self.vectors: dict[str, np.ndarray] = {}
        for folder in folders:
            for doc in load_documents(folder)[0]:
                texts = chunking.document_texts(doc, chunking.chunk_document(doc, embedder.count_tokens, cut))
                n = len(texts.spans)
                both = np.asarray(embedder.encode(texts.plain + texts.titled), dtype=np.float32)
                self.vectors[doc.source] = sentence_vectors(both[:n], both[n:])
                self.texts[doc.source] = [norm(doc.text[a:b]) for a, b in texts.spans]
        self.names = sorted(self.texts)
        self.all = np.concatenate([self.vectors[name] for name in self.names])
        self.owner = np.concatenate([[i] * len(self.texts[name]) for i, name in enumerate(self.names)])
        self.first = {name: int(np.flatnonzero(self.owner == i)[0]) for i, name in enumerate(self.names)}

    def holding(self, doc: str, answers) -> set[int]:
        """The sentences of `doc` an answer holds or that hold it."""
        out = set()
        for answer in map(norm, answers):
            out |= {j for j, s in enumerate(self.texts.get(doc, ())) if len(s) > 15 and (s in answer or answer in s)}
        return out


def write_abstracts(archive: Path, wanted: set[str], folder: Path) -> Path:
    """The NFCorpus abstracts the pairs name, as benchmarks/nfcorpus_eval.py gives them to a build (title line,
    blank line, text), named by their id."""
    with zipfile.ZipFile(archive) as bundle, bundle.open("nfcorpus/corpus.jsonl") as handle:
        for row in map(json.loads, handle):
            if row["_id"] in wanted:
                (folder / f"{row['_id']}.txt").write_text(f"{row['title']}\n\n{row['text']}\n", encoding="utf-8")
    return folder


def fit(rows: list[tuple[str, int]], states, own: np.ndarray, sentences: Sentences, seed: int,
        epochs: int = EPOCHS, keep_weight: float = KEEP) -> Trainer:
    """rows: (document, answering sentence) per question; states and own: the questions' states and vectors."""
    trainer = Trainer(seed, 1)  # its head is not used
    torch = trainer.torch
    optimiser = torch.optim.AdamW(trainer.layers.parameters(), lr=5e-5, weight_decay=0.01)
    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        order = rng.permutation(len(rows))
        for start in range(0, len(order), BATCH):
            picked = order[start:start + BATCH]
            vectors = trainer.pooled([states[i] for i in picked])
            loss = 0.0
            for k, i in enumerate(picked):
                doc, answer = rows[i]
                others = torch.from_numpy(sentences.all[rng.choice(len(sentences.all), OTHERS, replace=False)])
                candidates = torch.cat([torch.from_numpy(sentences.vectors[doc]), others])
                logits = (candidates @ vectors[k]) / TEMPERATURE
                loss = loss + torch.nn.functional.cross_entropy(logits[None], torch.tensor([answer]))
            keep = (1 - (vectors * torch.from_numpy(own[picked])).sum(1)).mean()
            loss = loss / len(picked) + keep_weight * keep
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    return trainer


def adapted(trainer: Trainer, states) -> np.ndarray:
    with trainer.torch.no_grad():
        return trainer.pooled(states).numpy() if states else np.zeros((0, 384), np.float32)


def first_holds(vectors: np.ndarray, rows, sentences: Sentences) -> tuple[int, int]:
    """How often the best sentence holds the answer: within the right document, and across all documents."""
    within = anywhere = 0
    for vector, (doc, holding) in zip(vectors, rows, strict=True):
        within += int(np.argmax(sentences.vectors[doc] @ vector)) in holding
        best = int(np.argmax(sentences.all @ vector))
        anywhere += sentences.names[sentences.owner[best]] == doc and best - sentences.first[doc] in holding
    return within, anywhere


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--library", type=Path, required=True, help="the test library's documents folder")
    parser.add_argument("--nfcorpus", type=Path, help="BEIR nfcorpus.zip: the pairs over its abstracts learn too")
    parser.add_argument("--out", type=Path, default=query_adapter.MODEL_PATH)
    parser.add_argument("--folds", type=int, default=0, help="measure on documents held out instead of writing")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--keep", type=float, default=KEEP, help="weight keeping the vector near the model's own")
    args = parser.parse_args()

    settings = Settings()
    embedder = load_embedder(settings)
    pairs = [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines() if line.strip()]
    with tempfile.TemporaryDirectory() as abstracts:
        folders = [args.library, ROOT / "seeds"]
        if args.nfcorpus:
            folders.append(write_abstracts(args.nfcorpus, {p["doc"] for p in pairs}, Path(abstracts)))
        sentences = Sentences(embedder, folders, settings)
    train = []
    for pair in pairs:
        doc = pair["doc"] if pair["doc"] in sentences.texts else f"{pair['doc']}.txt"  # an abstract's file
        holding = sentences.holding(doc, [pair["sentence"]]) if pair["label"] == "answers" else set()
        if holding:
            train.append((pair["question"], doc, min(holding)))
    states = states_of(embedder, [q for q, _, _ in train])
    own = np.asarray(embedder.encode([q for q, _, _ in train]), dtype=np.float32)
    rows = [(doc, answer) for _, doc, answer in train]
    print(f"{len(train)} answering pairs over {len(sentences.names)} documents", file=sys.stderr, flush=True)
    if not args.folds:
        trainer = fit(rows, states, own, sentences, args.seed, args.epochs, args.keep)
        trained_on = f"{len(train)} answering pairs of {PAIRS.name}, {args.epochs} epochs, keep {args.keep}"
        model = trainer.model(query_adapter.QueryAdapter, embedder.model_id, trained_on, ())
        model.weights = {k: v for k, v in model.weights.items() if not k.startswith("head.")}
        model.save(args.out)
        print(json.dumps({"pairs": len(train), "wrote": shown(args.out)}))
        return
    dev = []
    for path in DEV:
        for case in evaluation.load_cases(path):
            holding = sentences.holding(case.docs[0], case.answers) if case.kind == "in_scope" and case.docs else set()
            if holding:
                dev.append((case.question, case.docs[0], holding))
    dev_states = states_of(embedder, [q for q, _, _ in dev])
    dev_own = np.asarray(embedder.encode([q for q, _, _ in dev]), dtype=np.float32)
    fold_of = {name: i % args.folds for i, name in enumerate(sentences.names)}
    base, new = np.zeros(2), np.zeros(2)
    for fold in range(args.folds):
        kept = [i for i, (doc, _) in enumerate(rows) if fold_of[doc] != fold]
        tested = [i for i, (_, doc, _) in enumerate(dev) if fold_of[doc] == fold]
        trainer = fit([rows[i] for i in kept], [states[i] for i in kept], own[kept], sentences, args.seed,
                      args.epochs, args.keep)
        scored = [(dev[i][1], dev[i][2]) for i in tested]
        base += first_holds(dev_own[tested], scored, sentences)
        new += first_holds(adapted(trainer, [dev_states[i] for i in tested]), scored, sentences)
        print(f"fold {fold}: {len(tested)} questions", file=sys.stderr, flush=True)
    n = len(dev)
    print(json.dumps({"questions": n, "within_document": [round(base[0] / n, 3), round(new[0] / n, 3)],
                      "across_documents": [round(base[1] / n, 3), round(new[1] / n, 3)]}))


if __name__ == "__main__":
    main()
