"""Nothing is lost on kill -9: Personalize resources, their statuses, the
emulator clock, and moto's S3/IAM objects all come back on restart."""

from tests.helpers.data import INTERACTIONS_SCHEMA, interactions_csv
from tests.helpers.roles import personalize_role


def test_everything_survives_kill_9(start_emulator):
    first = start_emulator()
    s3, iam, p = first.client("s3"), first.client("iam"), first.client("personalize")
    s3.create_bucket(Bucket="survivor")
    s3.put_object(Bucket="survivor", Key="data/interactions.csv", Body=interactions_csv(seed=5))
    s3.put_object(Bucket="survivor", Key="gone.txt", Body=b"x")
    s3.delete_object(Bucket="survivor", Key="gone.txt")
    role = personalize_role(iam, s3, "survivor", "survivor")
    group = p.create_dataset_group(name="survivor", tags=[{"tagKey": "k", "tagValue": "v"}])["datasetGroupArn"]
    first.advance()
    schema = p.create_schema(name="survivor", schema=INTERACTIONS_SCHEMA)["schemaArn"]
    dataset = p.create_dataset(name="survivor", schemaArn=schema, datasetGroupArn=group, datasetType="Interactions")[
        "datasetArn"
    ]
    first.advance()
    job = p.create_dataset_import_job(
        jobName="survivor", datasetArn=dataset, roleArn=role, dataSource={"dataLocation": "s3://survivor/data/"}
    )["datasetImportJobArn"]
    first.advance()
    solution = p.create_solution(name="survivor", datasetGroupArn=group)["solutionArn"]
    first.advance()
    version = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    first.advance()
    assert p.describe_solution_version(solutionVersionArn=version)["solutionVersion"]["status"] == "ACTIVE"
    campaign = p.create_campaign(name="survivor", solutionVersionArn=version)["campaignArn"]
    assert p.describe_campaign(campaignArn=campaign)["campaign"]["status"] == "CREATE PENDING"
    first.kill()
    with open(first.state_dir / "moto-wal.jsonl", "a") as log:  # as if killed mid-write
        log.write('{"environ": {"REQUEST_METHOD": "PU')

    second = start_emulator()
    s3, iam, p = second.client("s3"), second.client("iam"), second.client("personalize")
    assert s3.get_object(Bucket="survivor", Key="data/interactions.csv")["Body"].read() == interactions_csv(seed=5)
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="survivor")["Contents"]] == ["data/interactions.csv"]
    assert iam.get_role(RoleName="survivor")["Role"]["Arn"] == role
    assert p.describe_dataset_group(datasetGroupArn=group)["datasetGroup"]["status"] == "ACTIVE"
    assert p.list_tags_for_resource(resourceArn=group)["tags"] == [{"tagKey": "k", "tagValue": "v"}]
    assert p.describe_dataset_import_job(datasetImportJobArn=job)["datasetImportJob"]["status"] == "ACTIVE"
    assert p.describe_solution_version(solutionVersionArn=version)["solutionVersion"]["status"] == "ACTIVE"
    assert "coverage" in p.get_solution_metrics(solutionVersionArn=version)["metrics"]
    assert p.describe_campaign(campaignArn=campaign)["campaign"]["status"] == "CREATE PENDING"  # the clock kept
    second.advance()
    assert p.describe_campaign(campaignArn=campaign)["campaign"]["status"] == "ACTIVE"
    items = second.client("personalize-runtime").get_recommendations(campaignArn=campaign, userId="u1")["itemList"]
    assert len(items) == 25
    s3.put_object(Bucket="survivor", Key="after-restart.txt", Body=b"y")
    second.kill()

    third = start_emulator()
    keys = [o["Key"] for o in third.client("s3").list_objects_v2(Bucket="survivor")["Contents"]]
    assert keys == ["after-restart.txt", "data/interactions.csv"]
    assert third.stop() == 0


def test_multipart_uploads_survive_a_restart(start_emulator, tmp_path):
    """Large files go up in parts (boto3 does it above 8 MB): the parts name an
    upload id moto made up, which a replay must map to the one it makes up anew."""
    from boto3.s3.transfer import TransferConfig

    first = start_emulator()
    s3 = first.client("s3")
    s3.create_bucket(Bucket="big")
    data = tmp_path / "big.bin"
    data.write_bytes(bytes(range(256)) * (5 * 1024 * 1024 // 256 * 3))  # 15 MiB: three 5 MiB parts
    s3.upload_file(
        str(data),
        "big",
        "big.bin",
        Config=TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024),
    )
    first.kill()

    second = start_emulator()
    assert second.client("s3").get_object(Bucket="big", Key="big.bin")["Body"].read() == data.read_bytes()
    assert second.stop() == 0
