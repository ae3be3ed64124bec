"""Traditional Chinese replies read as Taiwan's: no mainland-only term, no Simplified-only character."""

from __future__ import annotations

from functools import cache

import opencc

from bot.core.answers import Answer, Briefer, NotFound
from bot.core.audit import replies_for

# Forms a Taiwan reader takes for mainland usage, each with what Taiwan writes instead.
MAINLAND_ONLY = {
    "報道": "報導",
    "告別帖": "告別貼文",
    "發帖": "發文",
    "帖子": "貼文",
    "一條帖子": "一則貼文",
    "計算機專業": "資訊工程",
    "協調世界時": "世界協調時間",
    "智慧體": "代理",
    "通過開放網路": "透過開放網路",
    "利好": "利多",
    "薪酬包": "薪酬",
    "看樂了": "覺得好笑",
    "宣佈": "宣布",
    "公佈": "公布",
    "賬號": "帳號",
    "許可權": "權限",
    "命令": "指令",  # a bot's command
    "網絡": "網路",
    "信息": "訊息",
    "視頻": "影片",
    "軟件": "軟體",
    "默認": "預設",
    "服務器": "伺服器",
    "“": "「",
    "”": "」",
}

# Characters OpenCC changes when they stand alone but that Traditional Chinese writes too: 里 (里程碑),
# 准 (批准), 群 (社群; OpenCC prefers the variant 羣), 郁 (the surname of 郁博文), 台 (平台, 台詞).
BOTH_SCRIPTS = set("里准群郁台")


@cache
def _to_traditional() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")


def simplified_only(text: str) -> list[str]:
    """Han characters in a text that only Simplified Chinese writes."""
    convert = _to_traditional().convert
    found = []
    for char in text:
        if "\u3400" <= char <= "\u9fff" and char not in BOTH_SCRIPTS and convert(char) != char:
            found.append(char)
    return found


def mainland_terms(text: str) -> list[str]:
    """Each mainland-only form in a text, with what Taiwan writes."""
    return [f"{term} (Taiwan: {taiwan})" for term, taiwan in MAINLAND_ONLY.items() if term in text]


def reply_texts(answer: Answer, names_label: str) -> list[tuple[str, str]]:
    """(where, text) for every piece of a reply, except the names block that shows every script."""
    pieces = []
    views = (answer.view,) if isinstance(answer, NotFound) else answer.pages
    for number, view in enumerate(views, start=1):
        page = f"page {number}"
        pieces += [(f"{page} title", view.title), (f"{page} description", view.description)]
        pieces.append((f"{page} footer", view.footer))
        for field in view.fields:
            pieces.append((f"{page} field name", field.name))
            if field.name != names_label:
                pieces.append((f"{page} field {field.name}", field.value))
    return pieces


def problems_in(reply: Answer, names_label: str) -> list[str]:
    """Every mainland term and Simplified-only character in a reply, named by where it is."""
    found = []
    for where, text in reply_texts(reply, names_label):
        found += [f"{where}: {term}" for term in mainland_terms(text)]
        if chars := simplified_only(text):
            found.append(f"{where}: Simplified-only characters {''.join(chars)}")
    return found


def test_every_traditional_chinese_reply_reads_as_taiwan_chinese(briefer: Briefer):
    names_label = briefer.translation("zh-Hant")("Names")
    found = []
    count = 0
    for card in briefer.library.cards:
        for query, reply in replies_for(briefer, card):
            if not query.startswith("zh-Hant "):
                continue
            count += 1
            found += [f"{card.id}: {query}: {p}" for p in problems_in(reply, names_label)]
    assert count > 20  # every summary, list, person and term of both cards
    assert not found, "\n".join(found)


def test_the_checks_catch_mainland_usage_and_simplified_characters():
    assert mainland_terms("他在X上發帖告別，據報道已離開。") == ["報道 (Taiwan: 報導)", "發帖 (Taiwan: 發文)"]
    assert mainland_terms("他在X上發文告別，據報導已離開。") == []
    assert mainland_terms("“me too”") == ["“ (Taiwan: 「)", "” (Taiwan: 」)"]
    assert simplified_only("林俊旸发文告别") == ["旸", "发", "别"]
    assert simplified_only("林俊暘發文告別，批准辭職，里程碑，平台") == []
