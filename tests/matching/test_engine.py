"""The ranking engine on its own: text relevance, structured fit, reasons' facts, edge cases."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from deals.matching import engine
from deals.matching.engine import Doc, Query, TextIndex
from deals.matching.text import MAX_TEXT_CHARS, term_counts, tokenize

MOULD = "注塑模具随形冷却水路设计", "金属3D打印随形冷却水路，冷却时间缩短，减少注塑件缩痕和翘曲。"


def _query(title: str, description: str = "", **kw) -> Query:  # type: ignore[no-untyped-def]
    return Query(terms=term_counts(title, description), **kw)


def _index(*docs: Doc) -> TextIndex:
    idx = TextIndex()
    idx.build(docs)
    return idx


def test_tokenizer_folds_synonyms_and_drops_stopwords_and_numbers():
    terms = tokenize("我们公司的叶片出现裂缝，良品率只有 82%，需要用孔探仪检查")
    assert "裂纹" in terms  # 裂缝 → 裂纹
    assert "内窥镜" in terms  # 孔探仪 → 内窥镜
    assert "良品率" in terms
    assert not {"我们", "公司", "的", "需要", "82%"} & set(terms)


def test_text_relevance_ranks_the_doc_sharing_the_need_terms_first():
    idx = _index(
        Doc(1, "锂电池正极材料包覆", "高镍三元正极材料掺杂包覆。"),
        Doc(2, *MOULD),
        Doc(3, "注塑机伺服节能", "伺服电机驱动注塑机，降低能耗。"),
    )
    hits = idx.search(_query("注塑件表面缩痕", "注塑件厚壁处缩水凹陷，冷却时间太长"))
    assert [h.id for h in hits][:2] == [2, 3]
    assert hits[0].shared_terms[:3] and {"缩痕", "注塑件"} <= set(hits[0].shared_terms)
    assert 0 <= hits[-1].score <= hits[0].score <= 1


def test_a_document_sharing_no_term_is_not_a_candidate():
    idx = _index(
        Doc(1, *MOULD, industry="manufacturing"), Doc(2, "水稻镉污染钝化", "稻田土壤镉钝化。")
    )
    hits = idx.search(_query("注塑件缩痕", industry="agriculture"))
    assert [h.id for h in hits] == [1]


@pytest.mark.parametrize(
    ("field", "good", "bad", "query"),
    [
        (
            "industry",
            {"industry": "manufacturing"},
            {"industry": "chemicals"},
            {"industry": "manufacturing"},
        ),
        ("price", {"price": 300_000.0}, {"price": 900_000.0}, {"price": 500_000.0}),
        ("maturity", {"maturity": 8}, {"maturity": 2}, {}),
        ("region", {"region": "330211"}, {"region": "620100"}, {"region": "330211"}),
    ],
)
def test_structured_fit_breaks_a_text_tie_and_unknown_sits_between(field, good, bad, query):
    same = MOULD
    idx = _index(Doc(1, *same, **bad), Doc(2, *same), Doc(3, *same, **good))
    hits = idx.search(_query(*same, **query))
    # known good > unknown (neutral) > known bad: an empty field neither helps nor sinks
    assert [h.id for h in hits] == [3, 2, 1], field


def test_structured_fit_never_outweighs_a_clearly_better_text_match():
    idx = _index(
        Doc(
            1,
            "注塑件缩痕在线检测",
            "机器视觉检测注塑件缩痕。",
            industry="electronics",
            price=9e6,
            maturity=1,
            region="620100",
        ),
        Doc(
            2,
            "注塑车间照明",
            "车间照明节能。",
            industry="manufacturing",
            price=1.0,
            maturity=9,
            region="330211",
        ),
    )
    hits = idx.search(
        _query(
            "注塑件缩痕检测",
            "注塑件缩痕多，想在线检测缩痕",
            industry="manufacturing",
            price=100_000.0,
            region="330211",
        )
    )
    assert hits[0].id == 1


def test_price_rule_budget_within_slack_and_above():
    idx = _index(
        Doc(1, *MOULD, price=100_000.0),
        Doc(2, *MOULD, price=140_000.0),
        Doc(3, *MOULD, price=400_000.0),
    )
    hits = {h.id: h for h in idx.search(_query(*MOULD, price=100_000.0))}
    assert hits[1].price_ratio == 1.0
    assert hits[1].score > hits[2].score > hits[3].score


def test_price_rule_reversed_when_ranking_needs_for_an_achievement():
    idx = _index(Doc(1, *MOULD, price=50_000.0), Doc(2, *MOULD, price=500_000.0))  # budgets
    hits = idx.search(_query(*MOULD, price=200_000.0, price_is_budget=False))  # asking price
    assert [h.id for h in hits] == [2, 1]
    assert hits[0].price_ratio == pytest.approx(0.4)


def test_zero_budget_and_negative_or_missing_fields_do_not_crash():
    idx = _index(Doc(1, *MOULD, price=0.0, maturity=0, region="12"), Doc(2, "", "", industry="x"))
    hits = idx.search(_query(*MOULD, price=0.0, region="abc", industry="unknown"))
    assert hits and hits[0].id == 1


def test_empty_query_falls_back_to_structured_fit_without_crashing():
    idx = _index(
        Doc(1, *MOULD, industry="manufacturing"), Doc(2, "稻田镉钝化", "", industry="agriculture")
    )
    hits = idx.search(_query("", "", industry="agriculture"))
    assert [h.id for h in hits] == [2, 1]
    assert all(h.text == 0 and h.shared_terms == [] for h in hits)
    assert idx.search(_query("的 了 和")) and TextIndex().search(_query(*MOULD)) == []


def test_huge_texts_are_capped():
    huge = "注塑件缩痕严重，" * 200_000  # 1.6 million characters
    assert len(tokenize(huge)) <= MAX_TEXT_CHARS
    idx = _index(Doc(1, "注塑", huge), Doc(2, *MOULD))
    # (how fast a query is, is the benchmark's business: bench/bench_matching.py)
    hits = idx.search(Query(terms=term_counts("注塑件缩痕", huge)))
    assert {h.id for h in hits} == {1, 2}


def test_upsert_replaces_the_text_and_remove_drops_the_document():
    idx = _index(Doc(1, *MOULD), Doc(2, "稻田镉钝化", "稻田土壤镉钝化修复。"))
    idx.upsert(Doc(1, "光伏板无水清扫机器人", "光伏组件积灰清扫。"))
    assert [h.id for h in idx.search(_query("光伏积灰"))] == [1]
    assert (
        idx.search(_query("随形冷却水路")) == [] or idx.search(_query("随形冷却水路"))[0].text == 0
    )
    idx.upsert(Doc(3, "镉污染稻田修复", "镉 钝化"))
    assert {h.id for h in idx.search(_query("镉钝化"))} == {2, 3}
    idx.remove(2)
    assert [h.id for h in idx.search(_query("镉钝化"))] == [3]
    assert len(idx) == 2


def test_compaction_keeps_every_live_document_and_its_ranking(monkeypatch):
    monkeypatch.setattr(engine, "COMPACT_MIN", 5)
    idx = _index(*(Doc(i, f"注塑件{i}", "缩痕") for i in range(1, 4)))
    for i in range(4, 12):
        idx.upsert(Doc(i, f"光伏清扫{i}", "积灰"))
    idx.remove(1)
    assert len(idx.delta) < 8  # merged at least once
    assert {h.id for h in idx.search(_query("缩痕"), limit=20)} == {2, 3}
    assert {h.id for h in idx.search(_query("积灰"), limit=20)} == set(range(4, 12))


def test_exclude_leaves_out_given_documents():
    idx = _index(Doc(1, *MOULD), Doc(2, *MOULD))
    assert [h.id for h in idx.search(_query(*MOULD), exclude={1})] == [2]


def test_weights_sum_to_one_so_scores_stay_within_0_and_1():
    assert sum(engine.WEIGHTS.values()) == pytest.approx(1.0)
    idx = _index(Doc(1, *MOULD, industry="manufacturing", price=1.0, maturity=9, region="330211"))
    hit = idx.search(_query(*MOULD, industry="manufacturing", price=10.0, region="330211"))[0]
    assert hit.score == pytest.approx(1.0)


def test_term_counts_weigh_the_title_double():
    counts = term_counts("缩痕", "缩痕")
    assert counts == Counter({"缩痕": 3})


def test_reasons_show_a_compound_term_once_not_its_parts():
    from deals.matching.reasons import readable_terms

    assert readable_terms(["雷达", "激光雷达", "激光", "续航", "电磁兼容", "电磁"]) == [
        "激光雷达",
        "续航",
        "电磁兼容",
    ]


def test_single_character_particles_and_units_are_not_terms():
    terms = tokenize("按甜度分级，温度 30℃，厚度 3 mm，降低镉含量，钢板")
    assert {"镉", "钢板"} <= set(terms)
    assert not {"按", "分", "c", "mm"} & set(terms)


def test_a_need_described_in_words_the_library_lacks_scores_low_even_at_the_top():
    idx = _index(Doc(1, *MOULD), Doc(2, "锅炉分级燃烧", "燃气锅炉空气分级燃烧。"))
    vague = idx.search(_query("脐橙甜度分级", "脐橙甜酸不一，超市要求按甜度分级定价，人工尝不现实"))
    clear = idx.search(_query("注塑件缩痕", "注塑件厚壁缩痕，冷却水路不均"))
    assert vague[0].id == 2 and vague[0].text < 0.5
    assert clear[0].id == 1 and clear[0].text == pytest.approx(1.0)


def test_upsert_many_applies_a_batch_and_the_last_version_of_a_document_wins():
    idx = _index(Doc(1, *MOULD))
    idx.upsert_many(
        [
            Doc(2, "光伏清扫", "积灰"),
            Doc(1, "稻田镉钝化", "镉"),
            Doc(2, "光伏清扫机器人", "积灰清扫"),
        ]
    )
    assert len(idx) == 2
    assert [h.id for h in idx.search(_query("镉"))] == [1]
    assert [h.id for h in idx.search(_query("清扫机器人"))] == [2]
    assert idx.search(_query("随形冷却"))[0].text == 0  # the old text of 1 is gone


def test_the_thesaurus_comes_from_the_installed_package_and_keeps_only_small_same_meaning_sets():
    from deals.matching import thesaurus

    assert "腹泻" in thesaurus.near("拉稀")  # Cilin: 拉稀 腹泻 拉肚子 … (a "=" set)
    assert all(len(w) > 1 for w in thesaurus.near("拉稀"))
    assert thesaurus.near("抖") == ()  # one character: too ambiguous (also "得意")
    assert all(len(ws) <= thesaurus.MAX_NEAR for ws in thesaurus.near_words().values())


@pytest.mark.parametrize(
    ("need", "doc_word"),
    [("仔猪拉稀死亡多", "腹泻"), ("病房吊瓶打完没人知道", "输液瓶"), ("地下室墙面漏水", "渗水")],
)
def test_a_near_word_bridges_a_need_to_a_document_and_the_hit_says_which_words(need, doc_word):
    idx = _index(
        Doc(1, f"{doc_word}监测与处理技术", f"针对{doc_word}问题的成套技术。"),
        Doc(2, "锂电池正极材料", "高镍三元正极材料掺杂包覆。"),
    )
    query = Query.for_doc(Doc(0, need, ""), price_is_budget=True)
    hits = idx.search(query)
    assert [h.id for h in hits] == [1]
    assert any(near == doc_word for _word, near in hits[0].bridged), hits[0].bridged
    # without the expansion the document shares no word with the need
    plain = Query.for_doc(Doc(0, need, ""), price_is_budget=True, expand_terms=False)
    assert idx.search(plain)[0].bridged == []


def test_a_near_word_weighs_less_than_the_word_itself():
    idx = _index(Doc(1, "腹泻疫苗", "仔猪腹泻。"), Doc(2, "拉稀疫苗", "仔猪拉稀。"))
    hits = idx.search(Query.for_doc(Doc(0, "仔猪拉稀", ""), price_is_budget=True))
    assert [h.id for h in hits] == [2, 1] and hits[0].score > hits[1].score


def test_reasons_name_the_bridged_words():
    from deals.matching.engine import Hit
    from deals.matching.reasons import explain

    hit = Hit(id=1, score=0.5, text=0.5, shared_terms=["仔猪"], bridged=[("拉稀", "腹泻")])
    reasons = explain(hit, industry="", asking=None, budget=None)
    assert reasons[:2] == ["共同关键词：仔猪", "近义词：拉稀→腹泻"]
    only_bridged = Hit(id=1, score=0.5, text=0.5, bridged=[("漏水", "渗水")])
    assert explain(only_bridged, industry="", asking=None, budget=None) == ["近义词：漏水→渗水"]


def test_a_snapshot_loads_memory_mapped_and_ranks_exactly_as_the_built_index(tmp_path):
    docs = [
        Doc(5, *MOULD, industry="manufacturing", region="330211", maturity=6, price=300_000),
        Doc(2, "注塑机伺服节能", "伺服电机驱动注塑机，降低能耗。", industry="manufacturing"),
        Doc(9, "稻田镉钝化", "稻田土壤镉污染修复。", industry="agriculture", price=50_000),
    ]
    built = _index(*docs)
    built.save(tmp_path / "snap")
    loaded = TextIndex.load(tmp_path / "snap")
    assert loaded.source == str(tmp_path / "snap") and len(loaded) == 3
    # memory-mapped (a plain ndarray view of the map), read-only: shared, never copied
    assert isinstance(loaded.w_val.base, np.memmap) and not loaded.w_val.flags.writeable
    query = _query("注塑件缩痕", "冷却时间长", industry="manufacturing", price=400_000.0)
    assert [(h.id, h.score, h.shared_terms) for h in loaded.search(query)] == [
        (h.id, h.score, h.shared_terms) for h in built.search(query)
    ]
    # edits go to the process's own delta; the shared files are never written
    loaded.upsert(Doc(7, "注塑件缩痕在线检测", "注塑件缩痕视觉检测。"))
    loaded.remove(5)
    loaded.upsert(Doc(2, "锂电池正极", "高镍三元。"))
    assert [h.id for h in loaded.search(query)] == [7]
    assert len(loaded) == 3
    assert TextIndex.load(tmp_path / "snap").search(query)[0].id == 5


def test_a_snapshot_of_an_edited_index_is_compacted_and_can_be_saved_again(tmp_path):
    idx = _index(Doc(1, *MOULD), Doc(3, "稻田镉钝化", "稻田土壤镉污染修复。"))
    idx.upsert(Doc(2, "注塑件缩痕在线检测", "注塑件缩痕视觉检测。"))
    idx.remove(3)
    idx.save(tmp_path / "a")
    loaded = TextIndex.load(tmp_path / "a")
    assert list(loaded.b_ids) == [1, 2] and loaded.n_base == 2 and not loaded.delta
    loaded.upsert(Doc(4, "镉污染稻田修复", "钝化剂。"))
    loaded.save(tmp_path / "b")
    assert list(TextIndex.load(tmp_path / "b").b_ids) == [1, 2, 4]


def test_common_terms_of_a_large_library_score_the_rarer_terms_candidates_exactly(monkeypatch):
    docs = [Doc(i, f"注塑件技术{i % 7}", "注塑件 技术 方案") for i in range(1, 400)]
    docs.append(Doc(1000, "注塑件缩痕随形冷却", "注塑件 缩痕 随形冷却 技术"))
    docs.append(Doc(1001, "缩痕检测", "缩痕 检测"))
    idx = _index(*docs)
    query = _query("注塑件缩痕", "注塑件 技术 缩痕")
    exact = [(h.id, h.score) for h in idx.search(query, limit=5)]
    monkeypatch.setattr(engine, "COMMON_MIN", 10)
    monkeypatch.setattr(engine, "COMMON_CANDIDATES", 3)
    pruned = [(h.id, h.score) for h in idx.search(query, limit=5)]
    # the documents with the rare term rank as before, with the same scores; documents with
    # only the common terms are no longer candidates
    assert {i for i, _s in exact[:2]} == {1000, 1001}
    assert pruned == exact[:2]


def test_a_new_index_never_shares_its_vocabulary_with_another():
    a, b = TextIndex(), TextIndex()
    a.upsert(Doc(1, "注塑件缩痕", "缩痕"))
    assert "缩痕" in a.vocab and "缩痕" not in b.vocab


def test_a_build_tokenizing_in_several_processes_gives_the_same_index(monkeypatch):
    monkeypatch.setattr(engine, "BUILD_CHUNK", 3)
    docs = [
        Doc(i, f"注塑件缩痕{i}", MOULD[1] if i % 2 else "稻田土壤镉污染修复。")
        for i in range(1, 12)
    ]
    one, two = TextIndex(), TextIndex()
    one.build(docs)
    two.build(docs, workers=2)
    assert one.terms == two.terms and list(one.b_ids) == list(two.b_ids)
    assert np.array_equal(one.w_val, two.w_val) and np.array_equal(one.w_idx, two.w_idx)
