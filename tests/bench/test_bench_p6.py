"""P6's percentile and a tiny run of the scenario: every call kind is timed and judged."""

from __future__ import annotations

import pytest

from bench import p6_workbench


def test_p95_is_the_95th_percentile_of_the_calls() -> None:
    assert p6_workbench.p95([float(v) for v in range(1, 101)]) == pytest.approx(95.05)
    assert p6_workbench.p95([7.0]) == 7.0


@pytest.mark.slow
def test_a_tiny_p6_run_judges_queue_search_and_decide() -> None:
    measurements, notes = p6_workbench.measure(0.003, 1, 7, 20, None)
    assert [m.target for m in measurements] == list(p6_workbench.TARGETS.values())
    assert all(m.values and m.values[0] > 0 for m in measurements)
    assert any("search hits" in n for n in notes)
