"""Document metadata: the YAML of a sidecar file (`article.txt.meta.yaml`) or of markdown front matter.

Only the known keys are kept, each cleaned to one line; a malformed value is dropped with a reason, never fatal.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from mgqa.sources import PUBLISHER_TYPES, publisher_type

SIDECAR_SUFFIX = ".meta.yaml"
META_KEYS = ("title", "url", "publisher", "author", "date", "commercial", "promotes", "publisher_type")


def _one_line(value: object) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    return " ".join(str(value).split()) or None


def _metadata(data: object) -> tuple[dict[str, object], str | None]:
    """The known fields of a parsed YAML mapping, cleaned up, and the first problem found if any."""
    if data is None:
        return {}, None
    if not isinstance(data, dict):
        return {}, "ignored, not a mapping of title, url, publisher, author, date, type, commercial, promotes"
    fields: dict[str, object] = {}
    for key in ("title", "url", "publisher", "author", "date"):
        value = data.get(key)
        if isinstance(value, list):  # several authors
            value = ", ".join(text for item in value if (text := _one_line(item)))
        if text := _one_line(value):
            fields[key] = text
    problem = None
    if "promotes" in data:
        promotes = [data["promotes"]] if isinstance(data["promotes"], str) else data["promotes"]
        if isinstance(promotes, list):
            fields["promotes"] = tuple(text for item in promotes if (text := _one_line(item)))
        else:
            problem = "promotes ignored, not a list of product names"
    if "type" in data:
        if kind := publisher_type(data["type"]):
            fields["publisher_type"] = kind
        else:
            problem = "type ignored, not one of " + ", ".join(PUBLISHER_TYPES)
    if "commercial" in data:
        if isinstance(data["commercial"], bool):
            fields["commercial"] = data["commercial"]
        else:
            problem = "commercial ignored, not true or false"
    return fields, problem


def load_yaml(text: str, first_line: int = 1) -> tuple[dict[str, object], str | None]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        return {}, "ignored, invalid YAML" + (f" (line {mark.line + first_line})" if mark else "")
    return _metadata(data)


def sidecar_path(path: Path) -> Path:
    """Where a document's metadata sidecar lives: `article.txt` -> `article.txt.meta.yaml`."""
    return path.with_name(path.name + SIDECAR_SUFFIX)


def read_sidecar(raw: bytes) -> tuple[dict[str, object], str | None]:
    try:
        return load_yaml(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        return {}, "ignored, not UTF-8"
