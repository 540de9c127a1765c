"""A stack through the real engine: up, an empty plan after up, an in-place
update, drift seen by refresh, a replacement, destroy leaves nothing."""

import json

import pytest
from pulumi import automation as auto

pytestmark = pytest.mark.engine


def experiment(name="popular", tps=1, recipe="aws-popularity-count"):
    return {"name": name, "recipe": recipe, "datasetVersion": "v1", "minProvisionedTPS": tps}


def config(store, *experiments):
    return {"recordStore": str(store), "storage": {"bucketName": "engine-bucket"}, "experiments": list(experiments)}


def changes(result) -> dict:
    return {op: n for op, n in (result.change_summary or {}).items() if op != "same"}


def test_up_plan_empty_update_refresh_replace_destroy(make_stack, tmp_path, capsys):
    store = tmp_path / "records"
    stack = make_stack("engine", config(store, experiment()))

    up = stack.up()
    first_up = up.summary.resource_changes
    assert up.summary.result == "succeeded"
    assert up.summary.resource_changes == {"create": 4}
    assert up.outputs["experiments"].value["popular"]["revision"] == 1
    assert json.loads((store / "popular.json").read_text())["settings"]["minProvisionedTPS"] == 1

    # Terraform's habit: the plan is empty right after apply.
    stack.preview(expect_no_changes=True)

    make_stack("engine", config(store, experiment(tps=4)))
    preview = stack.preview(diff=True)
    assert changes(preview) == {"update": 1}
    up = stack.up()
    assert up.summary.resource_changes == {"update": 1, "same": 3}
    assert up.outputs["experiments"].value["popular"]["revision"] == 2

    # An out-of-band change is drift: refresh records it, the next up corrects it.
    record = json.loads((store / "popular.json").read_text())
    record["settings"]["minProvisionedTPS"] = 99
    (store / "popular.json").write_text(json.dumps(record))
    refresh = stack.refresh()
    assert refresh.summary.resource_changes.get("update") == 1
    assert changes(stack.preview()) == {"update": 1}
    stack.up()
    assert json.loads((store / "popular.json").read_text())["settings"]["minProvisionedTPS"] == 4
    stack.preview(expect_no_changes=True)

    # The store cannot be changed in place: the record is replaced, delete first.
    moved = tmp_path / "moved"
    make_stack("engine", config(moved, experiment(tps=4)))
    assert changes(stack.preview()) == {"replace": 1}
    up = stack.up()
    assert up.summary.resource_changes == {"replace": 1, "same": 3}
    assert not (store / "popular.json").exists() and (moved / "popular.json").exists()
    store = moved

    destroy = stack.destroy()
    assert destroy.summary.result == "succeeded"
    assert list(store.glob("*.json")) == []
    assert stack.export_stack().deployment.get("resources") in (None, [])

    with capsys.disabled():
        print(f"\nengine: pulumi {stack.workspace.pulumi_version}: up {first_up}, then in-place update, "
              f"refresh, replace {up.summary.resource_changes}; destroy {destroy.summary.resource_changes}")


def test_bad_config_fails_the_preview_with_its_key_and_creates_nothing(make_stack, tmp_path):
    store = tmp_path / "records"
    stack = make_stack("badconfig", config(store, experiment(tps=0)))
    with pytest.raises(auto.errors.CommandError) as failure:
        stack.preview()
    assert "config key 'experiments[0].minProvisionedTPS' has value 0; allowed: an integer of at least 1" in str(failure.value)
    assert not store.exists()
