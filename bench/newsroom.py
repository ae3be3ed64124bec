"""A synthetic newsroom made from the shipped content: many cards and names, in the shapes real ones have.

`python -m bench.newsroom OUT --cards 1000 --names 10000` writes OUT/briefs and OUT/locales. Names are made
up (a fixed seed): a Chinese surname and given name, their pinyin with tones, an English form, and the
Traditional form from OpenCC; organisations and terms in Latin letters, as many real ones are. Cards reuse
the structure of the shipped cards (summary, points, people with roles, a timeline, terms) with other names.
"""

from __future__ import annotations

import argparse
import random
import shutil
from pathlib import Path

from bot.core.text.script import prepare_traditional, to_traditional

ROOT = Path(__file__).resolve().parent.parent
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂华建国志文博宇浩然子轩思雨欣怡俊晨阳凯鑫彬原泳铭畅若鸣"
ORGS = ("Lab", "Labs", "AI", "Cloud", "Research", "Systems", "Robotics", "Data")
TOPICS = ("ai", "business", "crypto")  # the topics the shipped glossary defines


def _person(rng: random.Random, index: int) -> dict[str, str]:
    from pypinyin import Style, pinyin  # noqa: PLC0415 - only the generator needs tones

    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    toned = [s[0] for s in pinyin(name, style=Style.TONE)]
    plain = [s[0] for s in pinyin(name, style=Style.NORMAL)]
    return {
        "id": f"person-{index}",
        "kind": "person",
        "en": f"{plain[0].title()} {''.join(plain[1:]).title()}",
        "zh-Hans": name,
        "pinyin": f"{toned[0].title()} {''.join(toned[1:]).title()}",
    }


def _organisation(rng: random.Random, index: int) -> dict[str, str]:
    stem = "".join(rng.choice("bcdfghjklmnprstvwz") + rng.choice("aeiou") for _ in range(rng.choice((2, 3))))
    return {"id": f"org-{index}", "kind": "organisation", "en": f"{stem.title()} {rng.choice(ORGS)}"}


def glossary_entries(count: int, rng: random.Random) -> list[dict[str, str]]:
    """Made-up people (nine in ten) and organisations, each with every form a card can show."""
    entries = [_person(rng, i) if i % 10 else _organisation(rng, i) for i in range(count)]
    chinese = [e["zh-Hans"] for e in entries if "zh-Hans" in e]
    prepare_traditional(chinese)
    for entry in entries:
        if "zh-Hans" in entry:
            entry["zh-Hant"] = to_traditional(entry["zh-Hans"])
    return entries


def _toml_entry(entry: dict[str, str]) -> str:
    lines = ["[[entry]]"] + [f'{key} = "{value}"' for key, value in entry.items()]
    return "\n".join([*lines, 'confidence = "likely"', 'source = "synthetic newsroom"', ""])


def _text(en: str, zh: str) -> str:
    return f'{{ en = "{en}", zh-Hans = "{zh}" }}'


def card(index: int, people: list[str], org: str, rng: random.Random) -> str:
    """One story about a few people at an organisation, shaped like the shipped report."""
    year = 2000 + index % 26
    lead, *others = people
    kind = "analysis" if index % 7 == 0 else "report"
    topics = ", ".join(f'"{t}"' for t in rng.sample(TOPICS, 2))
    parts = [
        f'id = "story-{index:05d}"\nkind = "{kind}"\npublished = "{year}-{1 + index % 12:02d}-{1 + index % 28:02d}"',
        f"version = 1\ntopics = [{topics}]",
        f'[source]\noutlet = "biteye"\nauthors = ["Desk {index % 9}"]\ndate = "{year}"',
        f'[title]\nen = "{{{lead}}} leaves {{{org}}} as story {index} unfolds"\n'
        f'zh-Hans = "{{{lead}}}离开{{{org}}}，第{index}号报道持续发酵"',
        "[summary]\n"
        f'en = "{{{lead}}} left {{{org}}} this week. Several colleagues followed within days. '
        f'Reports tie the exits to a change in how the teams are organised. The company has not commented."\n'
        f'zh-Hans = "{{{lead}}}本周离开{{{org}}}。几天之内，多名同事相继离开。报道认为，离职潮与团队组织方式的调整有关。'
        f'公司尚未回应。"',
    ]
    for n in range(3):
        parts.append(
            f"[[points]]\nheading = {_text(f'Point {n + 1}', f'要点{n + 1}')}\n"
            f"text = {_text(f'{{{lead}}} and the team disagreed on plan {n + 1}, by several accounts.', f'据多方说法，{{{lead}}}与团队在第{n + 1}项计划上存在分歧。')}"
        )
    for ref in people:
        parts.append(
            f'[[people]]\nref = "{ref}"\nrole = {_text(f"A member of the {{{org}}} team who left in {year}.", f"{{{org}}}团队成员，{year}年离开。")}'
        )
    for n, ref in enumerate(people[:5]):
        status = "reported" if n % 2 else "confirmed"
        parts.append(
            f'[[timeline]]\ndate = "{year}-{1 + n:02d}"\nstatus = "{status}"\npeople = ["{ref}"]\n'
            f"event = {_text(f'{{{ref}}} announces a departure from {{{org}}}.', f'{{{ref}}}宣布离开{{{org}}}。')}"
        )
    parts.append(
        f'[[terms]]\nref = "{org}"\nmeaning = {_text("Where the story happens.", "事件发生的机构。")}'
    )
    del others
    return "\n\n".join(parts) + "\n"


def generate(out: Path, cards: int, names: int, seed: int = 1) -> tuple[Path, Path]:
    """Write a newsroom under `out`; return its briefs and locales folders."""
    rng = random.Random(seed)
    briefs, locales = out / "briefs", out / "locales"
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(ROOT / "briefs", briefs)
    shutil.copytree(ROOT / "locales", locales, ignore=shutil.ignore_patterns("*.mo"))
    entries = glossary_entries(names, rng)
    glossary = locales / "glossary.toml"
    text = glossary.read_text(encoding="utf-8")
    glossary.write_text(text + "\n" + "\n".join(map(_toml_entry, entries)), encoding="utf-8")
    persons = [e["id"] for e in entries if e["kind"] == "person"]
    orgs = [e["id"] for e in entries if e["kind"] == "organisation"]
    for index in range(cards):
        people = rng.sample(persons, 8)
        (briefs / f"story-{index:05d}.toml").write_text(
            card(index, people, rng.choice(orgs), rng), encoding="utf-8"
        )
    return briefs, locales


def main() -> None:
    """Write a newsroom to the folder given."""
    parser = argparse.ArgumentParser(prog="python -m bench.newsroom", description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--cards", type=int, default=1000)
    parser.add_argument("--names", type=int, default=10000)
    args = parser.parse_args()
    briefs, locales = generate(args.out, args.cards, args.names)
    print(f"wrote {args.cards} cards to {briefs} and {args.names} names to {locales / 'glossary.toml'}")


if __name__ == "__main__":
    main()
