"""Experiments found in stack outputs with named dataset groups (issue 15) and in
those of the release before (no datasetGroup, servedBy nor datasetGroups): the
campaign or recommender that answers, the group's filters and tracker, without
a service (fake outputs, a stub runtime client)."""

import copy
import io
import json

import pytest

from serving.__main__ import main
from serving.batch import recommend_batch
from serving.client import Recommender
from serving.outputs import OutputsError, StackOutputs
from tests.helpers.serving import version_objects
from tests.helpers.stack_outputs import GROUPED, LEGACY, SHOP_FILTERS, arn


class Runtime:
    """personalize-runtime, recording the requests it answers."""

    def __init__(self):
        self.requests: list[tuple[str, dict]] = []

    def get_recommendations(self, **request):
        self.requests.append(("GetRecommendations", request))
        return {"itemList": [{"itemId": "i1", "score": 0.5}, {"itemId": "i2"}]}

    def get_personalized_ranking(self, **request):
        self.requests.append(("GetPersonalizedRanking", request))
        return {"personalizedRanking": [{"itemId": item} for item in request["inputList"]]}


class S3:
    """The bucket holds one dataset version, v1, as data preparation exports it,
    its training interactions seen by users u1 and u2; GetObject by key and range."""

    def __init__(self):
        self.keys: list[str] = []
        self.objects = version_objects(
            "v1", b"USER_ID,ITEM_ID,EVENT_TYPE,TIMESTAMP\nu1,i1,purchase,1\nu2,i2,purchase,2\n"
        )

    def get_object(self, Bucket, Key, Range=None):
        from botocore.exceptions import ClientError

        self.keys.append(Key)
        if Key not in self.objects:
            raise ClientError(
                {"Error": {"Code": "NoSuchKey", "Message": "The specified key does not exist."}}, "GetObject"
            )
        body = self.objects[Key]
        if Range:
            first, last = (int(n) for n in Range.removeprefix("bytes=").split("-"))
            body = body[first : last + 1]
        return {"Body": io.BytesIO(body)}


class Events:
    def __init__(self):
        self.tracking_ids: list[str] = []

    def put_events(self, **request):
        self.tracking_ids.append(request["trackingId"])


class FakeOutputs(StackOutputs):
    def __init__(self, outputs: dict):
        super().__init__("dev", copy.deepcopy(outputs))
        self.clients = {"personalize-runtime": Runtime(), "s3": S3(), "personalize-events": Events()}

    def client(self, service: str):
        return self.clients[service]


def test_a_recommender_experiment_is_asked_by_its_recommender_arn_with_the_groups_filter():
    outputs = FakeOutputs(GROUPED)
    recommender = Recommender(outputs, "for-you")
    assert (recommender.campaign_arn, recommender.recommender_arn) == (None, arn("recommender", "for-you"))
    items = recommender.recommend(user_id="u1", num_results=5, filter="no-purchases")
    assert items == [{"itemId": "i1", "score": 0.5}, {"itemId": "i2", "score": None}]
    assert outputs.clients["personalize-runtime"].requests == [
        (
            "GetRecommendations",
            {
                "recommenderArn": arn("recommender", "for-you"),
                "numResults": 5,
                "userId": "u1",
                "filterArn": SHOP_FILTERS["no-purchases"],
            },
        )
    ]


def test_a_campaign_experiment_still_asks_its_campaign_in_old_and_new_outputs():
    for source, name in ((LEGACY, "baseline"), (GROUPED, "custom")):
        outputs = FakeOutputs(source)
        Recommender(outputs, name).recommend(user_id="u1", num_results=3)
        [(_, request)] = outputs.clients["personalize-runtime"].requests
        assert request == {"campaignArn": arn("campaign", name), "numResults": 3, "userId": "u1"}


def test_the_requests_fit_botocores_model_of_the_runtime():
    """The stub takes anything: botocore's own validation says whether the service would."""
    from botocore.session import get_session
    from botocore.validate import ParamValidator

    model = get_session().get_service_model("personalize-runtime")
    outputs = FakeOutputs(GROUPED)
    Recommender(outputs, "for-you").recommend(user_id="u1", filter="cheap")
    Recommender(outputs, "custom").rank("u1", ["i1", "i2"], filter="cheap")
    for operation, request in outputs.clients["personalize-runtime"].requests:
        report = ParamValidator().validate(request, model.operation_model(operation).input_shape)
        assert not report.has_errors(), report.generate_report()


def test_a_recommender_has_no_ranking():
    with pytest.raises(ValueError, match="for-you is served by a recommender, and GetPersonalizedRanking"):
        Recommender(FakeOutputs(GROUPED), "for-you").rank("u1", ["i1"])


def test_a_recommender_experiment_not_deployed_yet_names_the_missing_output():
    outputs = copy.deepcopy(GROUPED)
    del outputs["experiments"]["for-you"]["recommenderArn"]
    with pytest.raises(OutputsError, match="experiment for-you has no output 'recommenderArn'"):
        Recommender(FakeOutputs(outputs), "for-you")


def test_an_unknown_way_of_serving_is_an_error_not_a_guess():
    outputs = copy.deepcopy(GROUPED)
    outputs["experiments"]["custom"]["servedBy"] = "endpoint"
    with pytest.raises(OutputsError, match="served by 'endpoint', which this release does not know"):
        Recommender(FakeOutputs(outputs), "custom")


def test_old_outputs_are_campaign_experiments_in_groups_of_their_own_name():
    outputs = FakeOutputs(LEGACY)
    baseline = outputs.experiment("baseline")
    assert (baseline.served_by, baseline.dataset_group, baseline.tracking_id) == (
        "campaign",
        "baseline",
        "tracking-baseline",
    )
    assert baseline.filters == {"no-purchases": arn("filter", "b-np")}
    assert outputs.dataset_groups == {} and outputs.group_names() == ["baseline", "similar"]


def test_the_tracker_and_filters_are_the_groups():
    outputs = FakeOutputs(GROUPED)
    for name in ("custom", "for-you"):
        experiment = outputs.experiment(name)
        assert (experiment.dataset_group, experiment.tracking_id) == ("shop", "tracking-shop")
        assert experiment.filters == SHOP_FILTERS
    assert outputs.experiment("movies").tracking_id is None


def test_an_experiment_in_a_group_never_takes_a_tracker_named_like_itself():
    # A group named like an experiment of another group: its tracker is not the experiment's.
    outputs = copy.deepcopy(GROUPED)
    outputs["moviesTrackingId"] = "tracking-of-a-group-named-movies"
    with pytest.raises(OutputsError, match="has no event tracker \\(output filmsTrackingId\\).*for its dataset group"):
        FakeOutputs(outputs).experiment("movies").require_tracking_id()


def test_the_unknown_user_check_reads_the_user_index_of_the_experiments_version(cli):
    for source, name in ((LEGACY, "baseline"), (GROUPED, "for-you")):
        outputs = FakeOutputs(source)
        # u15 sorts between u1 and u2: the block that would hold it is read.
        code, _, err = cli(outputs, ["recommend", "--experiment", name, "--user", "u15"])
        assert code == 2 and f"unknown user id 'u15': no interactions in dataset version v1 of experiment {name}" in err
        assert outputs.clients["personalize-runtime"].requests == []
        if name == "baseline":
            # The manifest, then the index's directory and its one block: never the interactions.
            assert outputs.clients["s3"].keys == ["datasets/v1/manifest.json", *["datasets/v1/user-index.bin"] * 2]
        else:
            # The same version again: its directory and block come from the local cache.
            assert outputs.clients["s3"].keys == ["datasets/v1/manifest.json"]


def test_a_recommender_takes_its_dataset_version_from_its_group_if_it_has_none():
    outputs = copy.deepcopy(GROUPED)
    del outputs["experiments"]["for-you"]["datasetVersion"]
    outputs["datasetGroups"]["shop"]["datasetVersion"] = "v7"
    assert FakeOutputs(outputs).experiment("for-you").dataset_version == "v7"


def test_batch_for_a_recommender_is_refused_before_anything_is_uploaded(tmp_path):
    outputs = FakeOutputs(GROUPED)
    with pytest.raises(ValueError, match="for-you is served by a recommender, which has no solution version"):
        recommend_batch(outputs, "for-you", ["u1"], str(tmp_path / "out.csv"))
    assert outputs.clients["s3"].keys == []


@pytest.fixture
def cli(monkeypatch, capsys):
    """cli(outputs, argv) -> (exit code, stdout, stderr), the outputs a FakeOutputs."""
    import serving.__main__ as module

    def run(outputs: FakeOutputs, argv: list[str]):
        monkeypatch.setattr(module.StackOutputs, "from_file", classmethod(lambda cls, stack, path: outputs))
        code = main([argv[0], "--stack", "dev", "--outputs-json", "unused.json", *argv[1:]])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_recommend_prints_a_recommenders_answer_and_its_arn_in_json(cli):
    outputs = FakeOutputs(GROUPED)
    code, out, err = cli(outputs, ["recommend", "--experiment", "for-you", "--user", "u1", "--num", "2", "--json"])
    assert (code, err) == (0, "")
    printed = json.loads(out)
    assert printed["recommenderArn"] == arn("recommender", "for-you") and "campaignArn" not in printed
    assert [item["itemId"] for item in printed["items"]] == ["i1", "i2"]


def test_recommend_rank_on_a_recommender_is_refused_before_the_user_check(cli):
    outputs = FakeOutputs(GROUPED)
    code, _, err = cli(outputs, ["recommend", "--experiment", "for-you", "--user", "u1", "--rank", "i1,i2"])
    assert code == 2 and "GetPersonalizedRanking takes a campaign only" in err
    assert outputs.clients["s3"].keys == []


def events_file(tmp_path) -> str:
    path = tmp_path / "events.csv"
    path.write_text("USER_ID,ITEM_ID,EVENT_TYPE,TIMESTAMP\nu1,i1,click,1700000000\n")
    return str(path)


@pytest.mark.parametrize(
    "source, target, tracking_id, said",
    [
        (GROUPED, ["--experiment", "for-you"], "tracking-shop", "experiment for-you (dataset group shop)"),
        (GROUPED, ["--group", "shop"], "tracking-shop", "dataset group shop"),
        (LEGACY, ["--experiment", "baseline"], "tracking-baseline", "experiment baseline in"),
        (LEGACY, ["--group", "baseline"], "tracking-baseline", "dataset group baseline"),
    ],
)
def test_put_events_finds_the_tracker_through_the_group(cli, tmp_path, source, target, tracking_id, said):
    outputs = FakeOutputs(source)
    code, out, err = cli(outputs, ["put-events", *target, "--file", events_file(tmp_path)])
    assert (code, err) == (0, "")
    assert outputs.clients["personalize-events"].tracking_ids == [tracking_id]
    assert f"sent 1 events to the event tracker of {said}" in out


@pytest.mark.parametrize(
    "target, message",
    [
        (["--group", "films"], "dataset group films has no event tracker (output filmsTrackingId)"),
        (["--group", "nope"], "no dataset group 'nope'; its dataset groups: films, shop"),
        (["--experiment", "movies"], "experiment movies has no event tracker (output filmsTrackingId)"),
    ],
)
def test_put_events_without_a_tracker_names_the_group(cli, tmp_path, target, message):
    outputs = FakeOutputs(GROUPED)
    code, _, err = cli(outputs, ["put-events", *target, "--file", events_file(tmp_path)])
    assert code == 2 and message in err, err
    assert outputs.clients["personalize-events"].tracking_ids == []


def test_put_events_takes_an_experiment_or_a_group_not_both(cli, tmp_path):
    with pytest.raises(SystemExit):
        cli(FakeOutputs(GROUPED), ["put-events", "--experiment", "custom", "--group", "shop", "--file", "x.csv"])
