"""The log filter: card numbers show their last 4 digits, registered secrets never appear (S8)."""

from __future__ import annotations

import io
import logging
import os
from pathlib import Path

from kiosk.logging_setup import mask_text, register_secret, setup_logging, stream_is_journal

CARD = "6274850012345678"


def test_a_card_number_in_a_log_line_shows_only_its_last_4_digits(clean_logging: None) -> None:
    out = io.StringIO()
    setup_logging("INFO", stream=out, environ={})
    logging.getLogger("kiosk.reader").info("swipe %s from track 2 ;%s=2512?", CARD, CARD)
    text = out.getvalue()
    assert CARD not in text
    assert "************5678" in text
    assert text.startswith("INFO kiosk.reader: swipe ")


def test_grouped_card_numbers_are_masked_but_dates_are_not() -> None:
    assert mask_text("card 6274 8500 1234 5678") == "card ************5678"
    assert mask_text("card 6274-8500-1234-5678") == "card ************5678"
    assert mask_text("on 2026-11-27 at 12:30:45, 3 tries") == "on 2026-11-27 at 12:30:45, 3 tries"
    assert mask_text("code 1234567") == "code 1234567"  # 7 digits: not a card number


def test_a_registered_secret_is_redacted_from_messages_and_tracebacks(clean_logging: None) -> None:
    out = io.StringIO()
    setup_logging("DEBUG", stream=out, environ={})
    register_secret("api-key-7f3e9a")
    log = logging.getLogger("kiosk.central")
    log.debug("posting with user_password=%s", "api-key-7f3e9a")
    try:
        raise ValueError("server said: bad key api-key-7f3e9a for card " + CARD)
    except ValueError:
        log.exception("request failed")
    text = out.getvalue()
    assert "api-key-7f3e9a" not in text
    assert CARD not in text
    assert "user_password=[REDACTED]" in text
    assert "ValueError: server said: bad key [REDACTED] for card ************5678" in text


def test_records_from_any_logger_pass_through_the_filter(clean_logging: None) -> None:
    out = io.StringIO()
    setup_logging("INFO", stream=out, environ={})
    logging.getLogger("httpx.somewhere").warning("GET /?card_number=%s", CARD)
    assert CARD not in out.getvalue()


def test_under_journald_lines_carry_a_syslog_priority_prefix(
    clean_logging: None, tmp_path: Path
) -> None:
    with (tmp_path / "journal").open("w+") as stream:
        info = os.fstat(stream.fileno())
        environ = {"JOURNAL_STREAM": f"{info.st_dev}:{info.st_ino}"}
        assert stream_is_journal(stream, environ)
        setup_logging("DEBUG", stream=stream, environ=environ)
        log = logging.getLogger("kiosk.sync")
        log.warning("queue is old")
        log.debug("detail")
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            log.error("sync failed", exc_info=True)
        stream.flush()
        lines = (tmp_path / "journal").read_text().splitlines()
    assert lines[0] == "<4>kiosk.sync: queue is old"
    assert lines[1] == "<7>kiosk.sync: detail"
    assert lines[2] == "<3>kiosk.sync: sync failed"
    assert all(line.startswith("<3>") for line in lines[3:])  # the traceback keeps its level
    assert lines[-1] == "<3>RuntimeError: boom"


def test_an_inherited_journal_stream_that_is_not_our_stderr_is_ignored(tmp_path: Path) -> None:
    with (tmp_path / "other").open("w") as stream:
        assert not stream_is_journal(stream, {"JOURNAL_STREAM": "1:2"})
        assert not stream_is_journal(stream, {})


def test_the_level_comes_from_kiosk_log_level(clean_logging: None) -> None:
    out = io.StringIO()
    setup_logging(stream=out, environ={"KIOSK_LOG_LEVEL": "warning"})
    logging.getLogger("kiosk").info("hidden")
    logging.getLogger("kiosk").warning("shown")
    assert out.getvalue() == "WARNING kiosk: shown\n"


def test_a_registered_secret_is_redacted_in_its_form_encoded_spelling_too(
    clean_logging: None,
) -> None:
    register_secret("p@ss word/+1")
    assert mask_text("user_password=p%40ss+word%2F%2B1&x=1") == "user_password=[REDACTED]&x=1"
    assert mask_text("p@ss word/+1") == "[REDACTED]"
