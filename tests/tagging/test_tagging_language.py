"""The rule language on small hand-made rule sets: what an analyst writes is what happens."""

from __future__ import annotations

import pickle
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from tagging_helpers import make_rules, names, run

from pipeline.config.rules_schema import RulesFile, rules_problems
from pipeline.tagging import compile_rules, diff_tags, tag
from pipeline.types import Tag, TagInput, TagResult

LAC = {"kind": "country", "threshold": 1, "terms": [{"t": ["Peru", "Perú"], "w": 1}]}


def actor(*terms: dict[str, Any], threshold: float = 2, **extra: Any) -> dict[str, Any]:
    return {"kind": "actor", "threshold": threshold, "terms": list(terms), **extra}


# ------------------------------------------------------------ matching basics


def test_accents_and_case_fold_by_default() -> None:
    rules = make_rules({"russia": actor({"t": ["Moscú"], "w": 2})})
    for text in ("MOSCU responde", "moscú responde", "Moscu responde"):
        assert names(run(rules, body=text)) == {"russia"}, text


def test_case_sensitive_terms_match_only_as_written() -> None:
    rules = make_rules({"bolivia": actor({"t": ["MAS"], "w": 2, "cs": True})})
    assert names(run(rules, body="El MAS ganó en Cochabamba")) == {"bolivia"}
    assert names(run(rules, body="más votos, mas no tantos, Más")) == set()


def test_accent_sensitive_term_ignores_case_but_not_accents() -> None:
    rules = make_rules({"iran": actor({"pt": ["Irã"], "w": 2, "accents": True})})
    assert names(run(rules, body="O IRÃ e o irã")) == {"iran"}
    assert names(run(rules, body="Um ataque de ira. A IRA na Irlanda.")) == set()


def test_whole_words_by_default_and_substrings_on_request() -> None:
    whole = make_rules({"china": actor({"t": ["ZTE"], "w": 2})})
    assert names(run(whole, body="la empresa ZTE")) == {"china"}
    assert names(run(whole, body="AZTEC y ZTEX")) == set()
    loose = make_rules({"china": actor({"t": ["sino"], "w": 2, "word": False})})
    assert names(run(loose, body="acuerdo sinovenezolano")) == {"china"}


def test_phrases_match_across_single_spaces_only_as_phrases() -> None:
    rules = make_rules({"china": actor({"t": ["Franja y la Ruta"], "w": 2})})
    assert names(run(rules, body="la Iniciativa de la Franja y la Ruta")) == {"china"}
    assert names(run(rules, body="la Franja de Gaza y la ruta del éxodo")) == set()


def test_language_specific_terms_apply_to_their_language_or_unknown() -> None:
    rules = make_rules({"crime": {"kind": "topic", "threshold": 1, "terms": [{"pt": ["propina"]}]}})
    assert names(run(rules, body="pagou propina", language="pt"), "topic") == {"crime"}
    assert names(run(rules, body="dejó propina", language="es"), "topic") == set()
    assert names(run(rules, body="propina", language=None), "topic") == {"crime"}
    assert names(run(rules, body="propina", language="pt-BR"), "topic") == {"crime"}


# ------------------------------------------------------ context and exclusion


def test_ctx_requires_a_context_term_somewhere_in_the_item() -> None:
    rules = make_rules(
        {
            "venezuela": actor(
                {"t": ["Cabello"], "w": 2, "cs": True, "ctx": ["Venezuela", "chavismo"]}
            )
        }
    )
    assert names(run(rules, title="Cabello habla", body="En Venezuela...")) == {"venezuela"}
    assert names(run(rules, body="Cabello largo y sano")) == set()


def test_ctx_within_n_words_is_proximity() -> None:
    spec = {"t": ["Sputnik"], "w": 2, "ctx": {"any": ["vacuna", "dosis"], "within": 3}}
    rules = make_rules({"russia": actor(spec)})
    assert names(run(rules, body="llegó la vacuna Sputnik al país")) == {"russia"}
    far = "el bar Sputnik abrió ayer en Palermo con música y tragos; nada que ver con la vacuna"
    assert names(run(rules, body=far)) == set()


def test_ctx_from_a_named_group() -> None:
    rules = make_rules(
        {"cuba": actor({"t": ["PCC"], "w": 2, "cs": True, "ctx": ["@cu"]})},
        groups={"cu": [{"t": ["Cuba"], "cs": True}, {"t": ["La Habana", "cubano"]}]},
    )
    assert names(run(rules, body="El PCC se reúne en La Habana")) == {"cuba"}
    assert names(run(rules, body="O PCC domina presídios; a cuba de vinho")) == set()


def test_not_phrases_drop_only_the_overlapping_mention() -> None:
    spec = {"es": ["rusa"], "w": 1, "not": ["montaña rusa"]}
    rules = make_rules({"russia": actor(spec)})
    only_idiom = run(rules, body="una montaña rusa, otra montaña rusa")
    assert names(only_idiom) == set()
    body = "la montaña rusa y la empresa rusa; la delegación rusa"
    both = run(rules, body=body)
    starts = [m.start for m in both.actors[0].matches]
    assert starts == [body.index("rusa;"), body.rindex("rusa")]


def test_not_condition_on_the_whole_item() -> None:
    spec = {"t": ["China"], "w": 2, "cs": True, "not": {"any": ["municipio de China"]}}
    rules = make_rules({"china": actor(spec)})
    assert names(run(rules, body="China y China")) == {"china"}
    assert names(run(rules, body="El municipio de China... China festeja")) == set()


def test_not_with_a_minimum_of_distinct_terms() -> None:
    spec = {
        "t": ["Irán"],
        "w": 2,
        "cs": True,
        "not": {"any": ["gol", "amistoso", "estadio"], "min": 2},
    }
    rules = make_rules({"iran": actor(spec)})
    assert names(run(rules, title="Irán", body="un gol de Irán")) == {"iran"}
    assert names(run(rules, title="Irán", body="amistoso con un gol")) == set()


# --------------------------------------------------------- groups and scoring


def test_field_boosts_make_the_title_count_more() -> None:
    rules = make_rules({"russia": actor({"t": ["Rusia"], "w": 1}, threshold=3)})
    assert names(run(rules, body="Rusia")) == set()
    assert names(run(rules, title="Rusia")) == {"russia"}
    assert names(run(rules, lead="Rusia", body="Rusia")) == {"russia"}
    assert run(rules, title="Rusia").actors[0].score == 3.0


def test_threshold_and_cap_on_repeated_mentions() -> None:
    rules = make_rules(
        {"russia": actor({"t": ["Rusia"], "w": 1}, threshold=4)},
        settings={"max_hits_per_term": 3},
    )
    assert names(run(rules, body="Rusia " * 10)) == set()
    assert names(run(rules, title="Rusia", body="Rusia")) == {"russia"}


def test_min_mentions() -> None:
    rules = make_rules({"china": actor({"t": ["Huawei"], "w": 5}, threshold=1, min_mentions=2)})
    assert names(run(rules, body="Huawei")) == set()
    assert names(run(rules, body="Huawei y Huawei")) == {"china"}


def test_all_and_none_groups_at_tag_level() -> None:
    tags = {
        "russia": actor({"t": ["Rosatom"], "w": 3}),
        "nuclear": {
            "kind": "topic",
            "threshold": 1,
            "terms": [{"t": ["uranio"]}],
            "all": [{"any": ["kind:actor"]}],
            "none": [{"any": ["familia nuclear"]}],
        },
    }
    rules = make_rules(tags)
    assert names(run(rules, body="uranio"), "topic") == set()
    assert names(run(rules, body="Rosatom vende uranio"), "topic") == {"nuclear"}
    assert names(run(rules, body="Rosatom, uranio y la familia nuclear"), "topic") == set()


def test_longer_match_wins_inside_one_tag() -> None:
    rules = make_rules(
        {
            "venezuela": actor(
                {"t": ["Nicolás Maduro"], "w": 3}, {"t": ["Maduro"], "w": 2, "cs": True}
            )
        }
    )
    result = run(rules, body="Nicolás Maduro habló")
    assert result.actors[0].score == 3.0
    assert [m.term for m in result.actors[0].matches] == ["Nicolás Maduro"]


def test_also_and_member_detail() -> None:
    tags = {
        "venezuela": actor(
            {"t": ["Emtrasur"], "w": 3, "also": ["iran"], "member": "venezuela"},
            {"t": ["Managua"], "w": 3, "member": "nicaragua"},
        ),
        "iran": actor({"t": ["Teherán"], "w": 3}),
    }
    result = run(make_rules(tags), body="Emtrasur y Managua y Managua")
    assert names(result) == {"venezuela", "iran"}
    assert next(t for t in result.actors if t.name == "venezuela").detail == (
        "nicaragua",
        "venezuela",
    )


# ------------------------------------------------------ relevance and section


def _three_actor_rules() -> Any:
    tags = {
        "venezuela": actor({"t": ["Venezuela"], "w": 2}),
        "russia": actor({"t": ["Rusia"], "w": 2}),
        "health": {"kind": "topic", "threshold": 1, "terms": [{"t": ["vacuna"], "w": 2}]},
        "pe": LAC,
    }
    sections = {
        "overrides": [{"section": "medical_diplomacy", "tag": "health", "min_score": 5}],
        "actors": {
            "venezuela": {"section": "overview", "weight": 0.3},
            "russia": {"section": "russia"},
        },
    }
    return make_rules(tags, sections=sections)


def test_relevance_needs_an_actor_and_lac() -> None:
    rules = _three_actor_rules()
    assert run(rules, body="Rusia y Rusia").relevant is False
    assert run(rules, body="Rusia y Rusia en Perú").relevant is True
    assert run(rules, body="Perú").relevant is False
    assert run(rules, body="Rusia y Rusia").section is None


def test_section_prefers_the_foreign_actor_and_the_medical_override() -> None:
    rules = _three_actor_rules()
    assert run(rules, body="Venezuela Venezuela Venezuela Rusia Rusia Perú").section == "russia"
    assert run(rules, body="Venezuela Venezuela Perú").section == "overview"
    assert run(rules, title="vacuna", body="Rusia Rusia Perú").section == "medical_diplomacy"


def test_relevance_expression_sum_of_weak_country_cues() -> None:
    tags = {
        "russia": actor({"t": ["Rusia"], "w": 2}),
        "pe": LAC | {"threshold": 3},
        "cl": {"kind": "country", "threshold": 3, "terms": [{"t": ["Chile"], "w": 1.5}]},
    }
    rules = make_rules(tags, relevance="actor and (country or sum(country) >= 2.5)")
    assert run(rules, body="Rusia Rusia Perú").relevant is False
    assert run(rules, body="Rusia Rusia Perú Chile").relevant is True


# ---------------------------------------------------- explanations and safety


def test_matches_carry_offsets_into_their_field_and_short_snippets() -> None:
    rules = make_rules({"russia": actor({"t": ["Rusia"], "w": 2})})
    body = "x" * 200 + " Rusia " + "y" * 200
    (match,) = run(rules, body=body).actors[0].matches
    assert (match.field, body[match.start : match.end]) == ("body", "Rusia")
    assert "Rusia" in match.snippet and len(match.snippet) <= 80
    assert match.weight == 2.0


def test_offsets_survive_accents_and_curly_quotes() -> None:
    rules = make_rules({"china": actor({"t": ["Pekín"], "w": 2})})
    body = "“Ação”, ½ — señaló que PEKÍN respondió"
    (match,) = run(rules, body=body).actors[0].matches
    assert body[match.start : match.end] == "PEKÍN"


def test_tagging_is_deterministic_and_rules_pickle(shipped: Any) -> None:
    item = TagInput(
        title="Rusia y China en Venezuela", body="Moscú y Pekín firman con Caracas. " * 3
    )
    first = tag(item, shipped)
    assert all(tag(item, shipped) == first for _ in range(3))
    clone = pickle.loads(pickle.dumps(shipped))
    assert tag(item, clone) == first and clone.version == shipped.version


def test_rules_version_is_a_stable_content_hash() -> None:
    doc = {
        "revision": "r1",
        "sections": {"actors": {"russia": {"section": "russia"}}},
        "tags": {"russia": actor({"t": ["Rusia"]})},
    }
    one = compile_rules(RulesFile.model_validate(doc)).version
    assert one == compile_rules(RulesFile.model_validate(doc)).version
    doc["tags"]["russia"]["threshold"] = 3  # type: ignore[index]
    assert compile_rules(RulesFile.model_validate(doc)).version != one


# ------------------------------------------------------------ validation


def _problems(doc: dict[str, Any]) -> list[str]:
    return rules_problems(RulesFile.model_validate(doc))


def test_unknown_group_and_tag_references_are_reported_with_their_place() -> None:
    terms = [{"t": [f"x{i}"]} for i in range(4)] + [{"t": ["y"], "ctx": ["@foo"], "also": ["nope"]}]
    doc = {
        "revision": "r",
        "sections": {"actors": {"russia": {"section": "russia"}}},
        "tags": {"russia": {"kind": "actor", "terms": terms}},
    }
    assert _problems(doc) == [
        "tags.russia.terms[4].also: unknown tag 'nope'",
        "tags.russia.terms[4].ctx: unknown group 'foo'",
    ]


def test_bad_relevance_expression_and_country_names() -> None:
    doc = {
        "revision": "r",
        "relevance": "actor and country:zz",
        "sections": {"actors": {}},
        "tags": {"Mexico": {"kind": "country", "terms": [{"t": ["México"]}]}},
    }
    problems = _problems(doc)
    assert "tags.Mexico: names are lower case letters, digits and '_'" in problems
    assert any(p.startswith("relevance: unknown country tag 'zz'") for p in problems)


def test_schema_rejects_unknown_keys_and_empty_terms() -> None:
    with pytest.raises(ValidationError, match="weight"):
        RulesFile.model_validate(
            {
                "revision": "r",
                "sections": {"actors": {}},
                "tags": {"x": {"kind": "topic", "terms": [{"t": ["a"], "weight": 2}]}},
            }
        )
    with pytest.raises(ValidationError, match="no terms"):
        RulesFile.model_validate(
            {
                "revision": "r",
                "sections": {"actors": {}},
                "tags": {"x": {"kind": "topic", "terms": [{"w": 2}]}},
            }
        )


def test_diff_tags_lists_what_a_reader_would_see_change() -> None:
    old = TagResult(actors=(Tag("actor", "china", 5.0),), relevant=False)
    new = TagResult(
        actors=(Tag("actor", "china", 7.5), Tag("actor", "russia", 6.0)),
        relevant=True,
        section="russia",
    )
    assert diff_tags(old, new) == [
        "relevant: false -> true",
        "section: null -> russia",
        "~ actor china 5.0 -> 7.5",
        "+ actor russia (6.0)",
    ]
    assert diff_tags(new, new) == []


@given(st.text(max_size=300), st.text(max_size=60))
@settings(max_examples=150, deadline=None)
def test_any_text_tags_without_error_and_offsets_point_into_the_field(
    shipped: Any, body: str, title: str
) -> None:
    result = tag(TagInput(title=title, body=body), shipped)
    fields = {"title": title, "body": body, "lead": ""}
    for t in result.all_tags():
        for m in t.matches:
            assert 0 <= m.start < m.end <= len(fields[m.field])


def test_threads_share_one_compiled_rules_object(shipped: Any) -> None:
    items = [
        TagInput(title=f"Rusia y Cuba {i}", body="Moscú envía petróleo a La Habana. " * (i % 5 + 1))
        for i in range(40)
    ]
    sequential = [tag(item, shipped) for item in items]
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(lambda item: tag(item, shipped), items)) == sequential
