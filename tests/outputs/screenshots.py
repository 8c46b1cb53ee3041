"""Pictures of the digest as a reader sees it: digest.html in a real Chromium
(Debian's, driven by Playwright; no browser download, no network) and the
first page of digest.pdf rendered by poppler's ``pdftoppm``.

Used by tests/outputs/test_digest_screenshots.py and by ``make docs-screenshots``::

    python -m tests.outputs.screenshots BUNDLE_DIR OUT_DIR

writes OUT_DIR/digest.png and OUT_DIR/digest-pdf.png (the README shows both).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from tests.fixtures.browser import chromium_path

HTML_VIEWPORT = (1200, 2200)
PDF_DPI = 80


def html_png(browser: Any, html: Path, png: Path,
             viewport: tuple[int, int] = HTML_VIEWPORT) -> list[str]:  # fmt: skip
    """Screenshot the top of ``html``; returns the URLs the page requested."""
    page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    try:
        page.goto(html.resolve().as_uri(), wait_until="load")
        page.screenshot(path=str(png))
    finally:
        page.close()
    return requests


def pdftoppm() -> str | None:
    return shutil.which("pdftoppm")


def pdf_png(pdf: Path, png: Path, *, dpi: int = PDF_DPI) -> None:
    """The PDF's first page as ``png`` (pdftoppm -singlefile)."""
    tool = pdftoppm()
    if tool is None:
        raise FileNotFoundError("pdftoppm (Debian's poppler-utils) is not installed")
    stem = png.with_suffix("")
    subprocess.run([tool, "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile",
                    str(pdf), str(stem)], check=True, capture_output=True, timeout=60)  # fmt: skip


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m tests.outputs.screenshots BUNDLE_DIR OUT_DIR", file=sys.stderr)
        return 2
    bundle, out = Path(argv[0]), Path(argv[1])
    out.mkdir(parents=True, exist_ok=True)
    path = chromium_path()
    if path is None:
        print("no chromium (make test-deps installs Debian's)", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, headless=True,
                                     args=["--no-sandbox", "--disable-gpu"])  # fmt: skip
        try:
            with tempfile.TemporaryDirectory(prefix="vric-shot-") as tmp:
                shot = Path(tmp) / "digest.png"
                html_png(browser, bundle / "digest.html", shot)
                shutil.copyfile(shot, out / "digest.png")
        finally:
            browser.close()
    pdf_png(bundle / "digest.pdf", out / "digest-pdf.png")
    print(f"wrote {out / 'digest.png'} and {out / 'digest-pdf.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
