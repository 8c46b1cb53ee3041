"""Determinism: two builds from the same database give the same bytes (PDF and
DOCX included: their metadata dates and ids come from the data, not the
clock); only generated_at in manifest.json differs."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.curate.bundle import build_bundle
from tests.outputs.conftest import DemoBundle
from tests.outputs.readers import docx_document, pdf_reader

pytestmark = pytest.mark.xdist_group("demo")


def _build(demo: DemoBundle, out: Path, now: datetime) -> Path:
    return build_bundle(demo.store, demo.config, "2021-08", out, now=now).path


def test_two_builds_from_the_same_database_are_identical(
    demo_bundle: DemoBundle, tmp_path: Path
) -> None:
    first = _build(demo_bundle, tmp_path / "a", datetime(2026, 1, 1, 8, tzinfo=UTC))
    second = _build(demo_bundle, tmp_path / "b", datetime(2026, 7, 15, 23, 59, tzinfo=UTC))
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in second.iterdir())
    assert {"digest.pdf", "digest.docx", "digest.html"} <= set(names)
    for name in names:
        if name != "manifest.json":
            assert (first / name).read_bytes() == (second / name).read_bytes(), name
            # and the same as the demo's own build, made minutes earlier
            assert (first / name).read_bytes() == demo_bundle.read(name), name
    a, b = (json.loads((p / "manifest.json").read_text()) for p in (first, second))
    assert a.pop("generated_at") == "2026-01-01T08:00:00+00:00"
    assert b.pop("generated_at") == "2026-07-15T23:59:00+00:00"
    assert a == b


def test_pdf_and_docx_dates_are_the_datas_not_the_clock(demo_bundle: DemoBundle) -> None:
    as_of = "2021-09-27"  # the latest item of the demo period
    meta = pdf_reader(demo_bundle.read("digest.pdf")).metadata
    assert meta is not None
    assert meta["/CreationDate"] == meta["/ModDate"] == "D:" + as_of.replace("-", "") + "000000Z"
    props = docx_document(demo_bundle.read("digest.docx")).core_properties
    assert props.created == props.modified == datetime.fromisoformat(as_of).replace(tzinfo=UTC)
