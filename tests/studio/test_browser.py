"""The studio in headless Chromium, as an editor uses it: look, switch, page, edit, break, attack."""

from __future__ import annotations

import json
import time
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from bot.core.content import Content, Library, load
from tests.studio.studio_process import StudioProcess, running_studio

QWEN = "qwen-core-team-departs"
SUMMARY_HANS = "北京时间2026年3月4日凌晨"
LONG_CARD = "long-story.toml"


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{path.name} lacks {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _column(page: Page, query: str, language: str) -> str:
    return f'.reply[data-query="{query}"] .column[data-lang="{language}"]'


def test_a_story_shows_each_reply_in_three_columns_as_embeds(studio: StudioProcess, page: Page) -> None:
    page.goto(studio.url + f"story/{QWEN}")
    for query in ("/summary", "/people", "/timeline", "/glossary"):
        columns = page.locator(f'.reply[data-query="{query}"] .column')
        expect(columns).to_have_count(3)
        assert columns.evaluate_all("cs => cs.map(c => c.dataset.lang)") == ["en", "zh-Hans", "zh-Hant"]
    summary = _column(page, "/summary", "{lang}")
    expect(page.locator(summary.format(lang="en") + " .embed-title")).to_contain_text("Lin Junyang")
    expect(page.locator(summary.format(lang="zh-Hans") + " .embed-title")).to_contain_text("林俊旸")
    expect(page.locator(summary.format(lang="zh-Hant") + " .embed-title")).to_contain_text("林俊暘")
    # Drawn as Discord draws it: the colour bar, the buttons for the other languages, lengths.
    bar = page.locator(summary.format(lang="en") + " .embed").evaluate(
        "e => getComputedStyle(e).borderLeftColor"
    )
    assert bar == "rgb(43, 108, 176)"
    buttons = page.locator(summary.format(lang="zh-Hant") + " .page:not([hidden]) .dbtn")
    expect(buttons).to_have_text(["English", "简体中文"])
    title = _loaded(studio).briefing(QWEN, "en").title
    expect(page.locator(summary.format(lang="en") + " .title .len")).to_have_text(f"title {len(title)}/256")
    # Timeline dates are bold, as Discord shows **…**.
    expect(page.locator(_column(page, "/timeline", "en") + " strong").first).to_have_text("1993")
    # In the Traditional column, OpenCC text, glossary names and overrides are told apart.
    hant = page.locator(summary.format(lang="zh-Hant") + " .embed-description")
    expect(hant.locator(".o-glossary").first).to_contain_text("阿里巴巴")
    expect(hant.locator(".o-opencc").first).to_contain_text("北京時間")
    # A role whose zh-Hant the editor wrote is marked as theirs, not OpenCC's.
    card = next(c for c in _loaded(studio).cards if c.id == QWEN)
    overridden = [p.ref for p in card.people if p.role.zh_hant is not None]
    assert overridden, "the card has no zh-Hant override to look at"
    role = page.locator(_column(page, f"/people {overridden[0]}", "zh-Hant") + " .embed-description")
    expect(role.locator(".o-editor").first).to_be_visible()
    expect(role.locator(".o-opencc")).to_have_count(0)


def test_switching_stories(studio: StudioProcess, page: Page) -> None:
    library = _loaded(studio)
    page.goto(studio.url)
    shown = page.locator(".story-head").get_attribute("data-story")
    assert shown == library.reports_first()[0].id  # the bot's own default: the newest report
    for card in library.newest_first()[::-1]:
        link = page.locator(f'#stories a[data-story="{card.id}"]')
        link.click()
        expect(page).to_have_url(studio.url + f"story/{card.id}")
        expect(page.locator(".story-head h2")).to_have_text(library.briefing(card.id, "en").title)
        expect(page.locator(f'#stories a[data-story="{card.id}"]')).to_have_attribute("aria-current", "page")
        expect(
            page.locator('.reply[data-query="/summary"] .column[data-lang="zh-Hant"] .embed-title')
        ).to_have_text(library.briefing(card.id, "zh-Hant").title)


def _long_card(tree: Path) -> None:
    """A card whose timeline is too long for one embed, so /timeline has pages."""
    card = (tree / "briefs" / f"{QWEN}.toml").read_text(encoding="utf-8")
    head = card[: card.index("[[timeline]]")].replace(QWEN, "long-story").replace("2026-03-05", "2020-01-01")
    events = "".join(
        f'\n[[timeline]]\ndate = "2019-{1 + i % 12:02d}"\nstatus = "confirmed"\npeople = ["lin-junyang"]\n'
        f'event = {{ en = "{{lin-junyang}} event {i}: {"a long sentence about nothing. " * 4}", '
        f'zh-Hans = "{{lin-junyang}}第{i}件事：{"一句很长很长的话，说的是一件没有什么要紧的事情。" * 4}" }}\n'
        for i in range(60)
    )
    (tree / "briefs" / LONG_CARD).write_text(head + events, encoding="utf-8")


def test_paging_through_a_long_reply(tree: Path, page: Page) -> None:
    _long_card(tree)
    with running_studio(tree) as studio:
        page.goto(studio.url + "story/long-story")
        message = page.locator(_column(page, "/timeline", "en") + " .message")
        pages = int(message.get_attribute("data-pages") or 0)
        assert pages >= 3
        visible = message.locator(".page:not([hidden])")
        expect(visible).to_have_count(1)
        expect(visible.locator(".page-mark")).to_have_text(f"page 1 of {pages}")
        expect(visible.locator(".dbtn.previous")).to_be_disabled()
        first = visible.locator(".embed-description").inner_text()
        for number in range(2, pages + 1):
            visible.locator(".dbtn.next").click()
            expect(visible.locator(".page-mark")).to_have_text(f"page {number} of {pages}")
        assert visible.locator(".embed-description").inner_text() != first
        expect(visible.locator(".embed-footer")).to_contain_text(f"{pages}/{pages}")
        expect(visible.locator(".dbtn.next")).to_be_disabled()
        visible.locator(".dbtn.previous").click()
        expect(visible.locator(".page-mark")).to_have_text(f"page {pages - 1} of {pages}")
        # Or every page at once, one under another.
        visible.locator(".all-pages").click()
        expect(message.locator(".page .embed:visible")).to_have_count(pages)


def test_an_edit_on_disk_shows_without_a_reload(studio: StudioProcess, tree: Path, page: Page) -> None:
    page.goto(studio.url + f"story/{QWEN}")
    hans = page.locator(_column(page, "/summary", "zh-Hans") + " .embed-description")
    hant = page.locator(_column(page, "/summary", "zh-Hant") + " .embed-description")
    expect(hant).to_contain_text("北京時間")
    # Note when the story is redrawn, in the page's own clock (this machine's), and that the
    # document stays the same one: updated in place, not reloaded.
    page.evaluate(
        """() => {
            window.sameDocument = true;
            window.redrawn = [];
            new MutationObserver(() => window.redrawn.push(Date.now()))
                .observe(document.getElementById("story"), { childList: true });
        }"""
    )
    saved = time.time() * 1000
    _edit(tree / "briefs" / f"{QWEN}.toml", SUMMARY_HANS, "编辑刚刚改过的开头")
    expect(hans).to_contain_text("编辑刚刚改过的开头", timeout=3000)
    expect(hant).to_contain_text("編輯剛剛改過的開頭")
    assert page.evaluate("window.sameDocument") is True
    latency = page.evaluate("window.redrawn[0]") - saved
    assert latency < 1000, f"the page followed the save after {latency:.0f} ms"


def test_a_broken_file_pins_its_problem_and_keeps_the_last_good_rendering(
    studio: StudioProcess, tree: Path, page: Page
) -> None:
    card = tree / "briefs" / f"{QWEN}.toml"
    page.goto(studio.url + f"story/{QWEN}")
    hans = page.locator(_column(page, "/summary", "zh-Hans") + " .embed-description")
    expect(hans).to_contain_text(SUMMARY_HANS)
    # Delete the closing quotes of the Simplified summary.
    text = card.read_text(encoding="utf-8")
    start = text.index('zh-Hans = """北京')
    line = text[:start].count("\n") + 1
    end = text.index('"""', start + len('zh-Hans = """'))
    card.write_text(text[:end] + text[end + 3 :], encoding="utf-8")
    # (Only this file's problems: a card that names this one as its report has one of its own then.)
    problem = page.locator("#problems .problem").filter(has_text=f"briefs/{QWEN}.toml:")
    expected = f"briefs/{QWEN}.toml:{line}: summary.zh-Hans: TOML syntax: Unterminated string: it never ends"
    expect(problem).to_have_text(expected)
    expect(hans).to_contain_text(SUMMARY_HANS)  # the last good rendering stays
    expect(page.locator(".stale")).to_contain_text("last good rendering")
    # ...and the problem is pinned beside the field it is about, in its language's column.
    description = page.locator(_column(page, "/summary", "zh-Hans") + " .description")
    expect(description.locator(".pin")).to_have_text(expected)
    expect(description).to_have_class("el description has-problem")
    expect(page.locator(_column(page, "/summary", "en") + " .pin")).to_have_count(0)

    # A field the schema misses is pinned the same way, at the line of the table it belongs in.
    card.write_text(text.replace('zh-Hans = """北京', '# zh-Hans = """北京', 1), encoding="utf-8")
    table = text[: text.index("[summary]")].count("\n") + 1
    expected = f"briefs/{QWEN}.toml:{table}: summary.zh-Hans: is missing"
    expect(problem).to_have_text(expected)
    expect(description.locator(".pin")).to_have_text(expected)
    expect(hans).to_contain_text(SUMMARY_HANS)

    card.write_text(text, encoding="utf-8")
    expect(page.locator("#problems .ok")).to_be_visible()
    expect(page.locator(".pin")).to_have_count(0)
    expect(page.locator(".stale")).to_have_count(0)


def test_a_card_with_script_in_its_text_shows_the_text_and_runs_nothing(tree: Path, page: Page) -> None:
    attack = '<script>window.ran = 1</script><img src=x onerror=\\"window.ran = 2\\">'
    _edit(
        tree / "briefs" / f"{QWEN}.toml", 'en = """In the early hours', f'en = """{attack} In the early hours'
    )
    with running_studio(tree) as studio:
        page.goto(studio.url + f"story/{QWEN}")
        description = page.locator(_column(page, "/summary", "en") + " .embed-description")
        expect(description).to_contain_text(
            '<script>window.ran = 1</script><img src=x onerror="window.ran = 2">'
        )
        page.wait_for_timeout(300)  # give an image error handler time to fire, were there one
        assert page.evaluate("window.ran") is None
        assert description.locator("script, img").count() == 0


def test_paths_outside_the_studio_are_not_found(studio: StudioProcess, page: Page) -> None:
    for path in (
        "../../etc/passwd",
        "assets/..%2F..%2Fetc%2Fpasswd",
        "assets/%2Fetc%2Fpasswd",
        "story/..%2Fx",
    ):
        response = page.goto(studio.url + path)
        assert response is not None
        assert response.status == 404, path
    response = page.goto(studio.url + "assets/studio.css")
    assert response is not None
    assert response.status == 200


def test_each_message_copies_as_the_json_discords_api_takes(studio: StudioProcess, browser: Browser) -> None:
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    try:
        page.goto(studio.url + f"story/{QWEN}")
        column = page.locator(_column(page, "/summary", "zh-Hant"))
        column.locator(".copy").first.click()
        expect(column.locator(".copy").first).to_have_text("Copied")
        payload = json.loads(page.evaluate("navigator.clipboard.readText()"))
    finally:
        context.close()
    embed = payload["embeds"][0]
    assert embed["title"] == column_title_hant(studio)
    assert embed["color"] == 0x2B6CB0
    headings = [heading for heading, _ in _loaded(studio).briefing(QWEN, "zh-Hant").points]
    assert [f["name"] for f in embed["fields"]][:2] == headings[:2]
    assert payload["components"] == [
        {
            "type": 1,
            "components": [
                {"type": 2, "style": 1, "label": "English", "custom_id": "briefing:language:en"},
                {"type": 2, "style": 1, "label": "简体中文", "custom_id": "briefing:language:zh-Hans"},
            ],
        }
    ]
    assert payload["allowed_mentions"] == {"parse": []}


def column_title_hant(studio: StudioProcess) -> str:
    """The zh-Hant title of the story as the bot's own loader renders it."""
    return _loaded(studio).briefing(QWEN, "zh-Hant").title


def _loaded(studio: StudioProcess) -> Library:
    """The studio's content as the bot's own loader reads it, for what a test expects to see."""
    loaded = load(Path(studio.root) / "briefs", Path(studio.root) / "locales")
    assert isinstance(loaded, Content)
    return loaded.library


def test_discord_markdown_in_a_card_is_drawn_as_discord_draws_it(tree: Path, page: Page) -> None:
    markdown = "Posted <t:1772582400:D> in **bold**, see [the post](https://x.com/a)."
    _edit(
        tree / "briefs" / f"{QWEN}.toml",
        'en = """In the early hours',
        f'en = """{markdown} In the early hours',
    )
    with running_studio(tree) as studio:
        page.goto(studio.url + f"story/{QWEN}")
        description = page.locator(_column(page, "/summary", "en") + " .embed-description")
        # In the reader's zone and language, as Discord does: this page's are UTC and en-GB.
        expect(description.locator("time.stamp")).to_have_text("4 March 2026")
        expect(description.locator("strong").first).to_have_text("bold")
        expect(description.locator('a[href="https://x.com/a"]')).to_have_text("the post")
        expect(description).to_contain_text("Posted 4 March 2026 in bold, see the post.")
