"""The promotion gate and training that `up` does not wait for, against
personalize-local, whose offline metrics are computed on the imported data.

Skewed data (a few items most people buy) is what popularity learns well;
uniform data has nothing to learn. So a version trained on the skewed export
is the better challenger and one trained on the uniform export the worse."""

import json
import re
import time

import pytest

from providers.campaign import CampaignProvider
from providers.dataset_import_job import DatasetImportJobProvider
from providers.lifecycle import ResourceFailed
from providers.promotion import PromotionProvider, PromotionRejected
from providers.solution import RETAINED_TAG, SolutionProvider
from providers.solution_version import WAITING_FOR_IMPORT, SolutionVersionProvider
from tests.helpers.data import interactions_csv
from tests.helpers.providers import create, interactions_group, set_faults, update

# Every test here serves its own campaign from its own solution in the one
# "gated" dataset group (each decision history apart): more than the documented
# 5 active campaigns and 10 active solutions per dataset group, so the account
# runs with raised quotas, as one with an increase would.
EMULATOR_QUOTAS = {"activeCampaigns": 20, "activeSolutions": 20}

METRIC = "normalized_discounted_cumulative_gain_at_10"
CAMPAIGN = "gated"


@pytest.fixture(scope="module")
def group(conn, seeded, aws):
    s3 = aws("s3")
    for version, skew in (("skewed", 1.1), ("uniform", 0.0)):
        s3.put_object(
            Bucket=seeded["bucket"],
            Key=f"datasets/{version}/interactions.csv",
            Body=interactions_csv(users=80, items=150, rows=2400, seed=3, skew=skew),
        )
        # What the same users did next, as data preparation would have held it out.
        s3.put_object(
            Bucket=seeded["bucket"],
            Key=f"datasets/{version}/validation/interactions.csv",
            Body=interactions_csv(users=80, items=150, rows=400, seed=4, skew=skew),
        )
    ids = interactions_group(conn, "gated")
    ids["solution"], _ = create(
        SolutionProvider(),
        conn,
        name="gated",
        datasetGroupArn=ids["group"],
        recipeArn="arn:aws:personalize:::recipe/aws-popularity-count",
    )
    return ids


class Experiment:
    """Imports and trainings of one dataset group, named in order."""

    def __init__(self, conn, seeded, group):
        self.conn, self.seeded, self.group, self.runs = conn, seeded, group, 0

    def import_data(self, version: str, **extra) -> tuple[str, dict]:
        self.runs += 1
        return create(
            DatasetImportJobProvider(),
            self.conn,
            jobName=f"gated-{version}-{self.runs}",
            datasetArn=self.group["dataset"],
            roleArn=self.seeded["role"],
            dataSource={"dataLocation": f"s3://{self.seeded['bucket']}/datasets/{version}/interactions.csv"},
            **extra,
        )

    def train(self, version: str, solution: str | None = None) -> dict:
        job, _ = self.import_data(version)
        _, outs = create(
            SolutionVersionProvider(),
            self.conn,
            solutionArn=solution or self.group["solution"],
            triggers={"datasetImportJobArn": job},
        )
        return outs


@pytest.fixture(scope="module")
def experiment(conn, seeded, group):
    return Experiment(conn, seeded, group)


@pytest.fixture
def served(conn, experiment, group, request) -> dict:
    """A campaign of this test's own, serving a version of a solution of its own
    trained on uniform data: a weak champion. Its name is the test's, so is its
    decision history."""
    name = re.sub(r"[^a-z0-9]+", "-", request.node.name.removeprefix("test_"))[:50]
    solution, _ = create(
        SolutionProvider(),
        conn,
        name=name,
        datasetGroupArn=group["group"],
        recipeArn="arn:aws:personalize:::recipe/aws-popularity-count",
    )
    champion = experiment.train("uniform", solution=solution)
    _, campaign = create(CampaignProvider(), conn, name=name, solutionVersionArn=champion["arn"])
    return {"campaign": campaign, "name": name, "solution": solution}


@pytest.fixture
def promoted(conn, seeded, experiment, served) -> dict:
    """`served` once a version trained on skewed data was promoted over its weak champion."""
    challenger = experiment.train("skewed", solution=served["solution"])
    outs = decide(conn, seeded, served, challengerArn=challenger["arn"], challengerStatus=challenger["status"])
    assert outs["decision"] == "promote", outs["reason"]
    served["campaign"] = update(CampaignProvider(), served["campaign"], solutionVersionArn=outs["servedVersionArn"])
    served["promotion"] = outs
    return served


def gate(conn, seeded, served: dict, **props) -> dict:
    checked = PromotionProvider().check(
        {}, {**conn, "campaignName": served["name"], "historyBucket": seeded["bucket"], "metric": METRIC, **props}
    )
    assert checked.failures == [], [f.reason for f in checked.failures]
    return checked.inputs


def decide(conn, seeded, served: dict, before: dict | None = None, **props) -> dict:
    provider, news = PromotionProvider(), gate(conn, seeded, served, **props)
    if before is None:
        return provider.create(news).outs
    assert provider.diff("promotion", before, news).changes
    return provider.update("promotion", before, news).outs


def serving(aws, campaign: dict) -> str:
    return aws("personalize").describe_campaign(campaignArn=campaign["arn"])["campaign"]["solutionVersionArn"]


def history(aws, seeded, served: dict) -> list[dict]:
    key = f"promotions/{served['name']}.jsonl"
    body = aws("s3").get_object(Bucket=seeded["bucket"], Key=key)["Body"].read()
    return [json.loads(line) for line in body.splitlines()]


def test_a_better_challenger_is_promoted_and_the_campaign_serves_it(conn, seeded, aws, experiment, served):
    champion = serving(aws, served["campaign"])
    challenger = experiment.train("skewed")
    outs = decide(conn, seeded, served, challengerArn=challenger["arn"], challengerStatus=challenger["status"])

    assert outs["decision"] == "promote", outs["reason"]
    assert outs["challengerMetrics"][METRIC] > outs["championMetrics"][METRIC]
    assert (outs["championArn"], outs["servedVersionArn"]) == (champion, challenger["arn"])
    served["campaign"] = update(CampaignProvider(), served["campaign"], solutionVersionArn=outs["servedVersionArn"])
    assert serving(aws, served["campaign"]) == challenger["arn"]
    served["promotion"] = outs
    [record] = history(aws, seeded, served)
    assert record["decision"] == "promote" and record["championMetrics"][METRIC] == outs["championMetrics"][METRIC]


def test_a_worse_challenger_is_rejected_and_the_campaign_keeps_the_champion(conn, seeded, aws, experiment, promoted):
    served = promoted
    champion = serving(aws, served["campaign"])
    challenger = experiment.train("uniform")
    outs = decide(conn, seeded, served, served["promotion"], challengerArn=challenger["arn"], challengerStatus="ACTIVE")

    assert outs["decision"] == "reject", outs["reason"]
    assert outs["challengerMetrics"][METRIC] < outs["championMetrics"][METRIC]
    assert outs["servedVersionArn"] == champion
    news = (
        CampaignProvider()
        .check(served["campaign"], {**served["campaign"], "solutionVersionArn": outs["servedVersionArn"]})
        .inputs
    )
    assert not CampaignProvider().diff(served["campaign"]["arn"], served["campaign"], news).changes
    assert serving(aws, served["campaign"]) == champion
    assert [r["decision"] for r in history(aws, seeded, served)] == ["promote", "reject"]

    # Configured to fail instead, the same decision stops the `up` and says why, with both numbers.
    with pytest.raises(PromotionRejected, match=rf"keeps {champion}.*{METRIC}: challenger 0\.\d+ vs champion 0\.\d+"):
        decide(conn, seeded, served, outs, challengerArn=challenger["arn"], challengerStatus="ACTIVE", onReject="fail")
    assert serving(aws, served["campaign"]) == champion


def test_training_not_waited_for_keeps_the_champion_until_a_later_up_promotes(conn, seeded, aws, experiment, promoted):
    served = promoted  # a champion trained on the same skewed data as the challenger
    champion = serving(aws, served["campaign"])
    background = {"waitUnlessServing": served["name"]}
    job, job_outs = experiment.import_data("skewed", **background)
    assert job_outs["status"] in ("CREATE PENDING", "CREATE IN_PROGRESS")
    provider = SolutionVersionProvider()
    version_id, version = create(
        provider, conn, solutionArn=experiment.group["solution"], triggers={"datasetImportJobArn": job}, **background
    )
    # The import is still running, so training has not started; the campaign keeps its model.
    assert (version["status"], version["arn"]) == (WAITING_FOR_IMPORT, None)
    promotion = decide(conn, seeded, served, challengerStatus=version["status"])
    assert promotion["decision"] == "pending" and promotion["servedVersionArn"] == champion
    # No null outputs: a key missing from the state would read as unknown in every later preview.
    assert None not in promotion.values() and promotion["challengerArn"] == ""
    assert (
        not PromotionProvider()
        .diff("promotion", promotion, gate(conn, seeded, served, challengerStatus=version["status"]))
        .changes
    )

    # A later `up`: the finished import shows as a change, and training starts without waiting, under its
    # ARN: the placeholder is replaced (the engine creates the started version, then drops the placeholder).
    wait_until(lambda: DatasetImportJobProvider().live_status(job, job_outs) == "ACTIVE")
    news = provider.check(version, version).inputs
    diff = provider.diff(version_id, version, news)
    assert diff.changes and diff.replaces and not diff.delete_before_replace
    started = provider.create(news)
    provider.delete(version_id, version)  # the placeholder: nothing in the service
    version_id, version = started.id, started.outs
    assert version["arn"] and version["status"] in ("CREATE PENDING", "CREATE IN_PROGRESS")
    assert version_id == version["arn"]
    assert not provider.diff(version_id, version, news).changes  # still training: nothing to do
    promotion = decide(
        conn, seeded, served, promotion, challengerArn=version["arn"], challengerStatus=version["status"]
    )
    assert promotion["decision"] == "pending" and promotion["servedVersionArn"] == champion

    # Once training ends, the next `up` records it with its metrics and the gate decides.
    wait_until(lambda: provider.live_status(version_id, version) == "ACTIVE")
    assert provider.diff(version_id, version, news).changes
    version = provider.update(version_id, version, news).outs
    assert version["status"] == "ACTIVE" and version["metrics"][METRIC] > 0
    assert provider.read(version_id, version).outs["arn"] == version["arn"]
    promotion = decide(conn, seeded, served, promotion, challengerArn=version["arn"], challengerStatus="ACTIVE")
    assert promotion["decision"] == "promote", promotion["reason"]  # same data as the champion's: no worse
    served["campaign"] = update(
        CampaignProvider(), served["campaign"], solutionVersionArn=promotion["servedVersionArn"]
    )
    assert serving(aws, served["campaign"]) == version["arn"]
    served["promotion"] = promotion


def test_a_failed_training_not_waited_for_reports_the_reason_and_leaves_the_campaign(
    conn, seeded, aws, experiment, served, emulator, group
):
    champion = serving(aws, served["campaign"])
    doomed, _ = create(
        SolutionProvider(),
        conn,
        name=f"{served['name']}-doomed",
        datasetGroupArn=group["group"],
        recipeArn="arn:aws:personalize:::recipe/aws-popularity-count",
    )
    set_faults(emulator, {"fail": {doomed: "The training data has too few users"}})  # every version of it fails
    try:
        provider = SolutionVersionProvider()
        version_id, version = create(provider, conn, solutionArn=doomed, waitUnlessServing=served["name"])
        assert version["status"] in ("CREATE PENDING", "CREATE IN_PROGRESS")
        wait_until(lambda: provider.live_status(version_id, version) == "CREATE FAILED")
        news = provider.check(version, version).inputs
        assert provider.diff(version_id, version, news).changes
        with pytest.raises(ResourceFailed, match="CREATE FAILED: The training data has too few users"):
            provider.update(version_id, version, news)
    finally:
        set_faults(emulator, None)
    assert serving(aws, served["campaign"]) == champion
    SolutionProvider().delete(doomed, {**conn})


def test_a_replaced_solution_the_gate_kept_serving_is_retained_then_released(
    conn, seeded, aws, experiment, promoted, group
):
    served = promoted  # a champion trained on skewed data
    api = aws("personalize")
    champion = serving(aws, served["campaign"])
    old_solution = champion.rsplit("/", 1)[0]
    new_solution, _ = create(
        SolutionProvider(),
        conn,
        name=f"{served['name']}-new-recipe",
        datasetGroupArn=group["group"],
        recipeArn="arn:aws:personalize:::recipe/aws-popularity-count",
    )
    challenger = experiment.train("uniform", solution=new_solution)
    promotion = decide(
        conn, seeded, served, served["promotion"], challengerArn=challenger["arn"], challengerStatus="ACTIVE"
    )
    assert promotion["decision"] == "reject"

    # The engine deletes the replaced solution; the campaign still serves its version, so it is kept.
    SolutionProvider().delete(old_solution, {**conn})
    tags = api.list_tags_for_resource(resourceArn=old_solution)["tags"]
    assert [t["tagValue"] for t in tags if t["tagKey"] == RETAINED_TAG] == [served["campaign"]["arn"]]

    # Accepting the new recipe after all moves the campaign, which deletes the kept solution.
    promotion = decide(
        conn, seeded, served, promotion, challengerArn=challenger["arn"], challengerStatus="ACTIVE", minImprovement=-1.0
    )
    assert promotion["decision"] == "promote"
    served["campaign"] = update(
        CampaignProvider(), served["campaign"], solutionVersionArn=promotion["servedVersionArn"]
    )
    assert SolutionProvider().read(old_solution, {**conn}).id is None


def test_the_gate_can_decide_on_the_held_out_validation_set(conn, seeded, aws, experiment, served):
    champion = serving(aws, served["campaign"])  # trained on uniform data
    challenger = experiment.train("skewed", solution=champion.rsplit("/", 1)[0])
    validation = {"bucket": seeded["bucket"], "datasetVersion": "skewed", "roleArn": seeded["role"], "maxUsers": 50}
    outs = decide(
        conn,
        seeded,
        served,
        challengerArn=challenger["arn"],
        challengerStatus="ACTIVE",
        metric="validation.ndcg_at_10",
        validation=validation,
    )

    assert outs["decision"] == "promote", outs["reason"]
    assert outs["championArn"] == champion
    for scored in (outs["championMetrics"], outs["challengerMetrics"]):
        assert scored["validation.users"] == 50  # both scored on the same sample of the same held-out data
        assert {
            "validation.precision_at_10",
            "validation.recall_at_10",
            "validation.mrr",
            "validation.coverage",
        } <= set(scored)
        assert METRIC in scored  # the service's own metrics are recorded beside them
    assert outs["challengerMetrics"]["validation.ndcg_at_10"] > outs["championMetrics"]["validation.ndcg_at_10"]
    assert "validation.ndcg_at_10: challenger" in outs["reason"]
    # A paired comparison on those 50 users: its interval, p-value and size are recorded.
    evidence = outs["evidence"]
    assert evidence["method"] == "paired bootstrap" and evidence["users"] == 50
    assert 0 < evidence["low"] <= evidence["difference"] <= evidence["high"]
    assert evidence["pValue"] < 0.05 and (evidence["confidence"], evidence["resamples"]) == (0.95, 2000)
    assert f"interval [{evidence['low']:+.4f}, {evidence['high']:+.4f}]" in outs["reason"]
    assert history(aws, seeded, served)[-1]["evidence"] == evidence

    # Asked for more users than were scored: inconclusive, the champion keeps serving,
    # and `onReject: fail` does not stop the `up` (not a rejection: too little evidence).
    again = decide(
        conn,
        seeded,
        served,
        outs,
        challengerArn=challenger["arn"],
        challengerStatus="ACTIVE",
        metric="validation.ndcg_at_10",
        validation=validation,
        minUsers=100,
        onReject="fail",
    )
    assert again["decision"] == "inconclusive", again["reason"]
    assert again["servedVersionArn"] == champion
    assert "fewer users than minUsers 100" in again["reason"]
    assert [r["decision"] for r in history(aws, seeded, served)][-2:] == ["promote", "inconclusive"]


def test_gate_inputs_are_checked_before_anything_runs(conn):
    checked = PromotionProvider().check(
        {},
        {
            **conn,
            "campaignName": CAMPAIGN,
            "metric": "auc",
            "onReject": "keep",
            "minImprovement": "a lot",
            "colour": "red",
        },
    )
    reasons = " | ".join(f.reason for f in checked.failures)
    assert "promotion metric 'auc': allowed coverage" in reasons
    assert "promotion onReject 'keep': allowed warn, fail" in reasons
    assert "promotion minImprovement 'a lot': a number" in reasons
    assert "promotion has no input 'colour'" in reasons
    checked = PromotionProvider().check({}, {**conn, "campaignName": CAMPAIGN, "metric": "validation.mrr"})
    assert [f.reason for f in checked.failures] == ["promotion metric 'validation.mrr' needs the validation input"]


def wait_until(condition, seconds: float = 60.0):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the emulator did not get there in time"
        time.sleep(0.05)


def test_update_mode_trains_full_first_then_updates_the_last_model(conn, seeded, group, experiment):
    solution, _ = create(
        SolutionProvider(),
        conn,
        name="gated-incremental",
        datasetGroupArn=group["group"],
        recipeArn="arn:aws:personalize:::recipe/aws-user-personalization",
    )
    experiment.import_data("skewed")
    provider = SolutionVersionProvider()
    # Each training on new data, as the program declares it: the import is the trigger
    # (the same settings again would adopt the first training, not train twice).
    first_id, first = create(
        provider, conn, solutionArn=solution, trainingMode="UPDATE", triggers={"datasetImportJobArn": "first"}
    )
    assert (first["trainingMode"], first["trainedMode"]) == ("UPDATE", "FULL")  # nothing to update yet
    _second_id, second = create(
        provider, conn, solutionArn=solution, trainingMode="UPDATE", triggers={"datasetImportJobArn": "second"}
    )
    assert (second["trainingMode"], second["trainedMode"]) == ("UPDATE", "UPDATE")
    # What ran is not drift from what was declared: a refresh then a preview shows nothing to do.
    read = provider.read(first_id, first)
    assert not provider.diff(first_id, read.outs, provider.check(read.outs, read.inputs).inputs).changes
