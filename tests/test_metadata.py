"""Metadata YAML: known keys kept and cleaned, bad values dropped with a reason, nothing fatal."""

from __future__ import annotations

from pathlib import Path

from mgqa.metadata import load_yaml, read_sidecar, sidecar_path


def test_known_keys_are_kept_on_one_line_and_unknown_ones_dropped():
    fields, problem = load_yaml("title: |\n  Magnesium\n  and Nerves\nauthors_note: x\nauthor: [Ann, Bo]\n"
                                "promotes: Magnesium 7\ncommercial: true\n")
    assert problem is None
    assert fields == {"title": "Magnesium and Nerves", "author": "Ann, Bo", "promotes": ("Magnesium 7",),
                      "commercial": True}


def test_a_bad_value_is_dropped_with_the_reason():
    fields, problem = load_yaml("title: Guide\ncommercial: maybe\n")
    assert fields == {"title": "Guide"} and problem == "commercial ignored, not true or false"


def test_broken_yaml_names_its_line_and_keeps_nothing():
    fields, problem = load_yaml("title: ok\nurl: [unclosed\n", first_line=2)
    assert fields == {} and problem.startswith("ignored, invalid YAML (line")


def test_a_sidecar_sits_next_to_its_document_and_must_be_utf8():
    assert sidecar_path(Path("seeds/article.txt")) == Path("seeds/article.txt.meta.yaml")
    assert read_sidecar("title: Café\n".encode("latin-1")) == ({}, "ignored, not UTF-8")
