"""The console, driven as a person would: the README's command with piped input."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bot.console import Console
from bot.core.answers import Briefer
from bot.core.content import Content
from tests.conftest import ROOT


def run_console(script: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-m", "bot"],
        input=script,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environ,
        timeout=120,
        check=False,
    )


def test_piped_session_in_simplified_then_traditional() -> None:
    result = run_console("/language zh-Hans\n/people lin\n/timeline\n/language zh-Hant\n/people lin\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    simplified, traditional = out.split("语言已切换为繁體中文")[0], out.split("語言已切換為繁體中文")[-1]
    assert "林俊旸" in simplified
    assert "2026年3月4日" in simplified
    assert "林俊暘" in traditional
    # Only the labelled list of forms names the Simplified spelling; all prose is Traditional.
    prose = [line for line in traditional.splitlines() if not line.strip().startswith("简体中文：")]
    assert "林俊旸" not in "\n".join(prose)
    assert "Traceback" not in out + result.stderr


def test_bad_commands_get_a_one_line_hint_and_the_session_goes_on() -> None:
    result = run_console("/nonsense\n/language klingon\n/people qqqqxxxx\n/summary story:nothing\n/briefs\n")
    assert result.returncode == 0
    assert "Unknown command /nonsense. Type /help for the list." in result.stdout
    assert "Unknown language “klingon”." in result.stdout
    assert "No person matches “qqqqxxxx”." in result.stdout
    assert "No story matches “nothing”." in result.stdout
    assert "== Stories ==" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_default_language_from_the_environment() -> None:
    result = run_console("/help\n", DEFAULT_LANGUAGE="zh-Hant")
    assert "指令：" in result.stdout


@pytest.fixture(scope="module")
def console(shipped: Content) -> Console:
    return Console(Briefer.serving(shipped), "en")


@pytest.mark.parametrize(
    "line",
    [
        "/summary",
        "/people",
        "/people Yu Bowen",
        "/timeline",
        "/timeline 林俊旸",
        "/glossary",
        "/glossary P10",
        "/briefs",
    ],
)
def test_every_command_answers_in_every_language(console: Console, line: str) -> None:
    for language in ("en", "zh-Hans", "zh-Hant"):
        console.language = language
        answer = console.handle(line)
        assert answer.startswith("== "), answer
        assert "Not found" not in answer
        assert "未找到" not in answer


def test_unverified_chinese_name_is_shown_in_english(console: Console) -> None:
    console.language = "zh-Hans"
    answer = console.handle("/people kxli_2000")
    assert "Kaixin Li" in answer
    assert "李凯" not in answer


def test_a_reader_that_stops_early_gets_no_traceback() -> None:
    environ = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env=environ,
    )
    assert process.stdin is not None
    assert process.stdout is not None
    process.stdin.write(b"/summary\n" * 200)
    process.stdin.close()
    process.stdout.readline()
    process.stdout.close()  # like `| head -1`
    assert process.stderr is not None
    errors = process.stderr.read()
    assert process.wait(timeout=60) == 0
    assert b"Traceback" not in errors
