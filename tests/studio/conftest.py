"""Fixtures for the studio's tests: a copy of the content to edit, Chromium, a page on a running studio."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.studio.studio_process import StudioProcess, copy_content, launch_chromium, running_studio


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A writable copy of the shipped content."""
    return copy_content(tmp_path)


@pytest.fixture
def studio(tree: Path) -> Iterator[StudioProcess]:
    """The studio serving the copy."""
    with running_studio(tree) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium, shared by a module's tests."""
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh page that fails the test on any script error."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="en-GB", timezone_id="UTC")
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert errors == [], errors
