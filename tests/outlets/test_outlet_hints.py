"""Hints for unknown hosts (`vric outlets unknown`) and change lines (`vric outlets reflag`)."""

from __future__ import annotations

import pytest

from pipeline.outlets import Registry, diff_flags, unknown_domain_hint
from pipeline.types import OutletMatch

HINTS = [  # host, a phrase the hint must contain (None: no hint)
    ("www.radioangulo.cu", "Cuban law bars private media"),
    ("RADIOANGULO.CU", "Cuban law bars private media"),
    ("noticias.gob.ve", ".gob.ve"),
    ("ar.china-embassy.gov.cn", "PRC government"),
    ("www.shargh.ir", "Iranian"),
    ("cu.example.com", None),  # a label, not the suffix
    ("cubanoticias.com", None),
    ("example.org", None),
    ("", None),
]


@pytest.mark.parametrize(("host", "phrase"), HINTS)
def test_unknown_domain_hint(host: str, phrase: str | None) -> None:
    hint = unknown_domain_hint(host)
    if phrase is None:
        assert hint is None
    else:
        assert hint is not None and phrase in hint and hint.endswith("review")


def test_every_hinted_cuban_state_host_is_actually_registered(shipped: Registry) -> None:
    """The .cu hint is for hosts the registry misses; registered .cu outlets resolve first."""
    match = shipped.lookup("https://www.granma.cu/x")
    assert match is not None and match.state_media


def _match(**changes: object) -> OutletMatch:
    base: dict[str, object] = {
        "outlet": "ve_globovision",
        "name": "Globovisión",
        "state_media": True,
        "controlling_state": "venezuela",
        "ownership": "state-affiliated",
        "cap_policy": "review",
        "matched": "domain:globovision.com",
    }
    return OutletMatch(**{**base, **changes})  # type: ignore[arg-type]


DIFFS = [
    (None, None, None),
    (_match(), _match(), None),
    (_match(), _match(matched="legacy:globovision.com"), None),  # same flags, another rule
    (
        _match(),
        _match(state_media=False, controlling_state="none", cap_policy="exclude"),
        "state_media: true -> false; controlling_state: venezuela -> none; "
        "cap_policy: review -> exclude",
    ),
    (
        None,
        _match(),
        "outlet: (none) -> ve_globovision; state_media: (none) -> true; "
        "controlling_state: (none) -> venezuela; cap_policy: (none) -> review",
    ),
    (
        _match(),
        None,
        "outlet: ve_globovision -> (none); state_media: true -> (none); "
        "controlling_state: venezuela -> (none); cap_policy: review -> (none)",
    ),
    (_match(cap_policy="count"), _match(), "cap_policy: count -> review"),
]


@pytest.mark.parametrize(("old", "new", "expected"), DIFFS)
def test_diff_flags(old: OutletMatch | None, new: OutletMatch | None, expected: str | None) -> None:
    assert diff_flags(old, new) == expected


def test_reflag_of_a_real_registry_change(shipped: Registry) -> None:
    """What reflag prints for a Bolivian item once the November 2025 change is applied."""
    from datetime import UTC, datetime

    before = shipped.lookup("https://www.abi.bo/x", at=datetime(2025, 1, 1, tzinfo=UTC))
    now = shipped.lookup("https://www.abi.bo/x", at=datetime(2026, 1, 1, tzinfo=UTC))
    assert diff_flags(before, now) == "cap_policy: count -> review"
