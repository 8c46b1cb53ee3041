"""The demo digest in a real browser and as a rendered PDF page: the pictures
are non-blank images of the expected size, and opening digest.html makes no
request but for the file itself (RELIABILITY M 141). Under CI=true a missing
chromium or pdftoppm is a failure, not a skip."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageStat

from tests.fixtures.browser import browser  # noqa: F401  (the fixture)
from tests.outputs.conftest import DemoBundle
from tests.outputs.screenshots import HTML_VIEWPORT, PDF_DPI, html_png, pdf_png, pdftoppm

pytestmark = pytest.mark.xdist_group("demo")


def _assert_a_picture(png: Path, size: tuple[int, int]) -> None:
    with Image.open(png) as im:
        assert im.format == "PNG" and im.size == size
        grey = im.convert("L")
        stat = ImageStat.Stat(grey)
        assert stat.stddev[0] > 20  # text and charts, not one flat colour
        dark = sum(grey.histogram()[:128]) / (size[0] * size[1])
        assert 0.01 < dark < 0.5, dark  # ink on a light page
        colours = im.convert("RGB").getcolors(maxcolors=1 << 20) or []
        assert len(colours) > 50  # anti-aliased type and coloured bars


def test_the_digest_renders_in_chromium_without_any_request(
    browser: Any,  # noqa: F811
    demo_bundle: DemoBundle,
    tmp_path: Path,
) -> None:
    png = tmp_path / "digest.png"
    requests = html_png(browser, demo_bundle.path / "digest.html", png)
    assert requests == [(demo_bundle.path / "digest.html").resolve().as_uri()]
    _assert_a_picture(png, HTML_VIEWPORT)


def test_the_pdfs_first_page_renders(demo_bundle: DemoBundle, tmp_path: Path) -> None:
    if pdftoppm() is None:
        reason = "pdftoppm is not installed (make test-deps installs poppler-utils)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"the PDF picture test must run under CI but {reason}")
        pytest.skip(reason)
    png = tmp_path / "digest-pdf.png"
    pdf_png(demo_bundle.path / "digest.pdf", png)
    a4 = (round(210 / 25.4 * PDF_DPI), round(297 / 25.4 * PDF_DPI))
    with Image.open(png) as im:
        assert abs(im.size[0] - a4[0]) <= 1 and abs(im.size[1] - a4[1]) <= 1, im.size
        size = im.size
    _assert_a_picture(png, size)
