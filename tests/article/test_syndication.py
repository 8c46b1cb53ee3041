"""State-wire credit lines on non-state sites (issue 5, "State-wire syndication")."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline.article.syndication import CREDIT_RULES, detect_credit

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference" / "state_media.yaml"
BODY = " ".join(["El texto de la nota continúa con más detalles sobre el acuerdo."] * 12)


@pytest.mark.parametrize(
    ("text", "title", "language", "outlet"),
    [
        ("MOSCÚ (Sputnik) — El canciller ruso dijo...\n" + BODY, "T", "es", "ru_sputnik_mundo"),
        (BODY + "\nFuente: Sputnik", "T", "es", "ru_sputnik_mundo"),
        (
            "Brasília, 15 ago (Agência Sputnik) — O chanceler...\n" + BODY,
            "T",
            "pt",
            "ru_sputnik_brasil",
        ),
        (BODY + "\nCom informações da Sputnik Brasil", "T", "pt", "ru_sputnik_brasil"),
        ("MOSCOW (Sputnik) - The minister said...\n" + BODY, "T", "en", "ru_sputnik_global"),
        (BODY + "\nSource: Sputnik", "T", None, "ru_sputnik_global"),
        ("PEKÍN, 10 ago (Xinhua) -- China y Argentina...\n" + BODY, "T", "es", "cn_xinhua"),
        (BODY + "\nFonte: Xinhua", "T", "pt", "cn_xinhua"),
        ("Buenos Aires, 10 ago (EFE/Xinhua).- El banco...\n" + BODY, "T", "es", "cn_xinhua"),
        (BODY + "\ncon información de RT", "T", "es", "ru_rt_es"),
        (BODY + "\nFuente: RT en Español", "T", "es", "ru_rt_es"),
        ("Moscú, 12 ago (RT).- El Kremlin...\n" + BODY, "T", "es", "ru_rt_es"),
        ("MOSCÚ (TASS) — El ministro...\n" + BODY, "T", "es", "ru_tass"),
        (
            "La Habana, 15 ago (Prensa Latina) El canciller...\n" + BODY,
            "T",
            "es",
            "cu_prensa_latina",
        ),
        ("Caracas, 15 ago (PL) El gobierno...\n" + BODY, "T", "es", "cu_prensa_latina"),
        (BODY + "\nPrensa Latina", "T", "es", "cu_prensa_latina"),
        (BODY + "\nlam/jcm/(PL)", "T", "es", "cu_prensa_latina"),
        ("La Habana (ACN) - El ministro...\n" + BODY, "T", "es", "cu_acn"),
        ("CARACAS (VTV) - El presidente...\n" + BODY, "T", "es", "ve_vtv"),
        (BODY + "\nFuente: teleSUR", "T", "es", "ve_telesur"),
        ("TEHERÁN (HispanTV) - El portavoz...\n" + BODY, "T", "es", "ir_hispantv"),
        ("LA PAZ (ABI) - El ministro...\n" + BODY, "T", "es", "bo_abi"),
        (BODY, "China y Brasil firman acuerdo (Xinhua)", "es", "cn_xinhua"),
        (BODY + "\nFuente: Diario del Pueblo", "T", "es", "cn_peoples_daily"),
    ],
)
def test_credit_lines_flag_the_state_outlet(
    text: str, title: str, language: str | None, outlet: str
) -> None:
    found = detect_credit(text, title, language=language)
    assert found is not None
    assert found[0] == outlet
    assert len(found[1]) < 200


@pytest.mark.parametrize(
    "text",
    [
        "La vacuna Sputnik V llegó a Bolivia en un vuelo desde Moscú.\n" + BODY,
        "Según informó Prensa Latina, el gobierno cubano...\n" + BODY,
        "En entrevista con teleSUR, el canciller dijo...\n" + BODY,
        BODY + "\nLa Prensa Latina",
        "El Partido Liberal (PL) ganó en la provincia.\n" + BODY,
        BODY
        + "\nEl Partido Liberal (PL) ganó las elecciones en la provincia por un amplio margen.",
        BODY[:400] + " según la agencia Xinhua, el acuerdo " + BODY[:400],
        BODY,
        "",
    ],
)
def test_mentions_and_lookalikes_are_not_credits(text: str) -> None:
    assert detect_credit(text, "Título", language="es") is None


def test_rule_outlets_exist_in_the_state_media_registry() -> None:
    if not REFERENCE.exists():
        pytest.skip("shared reference data not present")
    registry = yaml.safe_load(REFERENCE.read_text(encoding="utf-8"))
    ids = {o["id"] for o in registry["outlets"]}
    used = {rule.outlet for rule in CREDIT_RULES} | {o for r in CREDIT_RULES for _, o in r.editions}
    assert used <= ids, used - ids
