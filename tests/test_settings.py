"""Settings: defaults, MGQA_* variables, explicit overrides, and one-line errors for bad values."""

from __future__ import annotations

from pathlib import Path

import pytest

from mgqa.settings import Settings, SettingsError


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    import os

    for name in list(os.environ):
        if name.startswith("MGQA_"):
            monkeypatch.delenv(name)
    return monkeypatch


def test_variables_override_defaults_and_explicit_values_override_variables(clean_env):
    clean_env.setenv("MGQA_TOP_K", "1")
    clean_env.setenv("MGQA_PORT", "8080")
    clean_env.setenv("MGQA_INDEX_DIR", "elsewhere")
    settings = Settings.from_env(port=9000)
    assert (settings.top_k, settings.port, settings.index_dir) == (1, 9000, Path("elsewhere"))
    assert Settings.from_env().host == "127.0.0.1"  # loopback unless told


@pytest.mark.parametrize("name,raw,accepted", [
    ("MGQA_BATCH_SIZE", "0", "1 to 4,096"), ("MGQA_CHUNK_TOKENS", "4", "16 to 254"),
    ("MGQA_PORT", "70000", "1 to 65,535"), ("MGQA_PORT", "abc", "1 to 65,535"), ("MGQA_TOP_K", "-1", "1 to 10"),
])
def test_a_bad_number_is_one_line_naming_the_variable_and_the_range(clean_env, name, raw, accepted):
    clean_env.setenv(name, raw)
    with pytest.raises(SettingsError) as caught:
        Settings.from_env()
    message = str(caught.value)
    assert name in message and accepted in message and raw in message and "\n" not in message


def test_an_unknown_embedder_lists_the_choices(clean_env):
    clean_env.setenv("MGQA_EMBEDDER", "gpu")
    with pytest.raises(SettingsError, match="auto, onnx, torch"):
        Settings.from_env()


def test_constructing_settings_directly_is_checked_too():
    with pytest.raises(SettingsError, match="MGQA_TOP_K"):
        Settings(top_k=0)
