"""Log and output safety (RELIABILITY M145, M146): hostile text in log events
stays one escaped line per event, and secrets in configured feed URLs never
reach the logs, the CSV export, the bundle or ``vric feeds status``.

Logging is configured the way the CLI and the daemon do it
(``setup_logging``, from ``pipeline.logs`` through ``pipeline.cli.common``),
writing to a buffer.
"""

from __future__ import annotations

import io
import json
import logging
import re
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.cli.common import setup_logging
from pipeline.curate.bundle import build_bundle
from pipeline.curate.export import export_period
from pipeline.store import Store
from tests.reliability.conftest import START, MakeHarness
from tests.reliability.docs import Item, page, rss
from tests.reliability.scriptserver import ScriptServer

HTML = "text/html; charset=utf-8"
LEVEL_WORDS = ("debug ", "info ", "warning ", "error ", "critical ")
# Raw bytes that act on a terminal: ESC, CR, and the C1 forms of CSI and OSC.
TERMINAL_CONTROLS = re.compile("[\x1b\r\x9b\x9d]")

ANSI_CLEAR = "\x1b[2J\x1b[H"
OSC8_LINK = "\x1b]8;;http://evil.test/\x1b\\click me\x1b]8;;\x1b\\"
FORGED_LINE = "\ninfo pipeline.ingest.cycle: feed polled feed_url=http://forged.test/ outcome=ok"


LogTo = Callable[..., io.StringIO]


@pytest.fixture
def log_to() -> Iterator[LogTo]:
    """``log_to(level, json_lines=...)`` configures logging into a buffer; undone after."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    noisy = {n: logging.getLogger(n).level for n in ("httpx", "httpcore", "trafilatura")}

    def configure(level: int = logging.DEBUG, *, json_lines: bool = False) -> io.StringIO:
        buf, real = io.StringIO(), sys.stderr
        sys.stderr = buf  # setup_logging binds the handler to sys.stderr
        try:
            setup_logging(level, json_lines=json_lines)
        finally:
            sys.stderr = real
        return buf

    yield configure
    root.handlers[:], level = saved
    root.setLevel(level)
    for name, lvl in noisy.items():
        logging.getLogger(name).setLevel(lvl)


def _events(buf: io.StringIO) -> list[str]:
    return buf.getvalue().split("\n")[:-1]


# ------------------------------------------------------------------ M145


def test_m145_a_cycle_over_hostile_titles_and_links_logs_one_clean_line_per_event(
    make_harness: MakeHarness, server: ScriptServer, sqlite_store: Store, log_to: LogTo
) -> None:
    items = [
        Item("http://news.test/a/1" + "\n" + FORGED_LINE, guid="1", title="T\r\n" + ANSI_CLEAR,
             published=START),
        Item("http://news.test/a/2?x=" + OSC8_LINK, guid="2", title=OSC8_LINK, published=START),
        Item("http://news.test/a/3\r\n\x1b[31m", guid="3", published=START),
    ]  # fmt: skip
    server.serve("/f.xml", rss(items))
    server.serve("/a/1", page("Rusia y México"), content_type=HTML)
    for json_lines in (False, True):
        h = make_harness(
            sqlite_store, [{"id": f"f{int(json_lines)}", "url": "http://feed.test/f.xml"}]
        )
        buf = log_to(logging.DEBUG, json_lines=json_lines)
        h.run()
        lines = _events(buf)
        assert any("feed polled" in line for line in lines)
        for line in lines:
            assert not TERMINAL_CONTROLS.search(line), repr(line)
            if json_lines:
                json.loads(line)  # one complete JSON document per line
            else:
                assert line.startswith(LEVEL_WORDS), repr(line)
        assert not any(line.startswith(FORGED_LINE.strip()) for line in lines)


@pytest.mark.parametrize("json_lines", [False, True])
def test_m145_escape_sequences_and_cr_in_messages_and_fields_are_escaped(
    log_to: LogTo, json_lines: bool
) -> None:
    buf = log_to(logging.INFO, json_lines=json_lines)
    log = logging.getLogger("pipeline.ingest.cycle")
    hostile = f"Título\r{ANSI_CLEAR}{OSC8_LINK}"
    log.info("feed polled %s", hostile, extra={"feed_url": "http://feed.test/?q=" + hostile})
    try:
        raise ValueError("bad value\n" + hostile)
    except ValueError:
        log.exception("worker failed", extra={"detail": hostile})
    lines = _events(buf)
    assert len(lines) == 2  # two events, two lines, the traceback included
    for line in lines:
        assert "\x1b" not in line and "\r" not in line
    assert "Título" in lines[0]  # ordinary text is kept as is
    if json_lines:
        assert [json.loads(line)["level"] for line in lines] == ["info", "error"]


def test_m145_a_newline_in_a_field_never_starts_a_new_log_line(log_to: LogTo) -> None:
    buf = log_to(logging.INFO)
    log = logging.getLogger("pipeline.extract")
    log.warning(
        "extraction worker failed", extra={"url": "http://news.test/a", "detail": FORGED_LINE}
    )
    log.info("feed polled" + FORGED_LINE)
    lines = _events(buf)
    assert len(lines) == 2
    assert all(
        line.startswith(("warning pipeline.extract", "info pipeline.extract")) for line in lines
    )


C1_HOSTILE = "http://feed.test/\x9b2J\x9d8;;http://evil.test/\x9c"


def test_m145_c1_control_sequences_are_escaped_in_text_lines(log_to: LogTo) -> None:
    buf = log_to(logging.INFO)
    logging.getLogger("pipeline.ingest.cycle").info("feed polled", extra={"feed_url": C1_HOSTILE})
    assert not TERMINAL_CONTROLS.search(buf.getvalue())
    assert "\\x9b2J" in buf.getvalue()  # shown escaped, not dropped


def test_m145_c1_control_sequences_are_escaped_in_json_lines(log_to: LogTo) -> None:
    buf = log_to(logging.INFO, json_lines=True)
    logging.getLogger("pipeline.ingest.cycle").info("feed polled", extra={"feed_url": C1_HOSTILE})
    assert json.loads(buf.getvalue())["feed_url"] == C1_HOSTILE  # still the same value
    assert not TERMINAL_CONTROLS.search(buf.getvalue())


# ------------------------------------------------------------------ M146

SECRETS = ("S3CRET-PW", "TOK-A-123", "KEY-A-789", "SIG-A-000")
FEED_WITH_SECRETS = (
    "http://reader:S3CRET-PW@feed.test/f.xml?token=TOK-A-123&api_key=KEY-A-789&sig=SIG-A-000"
)


def _secret_outputs(
    make_harness: MakeHarness,
    server: ScriptServer,
    store: Store,
    log_to: LogTo,
    tmp_path: Path,
    url: str,
) -> dict[str, str]:
    """Run a cycle with a secret-bearing feed URL; every place the URL could show up."""
    server.serve("/f.xml", rss([Item("http://news.test/a/1", guid="1", published=START)]))
    server.serve("/a/1", page("Rusia y México firman un acuerdo energético"), content_type=HTML)
    h = make_harness(store, [
        {"id": "secret", "url": url},
        {"id": "broken", "url": url.replace("/f.xml", "/missing.xml")},
    ])  # fmt: skip
    outputs: dict[str, str] = {}
    for json_lines in (False, True):
        buf = log_to(logging.DEBUG, json_lines=json_lines)
        h.run_later(2)
        outputs[f"log json={json_lines}"] = buf.getvalue()
    assert "feed polled" in outputs["log json=False"]
    csv_path = tmp_path / "export.csv"
    export_period(store, "2021-08", csv_path, relevant_only=False, registry=h.config.registry)
    outputs["export csv"] = csv_path.read_bytes().decode("utf-8-sig")
    bundle = build_bundle(store, h.config, "2021-08", tmp_path / "bundles",
                          now=datetime(2021, 10, 2, tzinfo=UTC))  # fmt: skip
    for f in sorted(bundle.path.iterdir()):
        outputs[f"bundle {f.name}"] = f.read_bytes().decode("utf-8", "replace")
    assert "bundle coverage.csv" in outputs
    env = {"VRIC_DATABASE_URL": store.url, "VRIC_CONFIG_DIR": str(tmp_path)}
    status = CliRunner().invoke(cli, ["feeds", "status", "--json"], env=env)
    assert status.exit_code == 0, status.output
    outputs["feeds status --json"] = status.output
    return outputs


def test_m146_credentials_and_tokens_of_feed_urls_never_reach_logs_csv_bundle_or_status(
    make_harness: MakeHarness,
    server: ScriptServer,
    sqlite_store: Store,
    log_to: LogTo,
    tmp_path: Path,
) -> None:
    outputs = _secret_outputs(make_harness, server, sqlite_store, log_to, tmp_path,
                              FEED_WITH_SECRETS)  # fmt: skip
    leaks = {where: s for where, text in outputs.items() for s in SECRETS if s in text}
    assert leaks == {}
    # The feed is still recognisable where it is listed.
    assert "feed.test/f.xml" in outputs["bundle coverage.csv"]
    assert "feed.test/f.xml" in outputs["feeds status --json"]


def test_m146_an_access_token_parameter_is_redacted_everywhere(
    make_harness: MakeHarness,
    server: ScriptServer,
    sqlite_store: Store,
    log_to: LogTo,
    tmp_path: Path,
) -> None:
    url = "http://feed.test/f.xml?access_token=AT-B-456"
    outputs = _secret_outputs(make_harness, server, sqlite_store, log_to, tmp_path, url)
    assert {where for where, text in outputs.items() if "AT-B-456" in text} == set()


def test_uvicorns_coloured_copy_of_its_message_is_left_out(log_to: LogTo) -> None:
    buf = log_to(logging.INFO)
    extra = {"color_message": "Started server process [\x1b[36m%d\x1b[0m]"}
    logging.getLogger("uvicorn.error").info("Started server process [%d]", 42, extra=extra)
    assert buf.getvalue().strip() == "info uvicorn.error: Started server process [42]"
