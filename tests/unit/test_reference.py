"""The config reference page (docs/config-reference.md) is generated from the
config model: current, complete, and its check fails when it is stale."""

import pytest

from service.waiting import DEFAULT_WAITS
from stacks import reference
from stacks.config import StackConfig


def leaf_keys(model: type, prefix: str = "") -> set[str]:
    """Every key path of the model, as the stack file spells it."""
    from pydantic import BaseModel

    keys = set()
    for name, field in model.model_fields.items():
        if name == "stack":
            continue
        key = f"{prefix}{field.alias or name}"
        keys.add(key)
        nested = [a for a in _args(field.annotation) if isinstance(a, type) and issubclass(a, BaseModel)]
        for sub in nested:
            suffix = "[]" if _is_sequence(field.annotation) else ""
            keys |= leaf_keys(sub, f"{key}{suffix}.")
    return keys


def _args(annotation) -> list:
    import typing

    found, todo = [], [annotation]
    while todo:
        a = todo.pop()
        found.append(a)
        todo.extend(typing.get_args(a))
    return found


def _is_sequence(annotation) -> bool:
    import typing

    return any(typing.get_origin(a) is tuple for a in _args(annotation))


def test_the_committed_page_is_current():
    assert reference.main(["--check"]) == 0


def test_every_key_of_the_model_has_a_row_with_its_anchor():
    text = reference.text()
    keys = leaf_keys(StackConfig) | {f"waits.{k}" for k in DEFAULT_WAITS}
    assert "experiments[].batchInference.numResults" in keys  # the walk reaches nested lists
    for key in keys:
        anchor = key.replace("[]", "").replace(".", "-").lower()
        assert f'id="{anchor}"' in text or f"{{#{anchor}}}" in text, key


def test_a_row_holds_the_type_default_and_allowed_values_of_the_model():
    rows = {line.split("`")[1]: line for line in reference.text().splitlines() if line.startswith("| <a id=")}
    assert "| integer | `25` | an integer from 1 to 500 |" in rows["numResults"]
    assert "| number | `0.0` | a number from -1 to 1 (metrics range from 0 to 1) |" in rows["minImprovement"]
    assert '| choice | `"warn"` | warn, fail |' in rows["onReject"]
    # The waits come from service/waiting.py, with a resource type's own deadline.
    assert "`3600` (14400 for a solution version)" in rows["createSeconds"]


def test_check_fails_when_the_page_is_stale(tmp_path, monkeypatch, capsys):
    stale = tmp_path / "config-reference.md"
    stale.write_text(reference.text().replace("an integer from 1 to 500", "an integer from 1 to 50"))
    monkeypatch.setattr(reference, "PATH", stale)
    assert reference.main(["--check"]) == 1
    assert "is stale: run python -m stacks.reference" in capsys.readouterr().err
    assert reference.main([]) == 0
    assert reference.main(["--check"]) == 0


def test_a_key_without_a_meaning_fails_naming_it(monkeypatch):
    meanings = dict(reference.MEANINGS)
    del meanings["promotion.onReject"]
    monkeypatch.setattr(reference, "MEANINGS", meanings)
    assert reference.missing_meanings() == ["promotion.onReject"]
    with pytest.raises(SystemExit, match=r"no meaning for the config keys promotion\.onReject: add each to MEANINGS"):
        reference.text()


def test_no_meaning_is_left_for_a_key_the_model_lost():
    keys = {reference._key_path(p, n) for p, node in reference.sections() for n in node.get("properties", {})}
    assert set(reference.MEANINGS) == keys
