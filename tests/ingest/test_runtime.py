"""The ingest runtime builds its pools from the settings."""

from __future__ import annotations

import pytest

from pipeline.config.settings import IngestSettings, Settings
from pipeline.ingest import runtime
from pipeline.parse import DEFAULT_PARSE_RECYCLE


@pytest.mark.parametrize(("configured", "expected"), [(None, DEFAULT_PARSE_RECYCLE), (7, 7)])
def test_the_parser_pool_recycles_its_processes_as_configured(
    configured: int | None, expected: int
) -> None:
    ingest = IngestSettings() if configured is None else IngestSettings(parse_recycle_after=7)
    with runtime.parser_pool(Settings(ingest=ingest)) as pool:
        assert pool.max_tasks_per_child == expected
        assert pool.deadline_s == ingest.parse_deadline
