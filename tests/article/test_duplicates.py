"""Duplicate keys and near-duplicate clusters over the golden page fixtures."""

from __future__ import annotations

from functools import cache

from pipeline import extract
from pipeline.article import duplicates
from pipeline.article.duplicates import content_hash, title_key
from tests.extract.golden import PAGES, spec_for


@cache
def _texts() -> dict[str, str]:
    """Extracted text of every golden page that extracts, keyed by fixture name."""
    texts = {}
    for html_path in sorted(PAGES.glob("*.html")):
        spec = spec_for(html_path)
        if "simulate_slow_s" in spec:
            continue
        page = extract.extract_page(html_path.read_bytes(), spec["url"])
        if page.status == "ok":
            texts[html_path.stem] = page.text
    return texts


def _cluster_of_fixture() -> dict[str, str | None]:
    return {p.stem: spec_for(p).get("cluster") for p in PAGES.glob("*.html")}


def test_the_same_story_in_three_outlets_is_one_cluster() -> None:
    index = duplicates.ClusterIndex()
    assigned = {name: index.add(name, duplicates.minhash(text)) for name, text in _texts().items()}
    expected = _cluster_of_fixture()
    story = {assigned[n] for n in assigned if expected[n] == "china-argentina-swap"}
    assert len(story) == 1
    others = [assigned[n] for n in assigned if expected[n] is None]
    assert len(set(others)) == len(others)  # every other article alone
    assert story.isdisjoint(others)
    (cluster_id,) = story
    assert set(index.members(cluster_id)) == {
        "es_cluster_outlet_a", "es_cluster_outlet_b", "es_cluster_outlet_c",
    }  # fmt: skip


def test_cluster_id_is_the_first_member_and_survives_a_rebuild() -> None:
    texts = _texts()
    names = [
        "es_cluster_outlet_b",
        "es_normal_article",
        "es_cluster_outlet_a",
        "es_cluster_outlet_c",
    ]
    index = duplicates.ClusterIndex()
    rows = []
    for name in names:
        signature = duplicates.minhash(texts[name])
        rows.append((name, signature, index.add(name, signature)))
    assert [r[2] for r in rows] == ["es_cluster_outlet_b", "es_normal_article",
                                   "es_cluster_outlet_b", "es_cluster_outlet_b"]  # fmt: skip
    rebuilt = duplicates.ClusterIndex.rebuild(rows)
    assert rebuilt.cluster_of("es_cluster_outlet_c") == "es_cluster_outlet_b"
    later = rebuilt.add("copy", duplicates.minhash(texts["es_cluster_outlet_a"]))
    assert later == "es_cluster_outlet_b"
    reclustered = duplicates.ClusterIndex.rebuild((n, s, None) for n, s, _ in rows)
    assert reclustered.cluster_of("es_cluster_outlet_a") == "es_cluster_outlet_b"


def test_adding_twice_is_idempotent_and_remove_forgets() -> None:
    texts = _texts()
    index = duplicates.ClusterIndex()
    signature = duplicates.minhash(texts["es_cluster_outlet_a"])
    assert index.add(1, signature) == 1
    assert index.add(1, signature) == 1
    assert len(index) == 1
    index.remove(1)
    assert index.members(1) == ()
    assert index.add(2, signature) == 2
    assert index.members(2) == (2,)


def test_short_or_empty_texts_never_cluster() -> None:
    index = duplicates.ClusterIndex()
    assert duplicates.minhash("") == b""
    assert duplicates.minhash("Rusia y Cuba") == b""
    assert index.add("a", b"") == "a"
    assert index.add("b", b"") == "b"
    assert duplicates.similarity(b"", b"") == 0.0


def test_signatures_are_deterministic_and_compact() -> None:
    text = _texts()["es_normal_article"]
    first, second = duplicates.minhash(text), duplicates.minhash(text)
    assert first == second
    assert len(first) == duplicates.NUM_PERM * 4
    assert duplicates.similarity(first, second) == 1.0
    unrelated = duplicates.minhash(_texts()["pt_normal_article"])
    assert duplicates.similarity(first, unrelated) < 0.2


def test_content_hash_ignores_case_and_spacing_only() -> None:
    assert content_hash("Rusia  y\nVenezuela ") == content_hash("rusia y venezuela")
    assert content_hash("Rusia y Venezuela") != content_hash("Rusia y Venezuela.")
    assert content_hash("   ") == ""
    assert len(content_hash("x")) == 64


def test_title_key_folds_accents_case_and_punctuation() -> None:
    assert title_key("¡Irán y Venezuela firman acuerdo!") == "iran y venezuela firman acuerdo"
    assert title_key("IRÁN Y VENEZUELA: FIRMAN ACUERDO") == title_key(
        "Irán y Venezuela firman acuerdo"
    )
    assert title_key("Irán y Venezuela firman acuerdo") != title_key(
        "Irán y Venezuela firman otro acuerdo"
    )
    assert title_key("—") == ""
