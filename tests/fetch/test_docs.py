"""docs/fetching.md and the operator settings stay in step with the code: every setting and every
error code is explained there."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

from pipeline.errors import ERROR_CODES
from pipeline.fetch import FetchPolicy

DOC = Path(__file__).resolve().parents[2] / "docs" / "fetching.md"


def test_every_fetch_setting_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    missing = [f.name for f in fields(FetchPolicy) if f"`{f.name}`" not in text]
    assert missing == []


def test_every_error_code_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert sorted(code for code in ERROR_CODES if f"`{code}`" not in text) == []


def test_policy_from_the_operator_settings_fills_the_version_in() -> None:
    from pipeline.config.settings import FetchSettings
    from pipeline.fetch import DEFAULT_USER_AGENT, policy_from_settings

    settings = FetchSettings(deadline=12.0, per_host_concurrency=3)
    policy = policy_from_settings(settings, frozenset({"127.0.0.1:8080"}))
    assert policy.deadline == 12.0 and policy.per_host_concurrency == 3
    assert policy.user_agent == DEFAULT_USER_AGENT
    assert policy.allow_hosts == frozenset({"127.0.0.1:8080"})
