"""What each digest item shows (pure, compose.py): titles without source
suffixes, a summary for every item cut at a sentence, weeks counted from the
period's first day, outlet names rather than registry ids."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from pipeline.curate.bundle.build import display_outlet
from pipeline.curate.bundle.compose import (
    SUMMARY_MAX,
    TITLE_MAX,
    Also,
    ItemInput,
    Period,
    clean_title,
    compose,
    summary_of,
    weeks,
)
from pipeline.curate.views import OutletCache
from tests.curate.factory import FakeRegistry

TITLE = "Rosatom: el Centro de Irradiación de El Alto comenzará a operar este año"
LEAD = (
    f"{TITLE}\nEL ALTO (Sputnik) - El centro, que construye la corporación rusa, abrirá en "
    "diciembre. Así lo informó el Ministerio de Hidrocarburos. La obra costó 300 millones."
)


@pytest.mark.parametrize(
    ("description", "lead", "expected"),
    [
        # a real description: its first two sentences
        (
            "Moscú calificó las sanciones de EE. UU. como un intento de desestabilizar. La "
            "oposición lo niega. Siete siguen presos.",
            None,
            "Moscú calificó las sanciones de EE. UU. como un intento de desestabilizar. La "
            "oposición lo niega.",
        ),
        # an aggregator's description is the title again: the lead, without title and dateline
        (
            f"{TITLE} - Los Tiempos",
            LEAD,
            "El centro, que construye la corporación rusa, abrirá en diciembre. Así lo informó "
            "el Ministerio de Hidrocarburos.",
        ),
        (
            None,
            "HOUSTON/CARACAS, Aug 23 (Reuters) - Engineers arrived. They will stay.",
            "Engineers arrived. They will stay.",
        ),
        (
            None,
            "LIMA, 13 sep (Xinhua) -- Las obras avanzan. Eso dijo la empresa.",
            "Las obras avanzan. Eso dijo la empresa.",
        ),
        (
            "",
            "CIUDAD DE MÉXICO.- La aspiración argentina sufrió un revés.",
            "La aspiración argentina sufrió un revés.",
        ),
        (TITLE, TITLE, ""),  # nothing but the title: no summary rather than the title twice
        (None, None, ""),
    ],
)
def test_the_summary_is_the_description_else_the_lead(
    description: str | None, lead: str | None, expected: str
) -> None:
    assert summary_of(description, lead, TITLE) == expected


def test_a_long_first_sentence_ends_at_a_clause_or_a_word_within_the_limit() -> None:
    clauses = "El centro " + ", ".join(f"que construye la empresa número {n}" for n in range(20))
    out = summary_of(clauses + ".", None, TITLE)
    assert len(out) <= SUMMARY_MAX and out.endswith("número 7…")
    words = summary_of("palabra " * 100, None, TITLE)
    assert len(words) <= SUMMARY_MAX and words.endswith("palabra…")


@pytest.mark.parametrize(
    ("title", "names", "expected"),
    [
        (
            "Cabo Verde rechazó el recurso de Alex Saab - Infobae",
            ("Infobae",),
            "Cabo Verde rechazó el recurso de Alex Saab",
        ),
        (
            "Raisi recibe a Llorenti | HispanTV",
            ("HispanTV", "www.hispantv.com"),
            "Raisi recibe a Llorenti",
        ),
        (
            "Sinovac abre planta - infobae.com",
            ("Infobae", "www.infobae.com"),
            "Sinovac abre planta",
        ),
        ("Rusia dona vacunas - Mundo - Infobae", ("Infobae",), "Rusia dona vacunas - Mundo"),
        ("Guerra - Paz", ("El País",), "Guerra - Paz"),  # not the outlet: the title's own dash
        ("Infobae", ("Infobae",), "Infobae"),  # never emptied
    ],
)
def test_source_suffixes_naming_the_outlet_are_stripped(
    title: str, names: tuple[str, ...], expected: str
) -> None:
    assert clean_title(title, names) == expected


def test_weeks_are_counted_from_the_periods_first_day() -> None:
    days = ["2021-08-01", "2021-08-07", "2021-08-08", "2021-09-30"]
    out = weeks(days, date(2021, 8, 1), date(2021, 10, 1))
    assert out[0] == ("2021-08-01", 2) and out[1] == ("2021-08-08", 1)
    assert out[-1] == ("2021-09-26", 1) and len(out) == 9  # the last week is five days


def _input(**kw: object) -> ItemInput:
    values: dict[str, object] = {
        "id": 1, "section": "russia", "title": "Rusia dona vacunas - RT en Español",
        "url": "https://actualidad.rt.com/a", "outlet": "RT en Español", "country": "lac_regional",
        "language": "es", "published_at": datetime(2021, 8, 14, tzinfo=UTC), "summary": None,
        "counts_as_state": True, "state_media": True, "controlling_state": "russia",
        "syndicated_from": None, "lead": "Moscú envió un millón de dosis. Llegan el lunes.",
        "also": (Also("Sputnik Mundo", "https://mundo.sputniknews.com/a"),),
    }  # fmt: skip
    values.update(kw)
    return ItemInput(**values)  # type: ignore[arg-type]


def test_an_item_shows_clean_fields_and_keeps_its_also_reported_by_list() -> None:
    period = Period("2021-08", "August to September 2021", datetime(2021, 8, 1, tzinfo=UTC),
                    datetime(2021, 10, 1, tzinfo=UTC))  # fmt: skip
    d = compose(period, [("russia", "Russia in LAC")], {"russia": [_input()]},
                cap=0.2, tz="UTC", as_of=None)  # fmt: skip
    item = d.sections[0].items[0]
    assert item.title == "Rusia dona vacunas"
    assert item.summary == "Moscú envió un millón de dosis. Llegan el lunes."
    assert item.country == "Latin America (regional)" and item.marker == "State media (Russia)"
    assert item.also == (Also("Sputnik Mundo", "https://mundo.sputniknews.com/a"),)
    huge = compose(
        period,
        [("russia", "Russia in LAC")],
        {"russia": [_input(title="Rusia " * 1000)]},
        cap=0.2,
        tz="UTC",
        as_of=None,
    )
    assert len(huge.sections[0].items[0].title) <= TITLE_MAX


def test_outlets_are_shown_by_name_never_by_registry_id() -> None:
    outlets = OutletCache(FakeRegistry())
    assert display_outlet(outlets, "ru_sputnik_mundo", "mundo.sputniknews.com") == "Sputnik Mundo"
    assert display_outlet(outlets, "xx_unknown_outlet", "www.diario.example") == "diario.example"
    assert display_outlet(outlets, "xx_unknown_outlet", None) == "Xx Unknown Outlet"


def test_markers_and_the_disclaimer_follow_the_figures() -> None:
    period = Period("2021-08", "August to September 2021", datetime(2021, 8, 1, tzinfo=UTC),
                    datetime(2021, 10, 1, tzinfo=UTC))  # fmt: skip
    items = [
        _input(id=1),
        _input(id=2, state_media=False, controlling_state="none", outlet="Los Tiempos",
               syndicated_from="Sputnik Mundo"),  # a state wire's copy on a non-state site
        _input(id=3, state_media=False, controlling_state="none", outlet="Globovisión"),
        _input(id=4, state_media=False, counts_as_state=False, outlet="El Tiempo",
               is_opinion=True),  # an opinion piece an analyst kept
    ]  # fmt: skip
    d = compose(period, [("russia", "Russia in LAC")], {"russia": items}, cap=0.2, tz="UTC",
                as_of=None, cap_broken=True)  # fmt: skip
    markers = [i.marker for i in d.sections[0].items]
    assert markers == ["State media (Russia)", "Copy of a Sputnik Mundo wire",
                       "Counts as state media", None]  # fmt: skip
    assert d.disclaimer.startswith(
        "State-owned or -controlled outlets make up 75 % of this list (3 of 4 items; cap 20 %); "
        "opinion pieces (except 1 chosen by an analyst) and anti-US declarations are excluded. "
        "Analysts included more state-media items than the cap allows."
    )
