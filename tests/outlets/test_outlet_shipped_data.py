"""The shipped outlets.yaml: every state outlet's every host resolves to it as state
media, independent outlets never do, and the outlets other workers rely on exist."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipeline.config.outlets_schema import Outlet, OutletsFile, outlet_problems
from pipeline.outlets import Registry

# The 60 outlets of the state-media reference (RU 13, IR 12, CN 10, VE 8, CU 8, NI 5, BO 4).
STATE_OUTLETS = {
    "ru_rt_es", "ru_rt_group", "ru_sputnik_mundo", "ru_sputnik_brasil", "ru_sputnik_global",
    "ru_ria", "ru_tass", "ru_rg", "ru_rbth", "ru_vgtrk", "ru_other_eu_listed",
    "ru_eu_listed_proxies", "ru_pravda_network",
    "cn_xinhua", "cn_cmg_cgtn", "cn_cmg_cctv_cnr", "cn_cri", "cn_peoples_daily",
    "cn_global_times", "cn_china_daily", "cn_chinanews", "cn_china_org", "cn_beijing_review",
    "ir_hispantv", "ir_presstv", "ir_irib", "ir_parstoday", "ir_irna", "ir_mehr", "ir_tasnim",
    "ir_fars", "ir_tehran_times", "ir_kayhan", "ir_sepahnews", "ir_isna",
    "ve_telesur", "ve_vtv", "ve_rnv", "ve_correo_orinoco", "ve_avn", "ve_sibci_other",
    "ve_globovision", "ve_ultimas_noticias",
    "cu_granma", "cu_cubadebate", "cu_prensa_latina", "cu_acn", "cu_juventud_rebelde",
    "cu_trabajadores", "cu_ics_tv_radio", "cu_other_state_portals",
    "ni_el19", "ni_sntv", "ni_radio_nicaragua", "ni_radio_ya", "ni_codisa_radio_sandino",
    "bo_abi", "bo_bolivia_tv", "bo_ahora_el_pueblo", "bo_patria_nueva",
}  # fmt: skip

# Hosts of the demo corpus (another worker writes it): outlet, state media?
DEMO_HOSTS = [
    ("actualidad.rt.com", "ru_rt_es", True),
    ("sputniknews.lat", "ru_sputnik_mundo", True),
    ("sputniknewsbr.com.br", "ru_sputnik_brasil", True),
    ("hispantv.com", "ir_hispantv", True),
    ("telesurtv.net", "ve_telesur", True),
    ("spanish.xinhuanet.com", "cn_xinhua", True),
    ("english.news.cn", "cn_xinhua", True),
    ("prensa-latina.cu", "cu_prensa_latina", True),
    ("infobae.com", "int_infobae", False),
    ("eltiempo.com", "co_eltiempo", False),
    ("folha.uol.com.br", "br_folha", False),
    ("efectococuyo.com", "ve_efectococuyo", False),
    ("confidencial.digital", "ni_confidencial", False),
    ("elfaro.net", "sv_elfaro", False),
    ("lanacion.com.ar", "ar_lanacion", False),
    ("miamiherald.com", "us_miamiherald", False),
    ("14ymedio.com", "cu_14ymedio", False),
    ("news.google.com", "agg_google_news", False),
]
NOW = datetime(2026, 11, 1, tzinfo=UTC)


def _hosts(o: Outlet) -> list[str]:
    return o.domains + o.legacy_domains + [e.host for e in o.editions]


def _state_rules(f: OutletsFile) -> list[tuple[str, str]]:
    rows = []
    for o in f.outlets:
        if o.is_state_media:
            rows += [(o.id, f"https://{h}/x") for h in _hosts(o)]
            rows += [(o.id, f"https://www.{h}/x") for h in _hosts(o)]
            rows += [(o.id, f"https://{p.prefix}/x") for p in o.url_prefixes]
    return rows


def test_shipped_file_has_no_cross_entry_problems(shipped_file: OutletsFile) -> None:
    assert outlet_problems(shipped_file) == []


def test_every_reference_state_outlet_is_state_media(shipped_file: OutletsFile) -> None:
    by_id = {o.id: o for o in shipped_file.outlets}
    assert set(by_id) >= STATE_OUTLETS
    assert all(by_id[i].is_state_media for i in STATE_OUTLETS)


def test_every_state_host_resolves_to_its_outlet_as_state_media(
    shipped: Registry, shipped_file: OutletsFile
) -> None:
    rows = _state_rules(shipped_file)
    assert len(rows) > 300  # 60+ outlets, each host with and without www
    wrong = []
    for outlet, url in rows:
        for when in (None, NOW):
            m = shipped.lookup(url, at=when)
            if (
                m is None
                or m.outlet != outlet
                or not m.state_media
                or m.controlling_state == "none"
            ):
                wrong.append((url, when, m))
    assert wrong == []


def test_independent_outlets_are_never_state_media(shipped_file: OutletsFile) -> None:
    independent = [
        o
        for o in shipped_file.outlets
        if o.ownership in {"private", "nonprofit", "public-non-VRIC"}
    ]
    assert len(independent) >= 150
    assert not [o.id for o in independent if o.is_state_media]


def test_aligned_outlets_are_declared_not_state_media(shipped_file: OutletsFile) -> None:
    aligned = [o for o in shipped_file.outlets if o.aligned_with]
    assert {"ve_la_iguana", "ve_aporrea", "ve_mision_verdad", "bo_kawsachun"} <= {
        o.id for o in aligned
    }
    assert all(not o.is_state_media for o in aligned)


@pytest.mark.parametrize(("host", "outlet", "state"), DEMO_HOSTS)
def test_demo_hosts_are_registered(shipped: Registry, host: str, outlet: str, state: bool) -> None:
    match = shipped.lookup(f"https://www.{host}/2026/x")
    assert match is not None
    assert (match.outlet, match.state_media) == (outlet, state)


def test_bolivian_state_media_need_review_after_the_change_of_government(shipped: Registry) -> None:
    before = shipped.lookup("https://www.abi.bo/x", at=datetime(2025, 6, 1, tzinfo=UTC))
    after = shipped.lookup("https://www.abi.bo/x", at=NOW)
    assert before is not None and after is not None
    assert (before.cap_policy, after.cap_policy) == ("count", "review")
    assert before.state_media and after.state_media


def test_captured_venezuelan_outlet_is_state_media_only_after_its_sale(shipped: Registry) -> None:
    before = shipped.lookup("https://globovision.com/x", at=datetime(2010, 1, 1, tzinfo=UTC))
    after = shipped.lookup("https://globovision.com/x", at=NOW)
    assert before is not None and after is not None
    assert (before.state_media, after.state_media) == (False, True)


def test_unknown_cuban_hosts_are_not_guessed(shipped: Registry) -> None:
    """Unknown .cu hosts stay unknown (the hint suggests a review; no auto-classification)."""
    assert shipped.lookup("https://www.radioangulo.cu/x") is None
