import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import local.ml as ml

from . import synth
from .helpers import import_rows, train

ALL_RECIPES = [
    "aws-popularity-count",
    "aws-sims",
    "aws-similar-items",
    "aws-user-personalization",
    "aws-user-personalization-v2",
    "aws-personalized-ranking",
    "aws-personalized-ranking-v2",
]
METRIC_KEYS = {
    "coverage",
    "mean_reciprocal_rank_at_25",
    "normalized_discounted_cumulative_gain_at_5",
    "normalized_discounted_cumulative_gain_at_10",
    "normalized_discounted_cumulative_gain_at_25",
    "precision_at_5",
    "precision_at_10",
    "precision_at_25",
}


def two_taste_rows():
    """40 users like x0..x9, 80 users like y0..y9 (so y items are more popular overall).
    'probe' has consumed x0, x1 and x2."""
    rows, t = [], synth.T0
    for group, n_users in (("x", 40), ("y", 80)):
        for u in range(n_users):
            for k in range(10):
                t += 1
                rows.append((f"{group}-user{u}", f"{group}{(u + k) % 10}", t, "click", 1.0))
    for k in range(3):
        t += 1
        rows.append(("probe", f"x{k}", t, "click", 1.0))
    return rows


@pytest.mark.parametrize("recipe", ALL_RECIPES)
def test_every_recipe_trains_and_serves(group, tmp_path, recipe):
    model_dir = tmp_path / "model"
    metrics = train(group, model_dir, recipe)
    assert set(metrics) == METRIC_KEYS
    assert all(isinstance(v, float) and 0.0 <= v <= 1.0 for v in metrics.values())
    assert json.loads((model_dir / "metrics.json").read_text()) == metrics
    info = json.loads((model_dir / "model_info.json").read_text())
    assert info["recipe"] == recipe and info["interactions"] == 1440 and info["trained_at"] > 0
    if "ranking" in recipe:
        result = ml.rank(str(model_dir), "u1", ["i1", "i2", "i3"])
        assert sorted(r["itemId"] for r in result) == ["i1", "i2", "i3"]
    elif "sims" in recipe or "similar" in recipe:
        result = ml.recommend(str(model_dir), item_id="i1", num_results=10)
        assert len(result) == 10 and "i1" not in [r["itemId"] for r in result]
    else:
        result = ml.recommend(str(model_dir), user_id="u1", num_results=10)
        assert len(result) == 10
    scores = [r["score"] for r in result]
    assert scores == sorted(scores, reverse=True)
    assert sum(scores) == pytest.approx(1.0, abs=1e-5)


def test_popularity_orders_by_interaction_count(tmp_path):
    group = tmp_path / "dg"
    # item p{k} gets 100 - 3k interactions, spread over 30 users
    rows, t = [], synth.T0
    for k in range(20):
        for j in range(100 - 3 * k):
            t += 1
            rows.append((f"user{(j + k) % 30}", f"p{k}", t, "click", 1.0))
    import_rows(group, rows)
    train(group, tmp_path / "m", "aws-popularity-count")
    result = ml.recommend(str(tmp_path / "m"), user_id="anyone", num_results=5)
    assert [r["itemId"] for r in result] == ["p0", "p1", "p2", "p3", "p4"]
    total = sum(100 - 3 * k for k in range(5))
    assert [r["score"] for r in result] == pytest.approx([(100 - 3 * k) / total for k in range(5)], abs=1e-6)


def test_popularity_per_event_type(group, tmp_path):
    rows = synth.interactions()
    t = max(r[2] for r in rows)
    rows += [(f"u{u}", "rare-bought", t + u, "purchase", 1.0) for u in range(120) for _ in range(3)]
    import_rows(group, rows)
    train(group, tmp_path / "m", "aws-popularity-count", event_type="purchase")
    assert ml.recommend(str(tmp_path / "m"), user_id="u1", num_results=1)[0]["itemId"] == "rare-bought"
    info = json.loads((tmp_path / "m" / "model_info.json").read_text())
    assert info["interactions"] == sum(1 for r in rows if r[3] == "purchase")


def test_sims_puts_the_co_occurring_item_first(group, tmp_path):
    rows = synth.interactions()
    t = max(r[2] for r in rows)
    for u in range(30):  # thirty users watch A then B; a few watch A then a popular item
        rows += [(f"pair{u}", "A", t + 2 * u, "click", 1.0), (f"pair{u}", "B", t + 2 * u + 1, "click", 1.0)]
    rows += [(f"pair{u}", "i0", t + 100, "click", 1.0) for u in range(5)]
    import_rows(group, rows)
    train(group, tmp_path / "m", "aws-sims")
    result = ml.recommend(str(tmp_path / "m"), item_id="A", num_results=5)
    assert result[0]["itemId"] == "B"
    assert result[1]["itemId"] == "i0"


def test_sims_unknown_item_returns_popular_items(group, tmp_path):
    train(group, tmp_path / "m", "aws-sims")
    train(group, tmp_path / "pop", "aws-popularity-count")
    unknown = ml.recommend(str(tmp_path / "m"), item_id="never-seen", num_results=5)
    popular = ml.recommend(str(tmp_path / "pop"), user_id="x", num_results=5)
    assert [r["itemId"] for r in unknown] == [r["itemId"] for r in popular]


def test_user_personalization_prefers_items_co_consumed_with_history(tmp_path):
    group = tmp_path / "dg"
    import_rows(group, two_taste_rows())
    train(group, tmp_path / "m", "aws-user-personalization")
    result = [r["itemId"] for r in ml.recommend(str(tmp_path / "m"), user_id="probe", num_results=7)]
    assert sorted(result) == [f"x{k}" for k in range(3, 10)]
    longer = [r["itemId"] for r in ml.recommend(str(tmp_path / "m"), user_id="probe", num_results=15)]
    assert len(longer) == 15 and not {"x0", "x1", "x2"} & set(longer)  # history is excluded
    cold = [r["itemId"] for r in ml.recommend(str(tmp_path / "m"), user_id="stranger", num_results=5)]
    assert all(item.startswith("y") for item in cold)  # popularity fallback


def test_new_events_change_recommendations_without_retraining(tmp_path):
    group = tmp_path / "dg"
    import_rows(group, two_taste_rows())
    train(group, tmp_path / "m", "aws-user-personalization-v2")
    before = ml.recommend(str(tmp_path / "m"), user_id="probe", num_results=5, dataset_group_dir=str(group))
    assert before[0]["itemId"].startswith("x")
    t = synth.T0 + 10**6
    events = [
        {"userId": "probe", "itemId": f"y{k}", "eventType": "click", "sentAt": t + k, "sessionId": "s"}
        for k in range(5)
    ]
    assert ml.append_events(str(group / "INTERACTIONS"), events) == 5
    after = ml.recommend(str(tmp_path / "m"), user_id="probe", num_results=5, dataset_group_dir=str(group))
    assert after[0]["itemId"].startswith("y")
    assert not {r["itemId"] for r in after} & {f"y{k}" for k in range(5)}  # now part of the history
    # Without the dataset group the training snapshot is used, so nothing changed.
    snapshot = ml.recommend(str(tmp_path / "m"), user_id="probe", num_results=5)
    assert snapshot == before


def test_rank_reorders_and_puts_unknown_items_last(tmp_path):
    group = tmp_path / "dg"
    import_rows(group, two_taste_rows())
    train(group, tmp_path / "m", "aws-personalized-ranking")
    result = ml.rank(str(tmp_path / "m"), "probe", ["unknown-1", "y5", "x5", "unknown-2"])
    assert [r["itemId"] for r in result] == ["x5", "y5", "unknown-1", "unknown-2"]
    assert result[-1]["score"] == 0.0
    with pytest.raises(ValueError, match="GetPersonalizedRanking"):
        ml.recommend(str(tmp_path / "m"), user_id="probe")


def test_missing_query_member_is_named(group, tmp_path):
    train(group, tmp_path / "user", "aws-user-personalization")
    train(group, tmp_path / "sims", "aws-sims")
    with pytest.raises(ValueError, match="userId"):
        ml.recommend(str(tmp_path / "user"), item_id="i1")
    with pytest.raises(ValueError, match="itemId"):
        ml.recommend(str(tmp_path / "sims"), user_id="u1")


def test_training_is_deterministic(group, tmp_path):
    first = train(group, tmp_path / "a", "aws-user-personalization")
    second = train(group, tmp_path / "b", "aws-user-personalization")
    assert first == second
    for user in ("u1", "u7", "u50"):
        assert ml.recommend(str(tmp_path / "a"), user_id=user) == ml.recommend(str(tmp_path / "b"), user_id=user)


@pytest.mark.parametrize(
    "recipe, reason",
    [
        ("aws-trending-now", "is not supported by personalize-local"),
        ("aws-hrnn", "is not supported by personalize-local"),
    ],
)
def test_unsupported_recipes_fail(group, tmp_path, recipe, reason):
    with pytest.raises(ml.TrainingFailed, match=reason):
        train(group, tmp_path / "m", recipe)


def test_training_without_interactions_fails(tmp_path):
    with pytest.raises(ml.TrainingFailed, match="no interactions"):
        train(tmp_path / "empty", tmp_path / "m", "aws-sims")


def test_training_below_minimums_after_event_type_selection(group, tmp_path):
    rows = synth.interactions(event_types=("click",))
    rows += [(f"u{u}", "i1", synth.T0 + u, "purchase", 1.0) for u in range(40)]
    import_rows(group, rows)
    with pytest.raises(ml.TrainingFailed) as caught:
        train(group, tmp_path / "m", "aws-user-personalization", event_type="purchase")
    assert caught.value.reason == "There are not enough interactions: 40 found, at least 1000 are required"


def test_event_value_threshold_drops_low_values(group, tmp_path):
    rows = synth.interactions(n_users=200)
    import_rows(group, rows)
    train(group, tmp_path / "m", "aws-popularity-count", solution_config={"eventValueThreshold": "0.5"})
    info = json.loads((tmp_path / "m" / "model_info.json").read_text())
    assert info["interactions"] == sum(1 for r in rows if r[4] >= 0.5)


def test_update_mode_adds_new_items_and_keeps_metrics(group, tmp_path):
    full = train(group, tmp_path / "v1", "aws-user-personalization")
    events = [
        {
            "userId": f"u{u}",
            "itemId": "brand-new",
            "eventType": "click",
            "sentAt": synth.T0 + 10**7 + u,
            "sessionId": "s",
        }
        for u in range(100)
        for _ in range(5)
    ]
    ml.append_events(str(group / "INTERACTIONS"), events)
    updated = train(
        group,
        tmp_path / "v2",
        "aws-user-personalization",
        training_mode="UPDATE",
        previous_model_dir=str(tmp_path / "v1"),
    )
    assert updated == full
    info = json.loads((tmp_path / "v2" / "model_info.json").read_text())
    assert info["training_mode"] == "UPDATE" and info["items"] == 60
    assert ml.recommend(str(tmp_path / "v2"), user_id="cold-user", num_results=1)[0]["itemId"] == "brand-new"


def test_model_survives_a_reload_in_a_fresh_process(group, tmp_path):
    train(group, tmp_path / "m", "aws-user-personalization")
    expected = ml.recommend(str(tmp_path / "m"), user_id="u3", num_results=10, dataset_group_dir=str(group))
    code = (
        "import json, sys; import local.ml as ml; "
        "print(json.dumps(ml.recommend(sys.argv[1], user_id='u3', num_results=10, dataset_group_dir=sys.argv[2])))"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "m"), str(group)],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    assert json.loads(out.stdout) == expected


def test_offline_evaluation_ranks_like_online_recommend(group, tmp_path):
    import numpy as np
    import scipy.sparse as sp

    from local.ml.model import history_matrix, load_model

    train(group, tmp_path / "m", "aws-user-personalization")
    model = load_model(str(tmp_path / "m"))
    for user in ("u0", "u5", "u77"):
        items, ts = model.stored_history(user)
        weights = history_matrix(np.zeros(len(items), dtype=int), items, ts, 1, model.n_items)
        seen = sp.csr_matrix((np.ones(len(items)), (np.zeros(len(items), dtype=int), items)), shape=(1, model.n_items))
        offline = model.top_n_sparse((weights @ model.neighbors).tocsr(), seen, 25)[0]
        online = ml.recommend(str(tmp_path / "m"), user_id=user, num_results=25)
        assert [model.item_ids[i] for i in offline] == [r["itemId"] for r in online]


def test_update_without_a_usable_previous_model_is_a_full_train(group, tmp_path):
    train(group, tmp_path / "pop", "aws-popularity-count")
    for previous in (None, str(tmp_path / "pop"), str(tmp_path / "missing")):
        train(group, tmp_path / "m", "aws-user-personalization", training_mode="UPDATE", previous_model_dir=previous)
        info = json.loads((tmp_path / "m" / "model_info.json").read_text())
        assert info["training_mode"] == "FULL"


def test_next_best_action_trains_on_action_interactions(tmp_path):
    group = tmp_path / "dg"
    schema = json.loads(json.dumps(synth.INTERACTIONS_SCHEMA).replace("ITEM_ID", "ACTION_ID"))
    rows = [(u, i.replace("x", "act-x").replace("y", "act-y"), t, e, v) for u, i, t, e, v in two_taste_rows()]
    blob = synth.to_csv(rows, header=("USER_ID", "ACTION_ID", "TIMESTAMP", "EVENT_TYPE", "EVENT_VALUE"))
    ml.import_dataset("Action_Interactions", schema, [blob], str(group / "ACTION_INTERACTIONS"))
    metrics = train(group, tmp_path / "m", "aws-next-best-action")
    assert 0.0 < metrics["coverage"] <= 1.0
    result = ml.recommend(str(tmp_path / "m"), user_id="probe", num_results=3, dataset_group_dir=str(group))
    assert all(r["itemId"].startswith("act-x") for r in result)
    compiled = ml.compile_filter('EXCLUDE ActionID WHERE Actions.ACTION_ID IN ("act-x3", "act-x4")')
    filtered = ml.recommend(
        str(tmp_path / "m"), user_id="probe", num_results=7, filter=compiled, dataset_group_dir=str(group)
    )
    assert not {"act-x3", "act-x4"} & {r["itemId"] for r in filtered}
