"""The ingest runtime builds its pools from the settings."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

from pipeline.config.settings import IngestSettings, Settings
from pipeline.ingest import runtime


class _Recorder:
    made: ClassVar[list[dict[str, Any]]] = []

    def __init__(self, processes: int, **kwargs: Any) -> None:
        self.made.append({"processes": processes, **kwargs})


@pytest.mark.parametrize(("configured", "expected"), [(None, 2000), (7, 7)])
def test_the_parser_pool_recycles_its_processes_as_configured(
    monkeypatch: pytest.MonkeyPatch, configured: int | None, expected: int
) -> None:
    import pipeline.parse

    _Recorder.made = []
    monkeypatch.setattr(pipeline.parse, "ParserPool", _Recorder)
    ingest = IngestSettings() if configured is None else IngestSettings(parse_recycle_after=7)
    runtime.parser_pool(Settings(ingest=ingest))
    assert _Recorder.made == [
        {
            "processes": runtime.PARSE_PROCESSES,
            "deadline_s": ingest.parse_deadline,
            "max_tasks_per_child": expected,
        }
    ]
