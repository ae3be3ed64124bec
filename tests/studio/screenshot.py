"""`make screenshot`: the studio on the shipped cards, photographed in headless Chromium for the README."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.studio.studio_process import ROOT, copy_content, launch_chromium, running_studio

STORY = "qwen-core-team-departs"
REPLY = "q-people-lin-junyang"


def main(target: Path) -> None:
    """Open the qwen story's replies and save what the first screen shows."""
    with (
        tempfile.TemporaryDirectory() as scratch,
        running_studio(copy_content(Path(scratch))) as studio,
        sync_playwright() as playwright,
    ):
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1600, "height": 1050})
        # One person's reply shows every part of an embed: description, fields, bold dates,
        # footer, the buttons, lengths, and OpenCC's text marked in the Traditional column.
        page.goto(studio.url + f"story/{STORY}#{REPLY}")
        page.locator(f"#{REPLY} .embed").first.wait_for()
        page.screenshot(path=str(target))
        browser.close()
    print(f"wrote {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "docs" / "studio.png").resolve())
