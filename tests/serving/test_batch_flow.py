"""service.batch without a service: what a job's output says per user, where
it is read from, and how the commands name their jobs (names adopted on reruns
must not change)."""

import io
import json

import pytest

import service.batch as batch
from evaluation.validation import job_name as evaluation_job_name
from service.batch import (
    NO_OUTPUT,
    NO_RESULT_LINE,
    BatchFiles,
    BatchOutputMissing,
    parse_output,
    read_output,
    run_batch,
    write_users_file,
)
from serving.batch import _job_name as adhoc_job_name


class FakeS3:
    class exceptions:
        class NoSuchKey(Exception):
            pass

    def __init__(self, objects: dict[str, bytes] | None = None):
        self.objects = dict(objects or {})

    def put_object(self, Bucket: str, Key: str, Body: bytes):
        self.objects[f"{Bucket}/{Key}"] = Body

    def get_object(self, Bucket: str, Key: str):
        try:
            return {"Body": io.BytesIO(self.objects[f"{Bucket}/{Key}"])}
        except KeyError:
            raise self.exceptions.NoSuchKey(Key) from None


def line(user: str, output=None, error=None) -> str:
    return json.dumps({"input": {"userId": user}, "output": output, "error": error})


FILES = BatchFiles("bucket", "batch-input/adhoc/abc.jsonl", "batch-output/x/adhoc/d/")


def test_an_error_line_is_that_users_error_and_the_others_are_answered():
    lines = [
        line("u1", {"recommendedItems": ["a", "b"], "scores": [0.9, 0.1]}),
        line("u2", error="The filter expression needs a value for the placeholder $TYPE"),
        "",
        line("u3", {"recommendedItems": ["c"]}),
        line("u4", {"recommendedItems": ["d"]}, error="Throttled"),
    ]  # an error wins over a partial answer

    parsed = parse_output(lines, ["u1", "u2", "u3", "u4"])

    assert parsed.answers == {
        "u1": {"recommendedItems": ["a", "b"], "scores": [0.9, 0.1]},
        "u3": {"recommendedItems": ["c"]},
    }
    assert parsed.errors == {"u2": "The filter expression needs a value for the placeholder $TYPE", "u4": "Throttled"}


def test_an_empty_output_file_leaves_every_user_without_a_result_line():
    parsed = parse_output([], ["u1", "u2"])
    assert parsed.answers == {}
    assert parsed.errors == {"u1": NO_RESULT_LINE, "u2": NO_RESULT_LINE}


def test_a_line_without_output_is_an_error_but_an_empty_list_is_an_answer():
    parsed = parse_output([line("u1", None), line("u2", {}), line("u3", {"recommendedItems": []})], ["u1", "u2", "u3"])
    assert parsed.errors == {"u1": NO_OUTPUT, "u2": NO_OUTPUT}
    assert parsed.answers == {"u3": {"recommendedItems": []}}


def test_a_user_missing_from_the_output_is_named_in_the_order_asked():
    parsed = parse_output([line("u2", {"recommendedItems": ["a"]})], ["u3", "u2", "u1"])
    assert list(parsed.errors.items()) == [("u3", NO_RESULT_LINE), ("u1", NO_RESULT_LINE)]
    assert list(parsed.answers) == ["u2"]


def test_numeric_looking_ids_stay_text():
    parsed = parse_output(
        [json.dumps({"input": {"userId": "007"}, "output": {"recommendedItems": ["1"]}})], ["007", "7"]
    )
    assert list(parsed.answers) == ["007"] and parsed.errors == {"7": NO_RESULT_LINE}


def test_a_line_that_is_not_json_names_its_number():
    with pytest.raises(ValueError, match="line 2 of the batch inference job's output is not JSON"):
        parse_output([line("u1", {"recommendedItems": []}), "{truncated"], ["u1"])


def test_the_users_file_is_content_addressed():
    s3 = FakeS3()
    first = write_users_file(s3, "bucket", "evaluations/v1/", ["u1", "u2"], stem="users-")
    again = write_users_file(s3, "bucket", "evaluations/v1/", ["u1", "u2"], stem="users-")
    other = write_users_file(s3, "bucket", "evaluations/v1/", ["u2", "u1"], stem="users-")
    assert first == again != other
    assert first.startswith("evaluations/v1/users-") and first.endswith(".jsonl")
    assert s3.objects[f"bucket/{first}"] == b'{"userId": "u1"}\n{"userId": "u2"}\n'


def test_the_output_read_is_the_one_of_the_input_file():
    assert FILES.output_key == "batch-output/x/adhoc/d/abc.jsonl.out"
    s3 = FakeS3(
        {
            "bucket/batch-output/x/adhoc/d/abc.jsonl.out": (line("u1", {"recommendedItems": ["a"]}) + "\n").encode(),
            "bucket/batch-output/x/adhoc/d/other.jsonl.out": line("u9", {"recommendedItems": ["z"]}).encode(),
        }
    )
    assert [json.loads(text)["input"]["userId"] for text in read_output(s3, FILES, "arn:job")] == ["u1"]


def test_a_job_that_wrote_nothing_for_its_file_is_named():
    with pytest.raises(
        BatchOutputMissing, match="arn:job finished without writing s3://bucket/batch-output/x/adhoc/d/abc.jsonl.out"
    ):
        read_output(FakeS3(), FILES, "arn:job")


def test_run_batch_runs_the_request_as_given_and_parses_its_output(monkeypatch):
    calls = []

    def run(request, *, region, endpoint, waits=None):
        calls.append((request, region, endpoint, waits))
        return "arn:job"

    monkeypatch.setattr(batch, "run_batch_inference_job", run)
    s3 = FakeS3({f"bucket/{FILES.output_key}": (line("u1", {"recommendedItems": ["a"]}) + "\n").encode()})
    request = {**FILES.request(solutionVersionArn="arn:v", numResults=None), "jobName": "j"}

    result = run_batch(s3, FILES, request, ["u1", "u2"], region="r", endpoint="e", waits={"createSeconds": 1})

    assert calls == [
        (
            {
                "solutionVersionArn": "arn:v",
                "jobName": "j",
                "jobInput": {"s3DataSource": {"path": "s3://bucket/batch-input/adhoc/abc.jsonl"}},
                "jobOutput": {"s3DataDestination": {"path": "s3://bucket/batch-output/x/adhoc/d/"}},
            },
            "r",
            "e",
            {"createSeconds": 1},
        )
    ]
    assert (result.job_arn, result.output_uri) == ("arn:job", "s3://bucket/batch-output/x/adhoc/d/abc.jsonl.out")
    assert result.answers == {"u1": {"recommendedItems": ["a"]}} and result.errors == {"u2": NO_RESULT_LINE}


def test_run_batch_refuses_a_request_for_other_files(monkeypatch):
    monkeypatch.setattr(batch, "run_batch_inference_job", lambda *a, **k: pytest.fail("the job must not run"))
    other = BatchFiles("bucket", "batch-input/adhoc/other.jsonl", FILES.output_prefix)
    with pytest.raises(ValueError, match="jobInput and jobOutput"):
        run_batch(FakeS3(), FILES, {**other.request(), "jobName": "j"}, ["u1"], region=None, endpoint=None)


@pytest.mark.parametrize(
    "name, expected",
    [
        # The formats the commands used before bounded_name, for names that fit: kept.
        (adhoc_job_name("serving", "0123456789abcdef"), "adhoc-serving-0123456789abcdef"),
        (adhoc_job_name("e" * 40, "0123456789abcdef"), f"adhoc-{'e' * 40}-0123456789abcdef"),
        (adhoc_job_name("my.exp", "0123456789abcdef"), "adhoc-my-exp-0123456789abcdef"),
        (evaluation_job_name("v" * 49, "deadbeef" * 8), f"eval-{'v' * 49}-deadbeef"),
    ],
)
def test_job_names_that_fit_keep_their_format(name, expected):
    assert name == expected


def test_a_long_experiment_is_cut_but_its_digest_kept():
    name = adhoc_job_name("e" * 80, "0123456789abcdef")
    assert len(name) <= 63 and name.startswith("adhoc-eee") and name.endswith("-0123456789abcdef")
    assert name != adhoc_job_name("e" * 81, "0123456789abcdef")
