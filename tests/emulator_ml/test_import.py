import json

import pytest

import local.ml as ml

from . import synth

HEADER = ("USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE", "EVENT_VALUE")


def run_import(tmp_path, blobs, mode="FULL", schema=synth.INTERACTIONS_SCHEMA, kind="Interactions"):
    return ml.import_dataset(kind, schema, blobs, str(tmp_path / kind.upper()), mode)


def failure(tmp_path, blob):
    with pytest.raises(ml.ImportFailed) as caught:
        run_import(tmp_path, [blob])
    return caught.value.reason


def test_full_import_reports_counts(tmp_path):
    rows = synth.interactions(n_users=100, per_user=12)
    stats = run_import(tmp_path, [synth.to_csv(rows)])
    assert stats["rows"] == stats["total_rows"] == 1200
    assert stats["users"] == 100
    assert stats["items"] == len({r[1] for r in rows})
    assert ml.dataset_counts(str(tmp_path / "INTERACTIONS")) == {"rows": 1200, "users": 100, "items": stats["items"]}


def test_missing_required_column(tmp_path):
    rows = [r[:2] + r[3:] for r in synth.interactions()]
    blob = synth.to_csv(rows, header=("USER_ID", "ITEM_ID", "EVENT_TYPE", "EVENT_VALUE"))
    assert failure(tmp_path, blob) == "Input CSV is missing the following columns: [TIMESTAMP]"


def test_optional_column_may_be_absent(tmp_path):
    rows = [r[:4] for r in synth.interactions()]
    stats = run_import(tmp_path, [synth.to_csv(rows, header=HEADER[:4])])
    assert stats["rows"] == len(rows)


def test_unknown_column(tmp_path):
    rows = [r + ("x",) for r in synth.interactions()]
    reason = failure(tmp_path, synth.to_csv(rows, header=HEADER + ("COLOUR",)))
    assert "not in the schema" in reason and "COLOUR" in reason


@pytest.mark.parametrize("column, value", [(4, "abc"), (2, "17000000.5"), (2, "soon")])
def test_value_must_parse_as_field_type(tmp_path, column, value):
    rows = synth.interactions()
    bad = list(rows[5])
    bad[column] = value
    rows[5] = tuple(bad)
    reason = failure(tmp_path, synth.to_csv(rows))
    assert f"'{value}'" in reason and HEADER[column] in reason and "line 7" in reason


def test_millisecond_timestamps_are_rejected(tmp_path):
    rows = [(u, i, t * 1000, e, v) for u, i, t, e, v in synth.interactions()]
    reason = failure(tmp_path, synth.to_csv(rows))
    assert "epoch seconds" in reason and "milliseconds" in reason


def test_ids_longer_than_256_characters_are_rejected(tmp_path):
    rows = synth.interactions()
    rows[3] = ("u" * 257,) + rows[3][1:]
    reason = failure(tmp_path, synth.to_csv(rows))
    assert "USER_ID" in reason and "256" in reason


def test_ids_of_exactly_256_characters_are_accepted(tmp_path):
    rows = synth.interactions()
    rows[3] = ("u" * 256,) + rows[3][1:]
    assert run_import(tmp_path, [synth.to_csv(rows)])["rows"] == len(rows)


def test_empty_required_value_fails_the_job(tmp_path):
    rows = synth.interactions()
    rows[9] = (rows[9][0], "") + rows[9][2:]
    reason = failure(tmp_path, synth.to_csv(rows))
    assert "ITEM_ID" in reason and "line 11" in reason


def test_ragged_row_fails_the_job(tmp_path):
    blob = synth.to_csv(synth.interactions()) + b"u1,i1\n"
    assert "values but the header has 5 columns" in failure(tmp_path, blob)


def test_too_few_interactions_reason_has_the_numbers(tmp_path):
    # limits.html: at least 1000 item interactions records per dataset import job.
    rows = synth.interactions(n_users=100, per_user=12)[:812]
    assert failure(tmp_path, synth.to_csv(rows)) == (
        "There are not enough item interactions records in this import: 812 found, "
        "at least 1000 are required per dataset import job"
    )


def test_import_leaves_the_active_users_minimum_to_training(tmp_path):
    # limits.html: 25 users with 2 or more interactions are "required to create a solution
    # version or recommender", so the import takes such data and training refuses it.
    # 20 users with 50 interactions each plus 30 users with a single one.
    rows = synth.interactions(n_users=20, per_user=50)
    rows += [(f"single{k}", "i1", synth.T0 + k, "click", 1.0) for k in range(30)]
    assert run_import(tmp_path, [synth.to_csv(rows)])["rows"] == 1030
    with pytest.raises(ml.TrainingFailed) as caught:
        ml.train("arn:aws:personalize:::recipe/aws-sims", str(tmp_path), str(tmp_path / "model"))
    assert caught.value.reason == (
        "There are not enough users with at least 2 interactions: 20 found, at least 25 are required"
    )


def test_incremental_appends_and_full_replaces(tmp_path):
    first = synth.interactions(n_users=100, per_user=12, seed=1)
    second = synth.interactions(n_users=100, per_user=11, seed=2)
    run_import(tmp_path, [synth.to_csv(first)])
    stats = run_import(tmp_path, [synth.to_csv(second)], mode="INCREMENTAL")
    assert (stats["rows"], stats["total_rows"]) == (1100, 2300)
    stats = run_import(tmp_path, [synth.to_csv(first)], mode="FULL")
    assert stats["total_rows"] == 1200


def test_incremental_needs_1000_new_records_whatever_the_dataset_holds(tmp_path):
    # updating-existing-bulk-data.html: appending to Item interactions needs at least 1000
    # new records; the 1200 already imported do not count towards them.
    rows = synth.interactions(n_users=100, per_user=12)
    run_import(tmp_path, [synth.to_csv(rows)])
    with pytest.raises(ml.ImportFailed) as caught:
        run_import(tmp_path, [synth.to_csv(rows[:999])], mode="INCREMENTAL")
    assert caught.value.reason == (
        "There are not enough new item interactions records in this import: 999 found, "
        "at least 1000 are required per dataset import job"
    )
    assert ml.dataset_counts(str(tmp_path / "INTERACTIONS"))["rows"] == 1200  # the failed job changed nothing
    assert run_import(tmp_path, [synth.to_csv(rows[:1000])], mode="INCREMENTAL")["total_rows"] == 2200


def test_incremental_action_interactions_need_1000_new_records(tmp_path):
    # updating-existing-bulk-data.html names Action interactions too.
    schema = {
        "type": "record",
        "name": "ActionInteractions",
        "fields": [
            {"name": "USER_ID", "type": "string"},
            {"name": "ACTION_ID", "type": "string"},
            {"name": "TIMESTAMP", "type": "long"},
            {"name": "EVENT_TYPE", "type": "string"},
        ],
    }
    header = ("USER_ID", "ACTION_ID", "TIMESTAMP", "EVENT_TYPE")
    rows = [r[:4] for r in synth.interactions(n_users=10, per_user=5)]
    blob = synth.to_csv(rows, header=header)
    assert run_import(tmp_path, [blob], schema=schema, kind="Action_Interactions")["rows"] == 50
    with pytest.raises(ml.ImportFailed, match="not enough new action interactions records in this import: 50 found"):
        run_import(tmp_path, [blob], mode="INCREMENTAL", schema=schema, kind="Action_Interactions")


def test_items_imports_have_no_record_minimum(tmp_path):
    # limits.html states a per-import minimum for item interactions only.
    stats = run_import(tmp_path, [b"ITEM_ID,GENRE\ni1,a\n"], schema=synth.ITEMS_SCHEMA, kind="Items")
    assert stats["rows"] == 1
    stats = run_import(
        tmp_path, [b"ITEM_ID,GENRE\ni2,b\n"], mode="INCREMENTAL", schema=synth.ITEMS_SCHEMA, kind="Items"
    )
    assert stats["total_rows"] == 2


def test_several_files_with_their_own_headers(tmp_path):
    rows = synth.interactions(n_users=100, per_user=12)
    reordered = synth.to_csv(
        [(r[1], r[0], r[4], r[3], r[2]) for r in rows[600:]],
        header=("ITEM_ID", "USER_ID", "EVENT_VALUE", "EVENT_TYPE", "TIMESTAMP"),
    )
    run_import(tmp_path, [synth.to_csv(rows[:600]), reordered])
    assert ml.dataset_counts(str(tmp_path / "INTERACTIONS"))["rows"] == 1200


def test_no_files_fails(tmp_path):
    with pytest.raises(ml.ImportFailed):
        run_import(tmp_path, [])


def test_items_reimport_upserts_by_id(tmp_path):
    store = tmp_path / "ITEMS"
    run_import(tmp_path, [synth.items_csv(10)], schema=synth.ITEMS_SCHEMA, kind="Items")
    update = synth.to_csv(
        [("i3", "Horror", 1, 2001), ("i99", "Drama", 2, 2002)], header=("ITEM_ID", "GENRE", "PRICE", "YEAR")
    )
    stats = run_import(tmp_path, [update], mode="INCREMENTAL", schema=synth.ITEMS_SCHEMA, kind="Items")
    assert (stats["rows"], stats["total_rows"], stats["items"]) == (2, 11, 11)
    assert ml.dataset_counts(str(store)) == {"rows": 11, "users": 0, "items": 11}


def test_append_events_creates_the_store_and_counts(tmp_path):
    store = str(tmp_path / "INTERACTIONS")
    events = [
        {"userId": "u1", "itemId": "i1", "eventType": "click", "sentAt": synth.T0 + 0.7, "sessionId": "s"},
        {"userId": "u1", "itemId": None, "eventType": "watch", "sentAt": synth.T0 + 1, "sessionId": "s"},
        {
            "userId": "u2",
            "itemId": "i2",
            "eventType": "buy",
            "eventValue": 3.5,
            "sentAt": synth.T0 + 2,
            "sessionId": "s",
            "properties": json.dumps({"numberOfRatings": 3}),
        },
    ]
    assert ml.append_events(store, events) == 2
    assert ml.dataset_counts(store) == {"rows": 2, "users": 2, "items": 2}


def test_append_events_adds_to_imported_data(tmp_path):
    run_import(tmp_path, [synth.to_csv(synth.interactions())])
    store = str(tmp_path / "INTERACTIONS")
    before = ml.dataset_counts(store)
    added = ml.append_events(
        store,
        [
            {
                "userId": "new-user",
                "itemId": "new-item",
                "eventType": "click",
                "sentAt": synth.T0 + 10**6,
                "sessionId": "s",
            }
        ]
        * 3,
    )
    assert added == 3
    after = ml.dataset_counts(store)
    assert after == {"rows": before["rows"] + 3, "users": before["users"] + 1, "items": before["items"] + 1}


def test_put_items_upserts_with_camel_case_properties(tmp_path):
    run_import(tmp_path, [synth.items_csv(10)], schema=synth.ITEMS_SCHEMA, kind="Items")
    store = str(tmp_path / "ITEMS")
    count = ml.put_records(
        store,
        "itemId",
        [
            {"itemId": "i3", "properties": json.dumps({"genre": "Horror", "price": 99})},
            {"itemId": "new", "properties": json.dumps({"genre": "Drama", "year": 2020})},
        ],
    )
    assert count == 2
    assert ml.dataset_counts(store) == {"rows": 11, "users": 0, "items": 11}
    with pytest.raises(ValueError, match="COLOUR"):
        ml.put_records(store, "itemId", [{"itemId": "i1", "properties": json.dumps({"colour": "red"})}])
    with pytest.raises(ValueError, match="PRICE"):
        ml.put_records(store, "itemId", [{"itemId": "i1", "properties": json.dumps({"price": "cheap"})}])


def test_put_users_without_an_import(tmp_path):
    store = str(tmp_path / "USERS")
    assert (
        ml.put_records(
            store,
            "userId",
            [
                {"userId": "a", "properties": '{"age": 30}'},
                {"userId": "b"},
                {"userId": "a", "properties": '{"age": 31}'},
            ],
        )
        == 3
    )
    assert ml.dataset_counts(store) == {"rows": 2, "users": 2, "items": 0}


def test_dataset_counts_of_a_missing_store(tmp_path):
    assert ml.dataset_counts(str(tmp_path / "nothing")) == {"rows": 0, "users": 0, "items": 0}


def test_duplicate_columns_and_bad_encoding_fail(tmp_path):
    rows = [r + (r[4],) for r in synth.interactions()]
    assert "duplicate columns: [EVENT_VALUE]" in failure(tmp_path, synth.to_csv(rows, header=HEADER + ("EVENT_VALUE",)))
    assert "not valid UTF-8" in failure(tmp_path, synth.to_csv(synth.interactions()) + b"u1,\xff\xfe,1,click,1\n")


def test_boolean_fields_and_lower_case_dataset_type(tmp_path):
    schema = {
        "type": "record",
        "name": "Items",
        "fields": [{"name": "ITEM_ID", "type": "string"}, {"name": "IN_STOCK", "type": ["null", "boolean"]}],
    }
    good = synth.to_csv([("a", "true"), ("b", "FALSE"), ("c", "")], header=("ITEM_ID", "IN_STOCK"))
    assert ml.import_dataset("items", schema, [good], str(tmp_path / "ITEMS"))["items"] == 3
    bad = synth.to_csv([("a", "yes")], header=("ITEM_ID", "IN_STOCK"))
    with pytest.raises(ml.ImportFailed, match="'yes' for column IN_STOCK of type boolean"):
        ml.import_dataset("Items", schema, [bad], str(tmp_path / "ITEMS"))


def test_put_events_missing_a_required_schema_field_is_rejected(tmp_path):
    schema = json.loads(json.dumps(synth.INTERACTIONS_SCHEMA))
    schema["fields"].append({"name": "DEVICE", "type": "string"})
    rows = [r + ("phone",) for r in synth.interactions()]
    ml.import_dataset(
        "Interactions", schema, [synth.to_csv(rows, header=HEADER + ("DEVICE",))], str(tmp_path / "INTERACTIONS")
    )
    event = {"userId": "u1", "itemId": "i1", "eventType": "click", "sentAt": synth.T0, "sessionId": "s"}
    with pytest.raises(ValueError, match="DEVICE"):
        ml.append_events(str(tmp_path / "INTERACTIONS"), [event])
    assert ml.append_events(str(tmp_path / "INTERACTIONS"), [dict(event, properties='{"device": "tv"}')]) == 1


def test_bom_crlf_quotes_and_blank_lines(tmp_path):
    rows = synth.interactions()
    blob = b"\xef\xbb\xbf" + synth.to_csv(rows).replace(b"\n", b"\r\n")
    blob += b'"u,1","i ""1""",1700000000,click,\r\n\r\n'
    stats = run_import(tmp_path, [blob])
    assert (stats["rows"], stats["users"]) == (len(rows) + 1, 121)


def test_action_interaction_events_land_in_action_id(tmp_path):
    store = str(tmp_path / "ACTION_INTERACTIONS")
    events = [{"userId": "u1", "itemId": "act-1", "eventType": "TAKEN", "sentAt": synth.T0, "sessionId": None}]
    assert ml.append_events(store, events) == 1
    assert ml.dataset_counts(store) == {"rows": 1, "users": 1, "items": 1}
