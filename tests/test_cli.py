"""The `mgqa` commands as a person or a script runs them: the JSON contract, messages and exit codes."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from fakes import FakeEmbedder
from mgqa import cli


@pytest.fixture
def run(settings, monkeypatch):
    """Invoke `mgqa ...` on the tmp documents and index, with the fake embedder in place of the model."""
    monkeypatch.setenv("MGQA_DOCS_DIR", str(settings.docs_dir))
    monkeypatch.setenv("MGQA_INDEX_DIR", str(settings.index_dir))
    monkeypatch.setenv("MGQA_MODEL", settings.model)
    monkeypatch.setattr("mgqa.embedding.load_embedder", lambda _settings: FakeEmbedder())
    monkeypatch.setattr("mgqa.kb.load_embedder", lambda _settings: FakeEmbedder())
    monkeypatch.setattr("mgqa.build.load_embedder", lambda _settings: FakeEmbedder())
    runner = CliRunner()
    return lambda *args, stdin=None: runner.invoke(cli.main, list(args), input=stdin)


def test_build_then_ask_json_gives_one_contract_object_a_line(run):
    built = run("build")
    assert built.exit_code == 0 and "3 added" in built.output
    asked = run("ask", "--json", stdin="How much magnesium do adults take each day?\n\nDoes zinc help nerves?\n")
    assert asked.exit_code == 0
    answers = [json.loads(line) for line in asked.output.splitlines()]
    assert [a["status"] for a in answers] == ["answered", "invalid", "not_found"]
    assert set(answers[0]) == {"question", "status", "quotes", "caution", "notice", "disagreements"}
    assert answers[0]["quotes"][0]["text"] and answers[0]["caution"]


def test_top_k_from_the_environment_limits_the_quotes(run, monkeypatch):
    run("build")
    monkeypatch.setenv("MGQA_TOP_K", "1")
    answer = json.loads(run("ask", "--json", "magnesium nerves dose sleep foods").output)
    assert len(answer["quotes"]) == 1


@pytest.mark.parametrize("variable,value", [("MGQA_BATCH_SIZE", "0"), ("MGQA_CHUNK_TOKENS", "4"),
                                            ("MGQA_EMBEDDER", "gpu")])
def test_a_bad_setting_is_one_line_and_exit_1_never_a_traceback(run, monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    result = run("build")
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {variable}") and result.output.count("\n") == 1
    assert "Traceback" not in result.output


def test_asking_without_an_index_says_to_build_one(run):
    result = run("ask", "anything")
    assert result.exit_code == 1 and "mgqa build" in result.output and "Traceback" not in result.output


def test_an_unusable_index_path_is_one_line(run, tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("MGQA_INDEX_DIR", str(blocker / "index"))
    result = run("build")
    assert result.exit_code == 1 and "must be a folder" in result.output and result.output.count("\n") == 1


def test_eval_of_a_file_that_is_not_a_question_set_is_one_line(run, tmp_path):
    run("build")
    junk = tmp_path / "junk.jsonl"
    junk.write_text("this is not json\n")
    result = run("eval", str(junk))
    assert result.exit_code == 1 and str(junk) in result.output and "Traceback" not in result.output
