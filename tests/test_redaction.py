"""Secrets in URLs and log records: what is shown instead of them."""

from __future__ import annotations

import logging
import sys

import pytest

from bot.redaction import RedactingFilter, redact_url, scrub, url_secrets


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://discord.com/api/v10", "https://discord.com/api/v10"),
        ("https://user:hunter2@packs.example/p.json", "https://user:***@packs.example/p.json"),
        ("https://packs.example/p.json?sig=abc&exp=1", "https://packs.example/p.json?***"),
        (
            "https://discord.com/api/webhooks/123/short?wait=true",
            "https://discord.com/api/webhooks/123/***?***",
        ),
        ("https://proxy.example/k/9f8e7d6c5b4a39281706/api", "https://proxy.example/k/***/api"),
        ("postgresql://bot:pw@db.internal:5432/briefing", "postgresql://bot:***@db.internal:5432/briefing"),
        ("sqlite:///data/briefing.sqlite3", "sqlite:///data/briefing.sqlite3"),
        (
            "https://packs.example/briefs/qwen-core-team-departs.json",
            "https://packs.example/briefs/qwen-core-team-departs.json",
        ),
    ],
)
def test_redact_url(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_scrub_finds_urls_and_token_values_in_text() -> None:
    text = (
        "POST http://127.0.0.1:1/api/v10/interactions/1/tok-8123456789abcdef/callback failed; "
        "event {'token': 'tok-8123456789abcdef', 'id': '5'} and sekrit-value"
    )
    assert scrub(text, ["sekrit-value"]) == (
        "POST http://127.0.0.1:1/api/v10/interactions/1/***/callback failed; "
        "event {'token': '***', 'id': '5'} and ***"
    )


def test_url_secrets_are_the_parts_worth_hiding() -> None:
    assert set(url_secrets("https://u:hunter2@h/webhooks/1/abcd/x?key=v")) == {"hunter2", "key=v", "abcd"}
    assert url_secrets(None) == []


def test_the_filter_redacts_arguments_and_tracebacks() -> None:
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "fetch %s failed", ("https://h/p?t=1",), None)
    try:
        raise ValueError("token sekrit-value in https://u:pw@h/")
    except ValueError:
        record.exc_info = sys.exc_info()
    RedactingFilter(["sekrit-value"]).filter(record)
    assert record.getMessage() == "fetch https://h/p?*** failed"
    assert record.exc_text is not None
    assert "sekrit-value" not in record.exc_text
    assert "https://u:***@h/" in record.exc_text
