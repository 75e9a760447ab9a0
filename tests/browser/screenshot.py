"""The screenshot in README: the top of the sample review at 1024 px, in Debian's Chromium.

    scripts/with-chromium .venv/bin/python -m tests.browser.screenshot docs/images/review-1024.png

(`make screenshot`). It builds the review exactly as the browser tests do (tests/browser/pages.py).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from tests.browser.pages import build_documents, chromium_executable, visit

#: What README shows: the first screen of a laptop, 1024 px wide.
WIDTH, HEIGHT = 1024, 1280


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        sys.stderr.write("usage: python -m tests.browser.screenshot OUT.png\n")
        return 2
    out = Path(argv[0])
    chromium = chromium_executable()
    if chromium is None:
        sys.stderr.write("error: no Chromium: run this through scripts/with-chromium.\n")
        return 1
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="tracker-screenshot-") as folder:
        review = build_documents(Path(folder))["review"]
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, headless=True)
            try:
                with visit(browser, review, width=WIDTH) as opened:
                    if opened.console_errors or opened.page_errors or opened.blocked:
                        sys.stderr.write("error: the review did not load cleanly.\n")
                        return 1
                    opened.page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
                    out.parent.mkdir(parents=True, exist_ok=True)
                    opened.page.screenshot(path=str(out))
            finally:
                browser.close()
    sys.stderr.write(f"Wrote {out} ({WIDTH} x {HEIGHT} px).\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
