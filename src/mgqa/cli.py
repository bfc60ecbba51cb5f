"""`mgqa build | ask | serve | eval`: thin commands over the public API."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

# Only light modules at the top: torch, faiss and gradio load inside the commands that need
# them, so `mgqa --help` and a no-change `mgqa build` stay instant.
from mgqa.settings import Settings

INDEX_HELP = "index folder (default: index/, or MGQA_INDEX_DIR)"


class _Group(click.Group):
    """Every error a person can cause (an MgqaError) becomes `Error: <one line>` and exit 1, in one place."""

    def invoke(self, ctx: click.Context):
        from mgqa.errors import MgqaError

        try:
            return super().invoke(ctx)
        except MgqaError as err:
            raise click.ClickException(str(err)) from None


@click.group(cls=_Group)
@click.version_option(package_name="mgqa")
def main() -> None:
    """Ask health questions of a document collection; get verbatim, linked quotes with a caution note."""


@main.command()
@click.option("--docs", "docs_dir", type=click.Path(path_type=Path), help="documents folder (default: seeds/)")
@click.option("--index", "index_dir", type=click.Path(path_type=Path), help=INDEX_HELP)
@click.option("--model", help="sentence-transformers model name or local path (default: the bundled MiniLM)")
@click.option("--chunk-tokens", type=click.IntRange(16, 254), help="target passage size in word pieces")
def build(docs_dir: Path | None, index_dir: Path | None, model: str | None, chunk_tokens: int | None) -> None:
    """Build or update the index from a folder of .txt, .md, .html and .pdf files.

    Only new or edited documents are embedded; a run with nothing changed loads no model.

        mgqa build                       # seeds/ -> index/
        mgqa build --docs my-docs --index my-index
    """
    from mgqa import build as builder

    report = builder.build(Settings.from_env(docs_dir=docs_dir, index_dir=index_dir, model=model,
                                             chunk_tokens=chunk_tokens))
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(report.summary())


@main.command()
@click.argument("question", required=False)
@click.option("--index", "index_dir", type=click.Path(path_type=Path), help=INDEX_HELP)
@click.option("--json", "as_json", is_flag=True, help="one JSON object a line (the API contract)")
def ask(question: str | None, index_dir: Path | None, as_json: bool) -> None:
    """Answer QUESTION, or every line of standard input (the model is loaded once).

        mgqa ask "How much magnesium should I take for nerve pain?"
        mgqa ask --json < questions.txt
    """
    kb = _load(index_dir)
    questions = [question] if question is not None else (line.rstrip("\n") for line in sys.stdin)
    for text in questions:
        answer = kb.ask(text)
        if as_json:
            click.echo(json.dumps(answer.to_dict(), ensure_ascii=False))
        else:
            from mgqa.terminal import render

            click.echo(render(answer))


@main.command()
@click.option("--host", help="interface to listen on (default 127.0.0.1, or MGQA_HOST)")
@click.option("--port", type=click.IntRange(1, 65535), help="port (default 7860, or MGQA_PORT)")
@click.option("--index", "index_dir", type=click.Path(path_type=Path), help=INDEX_HELP)
def serve(host: str | None, port: int | None, index_dir: Path | None) -> None:
    """Start the web app on the index (loopback only unless you bind elsewhere).

        mgqa serve --port 8080
    """
    from mgqa.ui import serve as run

    run(host=host, port=port, index_dir=index_dir)


@main.command("eval")
@click.argument("question_sets", nargs=-1, type=click.Path(path_type=Path))
@click.option("--index", "index_dir", type=click.Path(path_type=Path), help=INDEX_HELP)
@click.option("--mode", type=click.Choice(["hybrid", "dense", "bm25"]), default="hybrid", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="print metrics and every row as JSON")
@click.option("--docs", "docs_dirs", multiple=True, type=click.Path(path_type=Path, file_okay=False, exists=True),
              help="build a temporary index from these folders (repeat the option) instead of using --index")
@click.option("--sources", "sources_file", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="with --docs: a sources.yaml saying who publishes what")
def evaluate(question_sets: tuple[Path, ...], index_dir: Path | None, mode: str, as_json: bool,
             docs_dirs: tuple[Path, ...], sources_file: Path | None) -> None:
    """Score retrieval, abstention, disagreements and triage; exit 1 when a target is missed.

        mgqa eval                              # eval/questions.jsonl
        mgqa eval eval/heldout.jsonl --mode dense
        mgqa eval eval/triage_blind.jsonl      # a triage set: recall and false alarms by kind
        mgqa eval eval/library_questions.jsonl --docs ../shared/library/docs --docs seeds \\
            --sources tests/fixtures/library_sources.yaml
    """
    import tempfile

    if not docs_dirs:
        _run_eval(_load(index_dir, mode=mode), question_sets, mode, as_json)
        return
    from mgqa.build import build_from_folders

    with tempfile.TemporaryDirectory(prefix="mgqa-eval-") as tmp:
        settings = Settings.from_env(index_dir=Path(tmp) / "index")
        build_from_folders(docs_dirs, Path(tmp) / "docs", settings, sources_file)
        _run_eval(_load(settings.index_dir, mode=mode), question_sets, mode, as_json)


def _run_eval(kb, question_sets: tuple[Path, ...], mode: str, as_json: bool) -> None:
    from mgqa import evaluation, triage_eval

    failed = False
    for path in question_sets or (Path("eval/questions.jsonl"),):
        try:
            if triage_eval.is_triage_set(path):  # {"text", "label", "kind"} rows: triage, not retrieval
                result = triage_eval.evaluate(kb, path)
                failed |= not result["passed"]
                click.echo(json.dumps({"set": str(path), **result}, ensure_ascii=False) if as_json
                           else triage_eval.table(str(path), result))
                continue
            result = evaluation.evaluate(kb, evaluation.load_cases(path))
        except (OSError, ValueError, KeyError) as err:  # a file that is not a question set
            raise click.ClickException(f"{path}: {err}") from None
        failed |= not result["passed"]
        if as_json:
            click.echo(json.dumps({"set": str(path), "mode": mode, **result}, ensure_ascii=False))
        else:
            click.echo(evaluation.table(str(path), mode, result))
    if failed:
        sys.exit(1)


def _load(index_dir: Path | None, mode: str = "hybrid"):
    from mgqa.kb import KnowledgeBase

    return KnowledgeBase.load(settings=Settings.from_env(index_dir=index_dir), mode=mode)
