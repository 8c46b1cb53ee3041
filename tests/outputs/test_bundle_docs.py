"""docs/bundle.md stays true to the code: it names every file the demo bundle
holds, every key of its manifest, every data-* attribute of its digest.html
and every --formats name."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.curate.bundle.build import FORMATS
from tests.outputs.conftest import DemoBundle
from tests.outputs.readers import html_tree

pytestmark = pytest.mark.xdist_group("demo")

DOC = (Path(__file__).resolve().parents[2] / "docs" / "bundle.md").read_text(encoding="utf-8")


def test_every_file_of_the_bundle_is_documented(demo_bundle: DemoBundle) -> None:
    names = sorted(p.name for p in demo_bundle.path.iterdir())
    assert [n for n in names if f"`{n}`" not in DOC] == []


def test_every_manifest_key_and_format_is_documented(demo_bundle: DemoBundle) -> None:
    assert [k for k in demo_bundle.manifest if f"`{k}`" not in DOC] == []
    assert [f for f in FORMATS if f"`{f}`" not in DOC] == []


def test_every_data_attribute_of_the_digest_is_documented(demo_bundle: DemoBundle) -> None:
    tree = html_tree(demo_bundle.read("digest.html"))
    attributes = {a for el in tree.iter() if isinstance(el.tag, str) for a in el.attrib
                  if a.startswith("data-")}  # fmt: skip
    assert {"data-article-id", "data-section", "data-state-media", "data-published"} <= attributes
    assert sorted(a for a in attributes if not re.search(rf"`{a}`", DOC)) == []
