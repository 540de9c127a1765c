"""Notifications through the real engine against personalize-local, to a loopback
webhook: an `up` whose gate decides tells it once, with the interval; a preview and
a no-change `up` tell nothing; a TPS change tells the cost old -> new."""

import pytest

from tests.engine.test_program_local import experiment, role, stack_config  # noqa: F401 - role: the data fixture
from tests.helpers.receiver import Receiver

pytestmark = pytest.mark.engine
# How the state marks a secret value (pulumi's sig key).
SECRET = "4dabf18193072939515e22adb298388d"


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.stop()


def test_the_gate_s_decision_and_a_cost_change_are_told_once(make_program_stack, emulator, role, aws, receiver):  # noqa: F811
    def config(version: str, tps: int = 1) -> dict:
        return {
            **stack_config(emulator, role),
            "promotion": {"metric": "validation.ndcg_at_10", "validationUsers": 200, "minUsers": 20},
            "experiments": [{**experiment("popular"), "datasetVersion": version, "minProvisionedTPS": tps}],
            "notifications": {"webhookUrl": receiver.url + "/notify"},
        }

    stack = make_program_stack("told", config("uniform"))
    stack.preview()
    assert receiver.take() == []  # a preview tells nothing
    first = stack.up().outputs
    assert first["promotions"].value["popular"]["decision"] == "initial"
    # The first `up` with notifications: the cost figure, once; the initial model is no decision.
    [cost] = [r["body"] for r in receiver.take()]
    assert (cost["kind"], cost["outcome"], cost["change"]) == ("cost-change", "first-figure", "none -> $146.00 a month")
    # The webhook's URL (a chat webhook's credential) is a secret in the notices' state, inputs and
    # outputs (the stack file's config is the user's to keep secret: `pulumi config set --secret`).
    notices = [r for r in stack.export_stack().deployment["resources"] if r["type"].endswith(":Notice")]
    assert len(notices) == 2
    assert all(SECRET in n[part]["webhookUrl"] for n in notices for part in ("inputs", "outputs"))

    make_program_stack("told", config("skewed"))
    outputs = stack.up().outputs
    decided = outputs["promotions"].value["popular"]
    assert decided["decision"] in ("promote", "reject", "inconclusive"), decided
    [message] = [r["body"] for r in receiver.take()]
    assert message["kind"] == "gate-decision" and message["outcome"] == decided["decision"]
    assert message["campaign"] == "told-popular" and message["metric"] == "validation.ndcg_at_10"
    assert message["interval"].startswith("[") and 0 < message["pValue"] <= 1 and message["users"] >= 20
    assert message["reason"] == decided["reason"]

    # Nothing changed: nothing planned, nothing told.
    stack.preview(expect_no_changes=True)
    stack.up()
    assert receiver.take() == []

    # Twice the TPS: the cost, old -> new, once (and no decision: the model is the same).
    make_program_stack("told", config("skewed", tps=2))
    stack.up()
    [change] = [r["body"] for r in receiver.take()]
    assert change["kind"] == "cost-change" and change["change"] == "$146.00 -> $292.00 a month"
    assert change["experiment popular"] == "$146.00 -> $292.00"
    stack.destroy()
