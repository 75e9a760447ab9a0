"""The browser: Debian's Chromium driven by Playwright, started once for these tests.

`make test` runs them through scripts/with-chromium, which installs Chromium where it is
missing and names it in TRACKER_TEST_CHROMIUM. Without Chromium or Playwright they are skipped,
except under CI, where a missing browser is an error (as a missing PostgreSQL server is).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.pages import build_documents, chromium_executable

CHROMIUM = chromium_executable()
if os.environ.get("CI") and not os.environ.get("TRACKER_TEST_CHROMIUM"):
    raise RuntimeError("CI runs the browser tests: run them through scripts/with-chromium.")


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    """Headless Chromium (the system's, never one Playwright would download)."""
    if CHROMIUM is None:
        pytest.skip(
            "no Chromium: install Debian's chromium, or run the tests through "
            "scripts/with-chromium (make test does)"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if os.environ.get("CI"):
            raise
        pytest.skip("Playwright is not installed: pip install -e '.[dev]'")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="package")
def documents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The review of 2022Q2 and the retrospective of the example, as HTML files."""
    return build_documents(tmp_path_factory.mktemp("documents"))
