"""Shared fixtures: tiny document folders, settings on tmp paths, the fake embedder, the real model once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fakes import FAKE_MODEL, FakeEmbedder, write
from mgqa.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SEED = SEEDS / "000_298022469d73e39c.txt"
INDEX = ROOT / "index"

NERVES_MD = """\
# Magnesium and Nerves

Magnesium supports healthy nerve signals. Low magnesium levels can make nerves fire too easily.

## Dosage

Most adults take 310 to 420 mg of magnesium each day. Talk to a doctor before taking a supplement.

## Side Effects

Too much magnesium from supplements can cause diarrhea and cramps. People with kidney disease should be careful.
"""

FOODS_HTML = """\
<!DOCTYPE html>
<html><head><title>Magnesium Foods</title>
<link rel="canonical" href="https://example.org/magnesium-foods"></head>
<body><article>
<h1>Magnesium Foods</h1>
<p>Spinach, pumpkin seeds and almonds are rich in magnesium. Dark chocolate has some magnesium too.</p>
<h2>Cooking</h2>
<p>Boiling spinach loses some minerals into the water. Steaming keeps more of them.</p>
</article></body></html>
"""

SLEEP_TXT = """\
Magnesium and Sleep

Some people take magnesium in the evening to sleep better. Magnesium glycinate is often chosen for sleep.

Evidence

Small studies suggest magnesium may help older adults fall asleep faster.
"""


@pytest.fixture
def docs_dir(tmp_path: Path) -> Path:
    """A small documents folder: one markdown, one html and one plain-text document."""
    folder = tmp_path / "docs"
    write(folder, "nerves.md", NERVES_MD)
    write(folder, "foods.html", FOODS_HTML)
    write(folder, "sleep.txt", SLEEP_TXT)
    return folder


@pytest.fixture
def settings(tmp_path: Path, docs_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings on the tmp folders with the fake model; MGQA_* variables of the caller's shell don't leak in."""
    for name in list(os.environ):
        if name.startswith("MGQA_"):
            monkeypatch.delenv(name)
    return Settings.from_env(docs_dir=docs_dir, index_dir=tmp_path / "index", model=FAKE_MODEL)


@pytest.fixture
def embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def built(settings: Settings, embedder: FakeEmbedder) -> Settings:
    """Settings whose index has been built from docs_dir with the fake embedder."""
    from mgqa.build import build

    build(settings, embedder)
    return settings


@pytest.fixture
def kb(built: Settings, embedder: FakeEmbedder):
    from mgqa.kb import KnowledgeBase

    return KnowledgeBase.load(settings=built, embedder=embedder)


# ---------------------------------------------------------------- the real model, loaded once per session


@pytest.fixture(scope="session")
def real_embedder():
    """The configured sentence-transformers model; tests using it are skipped if it can't be loaded offline."""
    from mgqa.embedding import ModelError, SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder()
    try:
        embedder.model  # noqa: B018 - load now, so a missing model skips instead of failing each test
    except ModelError as err:
        pytest.skip(f"real model unavailable: {err}")
    return embedder


@pytest.fixture(scope="session")
def real_settings(real_embedder, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings of a real-model index of seeds/: the committed index/ when it is fresh, else one built now."""
    from mgqa.build import build, is_fresh

    committed = Settings(docs_dir=SEEDS, index_dir=INDEX)
    if is_fresh(committed):
        return committed
    fresh = Settings(docs_dir=SEEDS, index_dir=tmp_path_factory.mktemp("real-index"))
    build(fresh, real_embedder)
    return fresh


@pytest.fixture(scope="session")
def real_kb(real_settings: Settings, real_embedder):
    from mgqa.kb import KnowledgeBase

    return KnowledgeBase.load(settings=real_settings, embedder=real_embedder)


# ---------------------------------------------------------------- the web app on a loopback port

ADMIN_PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def app_server(tmp_path_factory: pytest.TempPathFactory):
    """The real app on a free loopback port over a tiny fake-model index, admin password set through the
    environment; one per test module. Yields a namespace with url, library, settings and password."""
    from types import SimpleNamespace

    from mgqa.build import build
    from mgqa.kb import KnowledgeBase
    from mgqa.ui import BackgroundServer, Library, create_app

    root = tmp_path_factory.mktemp("app")
    docs = root / "docs"
    write(docs, "nerves.md", NERVES_MD)
    write(docs, "foods.html", FOODS_HTML)
    write(docs, "sleep.txt", SLEEP_TXT)
    settings = Settings(docs_dir=docs, index_dir=root / "index", model=FAKE_MODEL, admin_password=ADMIN_PASSWORD)
    embedder = FakeEmbedder()
    build(settings, embedder)
    library = Library(KnowledgeBase.load(settings=settings, embedder=embedder), settings)
    app = create_app(library)
    with BackgroundServer(app) as server:
        yield SimpleNamespace(url=server.url, library=library, settings=settings, password=ADMIN_PASSWORD)


# ---------------------------------------------------------------- headless Chromium


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium on a throwaway profile, one per test module; screenshots go to artifacts/screenshots."""
    pytest.importorskip("selenium", reason="selenium is not installed (pip install -e '.[test]')")
    import shutil
    import tempfile

    from browsing import SHOTS, start_chromium

    profile = tempfile.mkdtemp(prefix="mgqa-chromium-")
    driver = start_chromium(profile)
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)
