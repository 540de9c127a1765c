"""The engine harness on a file-backed dynamic resource: up, an empty plan
after up, an in-place update, drift seen by refresh, a replacement, destroy
leaves nothing. Needs no service, so it isolates the engine and the language host."""

import json

import pytest
from pulumi import automation as auto

pytestmark = pytest.mark.engine


def changes(result) -> dict:
    return {op: n for op, n in (result.change_summary or {}).items() if op != "same"}


def test_up_plan_empty_update_refresh_replace_destroy(make_records_stack, tmp_path, capsys):
    store = tmp_path / "records"
    stack = make_records_stack("engine", {"store": str(store), "records": {"popular": {"tps": 1}}})

    up = stack.up()
    first_up = up.summary.resource_changes
    assert up.summary.result == "succeeded"
    assert first_up == {"create": 2}
    assert up.outputs["revisions"].value == {"popular": 1}

    # Terraform's habit: the plan is empty right after apply.
    stack.preview(expect_no_changes=True)

    make_records_stack("engine", {"store": str(store), "records": {"popular": {"tps": 4}}})
    assert changes(stack.preview(diff=True)) == {"update": 1}
    up = stack.up()
    assert up.summary.resource_changes == {"update": 1, "same": 1}
    assert up.outputs["revisions"].value == {"popular": 2}

    # An out-of-band change is drift: refresh records it, the next up corrects it.
    record = json.loads((store / "popular.json").read_text())
    record["settings"]["tps"] = 99
    (store / "popular.json").write_text(json.dumps(record))
    assert stack.refresh().summary.resource_changes.get("update") == 1
    assert changes(stack.preview()) == {"update": 1}
    stack.up()
    assert json.loads((store / "popular.json").read_text())["settings"]["tps"] == 4
    stack.preview(expect_no_changes=True)

    # The store cannot change in place: the record is replaced, delete first.
    moved = tmp_path / "moved"
    make_records_stack("engine", {"store": str(moved), "records": {"popular": {"tps": 4}}})
    assert changes(stack.preview()) == {"replace": 1}
    replaced = stack.up().summary.resource_changes
    assert replaced == {"replace": 1, "same": 1}
    assert not (store / "popular.json").exists() and (moved / "popular.json").exists()

    destroy = stack.destroy()
    assert destroy.summary.result == "succeeded"
    assert list(moved.glob("*.json")) == []
    assert stack.export_stack().deployment.get("resources") in (None, [])

    with capsys.disabled():
        print(
            f"\nengine: pulumi {stack.workspace.pulumi_version}: up {first_up}, then in-place update, "
            f"refresh, replace {replaced}; destroy {destroy.summary.resource_changes}"
        )


def test_a_failing_program_fails_the_preview_and_creates_nothing(make_records_stack, tmp_path):
    store = tmp_path / "records"
    stack = make_records_stack("bad", {"store": str(store), "records": {"bad name": {}}})
    with pytest.raises(auto.errors.CommandError) as failure:
        stack.preview()
    assert "name 'bad name' must match" in str(failure.value)
    assert not store.exists()
