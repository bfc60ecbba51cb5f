"""The ONNX fast path gives sentence-transformers' vectors and token counts, without importing torch."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mgqa import onnx_embedding
from mgqa.embedding import ModelError, SentenceTransformerEmbedder, load_embedder
from mgqa.settings import DEFAULT_MODEL, Settings

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_298022469d73e39c.txt"

VARIED = [
    "", " ", "\n\t", "a", "?", "Magnesium for nerve pain?",
    "How much magnesium should I take for nerve pain?",
    "Ünïcödé café naïve — 10 mg/day ™ 😀 中文字 Ελληνικά",
    "MAGNESIUM Glycinate vs. citrate: 200–400 mg (elemental) / day",
    "word " * 253, "word " * 254, "word " * 255,  # around the 256-piece limit with [CLS] and [SEP]
    "magnesium supports healthy nerve signals. " * 120,  # far past the limit: truncated
    "   leading and trailing spaces   ",
]


# ---------------------------------------------------------------- no model needed


def test_an_unknown_embedder_setting_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="auto, onnx, torch"):
        Settings(embedder="gpu")


def test_other_models_always_run_on_sentence_transformers():
    embedder = load_embedder(Settings(model="some/other-model"))
    assert isinstance(embedder, SentenceTransformerEmbedder) and embedder._model is None  # not loaded yet
    with pytest.raises(ModelError, match="only the bundled model"):
        load_embedder(Settings(model="some/other-model", embedder="onnx"))


def test_the_forced_torch_path_skips_the_export(tmp_path):
    embedder = load_embedder(Settings(embedder="torch", cache_dir=tmp_path / "cache"))
    assert isinstance(embedder, SentenceTransformerEmbedder)
    assert not (tmp_path / "cache").exists()


def test_the_export_folder_follows_the_weights(tmp_path):
    model = tmp_path / "model"
    model.mkdir()
    weights = model / "model.safetensors"
    weights.write_bytes(b"one")
    first = onnx_embedding.export_dir(model, tmp_path / "cache")
    assert first.parent == tmp_path / "cache" / "onnx"
    assert onnx_embedding.export_dir(model, tmp_path / "cache") == first
    weights.write_bytes(b"other")
    assert onnx_embedding.export_dir(model, tmp_path / "cache") != first


def test_an_export_killed_long_ago_is_cleared_but_a_running_one_is_not(tmp_path):
    killed, running = tmp_path / ".model-1.abc123.tmp", tmp_path / ".model-1.def456.tmp"
    for folder in (killed, running):
        folder.mkdir()
        (folder / "traced.onnx").write_bytes(b"partial")
    os.utime(killed, (1, 1))
    onnx_embedding._remove_abandoned(tmp_path)
    assert not killed.exists() and running.exists()


# ---------------------------------------------------------------- the real model


@pytest.fixture(scope="module")
def onnx_embedder(real_embedder):
    """The fast path as `mgqa ask` gets it: the export in the user's cache, made now if missing."""
    embedder = load_embedder(Settings(embedder="onnx"))
    assert isinstance(embedder, onnx_embedding.OnnxEmbedder)
    return embedder


def _seed_texts(real_kb) -> list[str]:
    from mgqa.chunking import embedding_text

    return [embedding_text(c, real_kb.documents[c.doc_id].title) for c in real_kb.data.chunks]


@pytest.mark.model
def test_onnx_vectors_match_sentence_transformers(onnx_embedder, real_embedder, real_kb):
    texts = VARIED + _seed_texts(real_kb)
    fast, slow = onnx_embedder.encode(texts), real_embedder.encode(texts)
    assert fast.shape == slow.shape == (len(texts), 384) and fast.dtype == np.float32
    cosines = np.sum(fast * slow, axis=1) / np.linalg.norm(fast, axis=1) / np.linalg.norm(slow, axis=1)
    assert cosines.min() >= 0.9999, [texts[i][:40] for i in np.flatnonzero(cosines < 0.9999)]
    assert np.allclose(np.linalg.norm(fast, axis=1), 1.0, atol=1e-5)


@pytest.mark.model
def test_a_text_gets_the_same_vector_alone_or_in_a_padded_batch(onnx_embedder):
    alone = np.stack([onnx_embedder.encode([t])[0] for t in VARIED])
    assert np.abs(alone - onnx_embedder.encode(VARIED)).max() < 1e-5
    assert onnx_embedder.encode([]).shape == (0, 384)


@pytest.mark.model
def test_a_build_sized_call_runs_batches_side_by_side_with_the_same_vectors(onnx_embedder):
    many = VARIED * 20  # past PARALLEL_FROM batches: the parallel path
    assert len(many) > onnx_embedding.PARALLEL_FROM * onnx_embedder.batch_size
    vectors = onnx_embedder.encode(many).reshape(20, len(VARIED), -1)
    assert np.abs(vectors - onnx_embedder.encode(VARIED)).max() < 1e-5


@pytest.mark.model
def test_onnx_token_counts_and_limits_match_sentence_transformers(onnx_embedder, real_embedder):
    text = SEED.read_text(encoding="utf-8")
    texts = VARIED + [text] + text.split("\n")
    assert [onnx_embedder.count_tokens(t) for t in texts] == [real_embedder.count_tokens(t) for t in texts]
    assert onnx_embedder.count_tokens("word " * 600) == 600  # counting never truncates
    assert onnx_embedder.max_tokens == real_embedder.max_tokens == 256
    assert onnx_embedder.dimension == real_embedder.dimension


@pytest.mark.model
def test_auto_falls_back_to_sentence_transformers_when_no_export_can_be_made(tmp_path, real_embedder):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would go")
    embedder = load_embedder(Settings(cache_dir=blocked))
    assert isinstance(embedder, SentenceTransformerEmbedder)
    assert embedder.encode(["magnesium"]).shape == (1, 384)
    with pytest.raises(ModelError, match="ONNX embedder can't run"):
        load_embedder(Settings(cache_dir=blocked, embedder="onnx"))


@pytest.mark.model
def test_a_failed_export_leaves_nothing_in_the_cache(tmp_path, monkeypatch, onnx_embedder):
    def refuse(*args):
        raise onnx_embedding.Unavailable("the ONNX export does not reproduce the model's vectors")

    monkeypatch.setattr(onnx_embedding, "_check", refuse)
    from mgqa.embedding import model_path

    with pytest.raises(onnx_embedding.Unavailable, match="does not reproduce"):
        onnx_embedding.ensure_export(Path(model_path(DEFAULT_MODEL)), tmp_path)
    assert list((tmp_path / "onnx").iterdir()) == []


@pytest.mark.model
def test_a_cold_ask_on_the_fast_path_never_imports_torch(onnx_embedder, real_settings):
    env = {k: v for k, v in os.environ.items() if not k.startswith("MGQA_")}
    env.update(PYTHONPATH=str(ROOT / "src"), MGQA_EMBEDDER="onnx", MGQA_INDEX_DIR=str(real_settings.index_dir))
    code = ("import sys; from mgqa.cli import main; sys.argv = ['mgqa', 'ask', '--json', 'magnesium dose']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "assert 'torch' not in sys.modules and 'transformers' not in sys.modules, 'torch was imported'")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert '"status": "answered"' in done.stdout


@pytest.mark.model
def test_both_paths_give_the_triage_the_same_states(onnx_embedder, real_embedder):
    # the triage reads the states going into the last layer; the fast path must give the ones torch gives,
    # from the same run as the vectors retrieval uses
    texts = ["he collapsed and won't wake up, can magnesium help?", "magnesium", VARIED[0]]
    fast_vectors, fast = onnx_embedder.encode_states(texts)
    slow_vectors, slow = real_embedder.encode_states(texts)
    assert np.allclose(fast_vectors, onnx_embedder.encode(texts), atol=1e-6)
    assert np.allclose(fast_vectors, slow_vectors, atol=1e-5)
    for mine, theirs, text in zip(fast, slow, texts, strict=True):
        assert mine.shape == theirs.shape == (len(onnx_embedder._tokenizer.encode(text).ids), 384)
        assert np.allclose(mine, theirs, atol=1e-4)


@pytest.mark.model
def test_both_paths_give_the_answer_check_the_states_into_its_two_layers(onnx_embedder, real_embedder):
    # the answer check copies the last two layers: a run asked for their input alone must give what torch gives
    # there, and not the last layer's input (which would silently feed the check the wrong states)
    texts = ["what dose of magnesium for cramps [SEP] Most adults take 200-350mg daily.", VARIED[1]]
    fast, slow = onnx_embedder.layer_states(texts, 2), real_embedder.layer_states(texts, 2)
    last = onnx_embedder.layer_states(texts, 1)
    for mine, theirs, one_later in zip(fast, slow, last, strict=True):
        assert mine.shape == theirs.shape == one_later.shape
        assert np.allclose(mine, theirs, atol=1e-4)
        assert not np.allclose(mine, one_later, atol=1e-2)
