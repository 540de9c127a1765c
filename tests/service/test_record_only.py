"""A finished job's role is only recorded (#13, finding 2): changing
storage.roleArn replaced the import job under the same jobName, which the
service refuses, and import jobs cannot be deleted."""

from providers.dataset_import_job import DatasetImportJobProvider
from tests.helpers.providers import create, interactions_group
from tests.helpers.roles import personalize_role


def test_a_role_change_updates_the_record_and_runs_no_new_import(conn, seeded, aws):
    group = interactions_group(conn, "roles")
    provider = DatasetImportJobProvider()
    arn, outs = create(
        provider,
        conn,
        jobName="roles-v1",
        datasetArn=group["dataset"],
        roleArn=seeded["role"],
        dataSource={"dataLocation": f"s3://{seeded['bucket']}/datasets/v1/interactions.csv"},
    )
    other_role = personalize_role(aws("iam"), aws("s3"), "personalize-other", seeded["bucket"])
    news = provider.check(outs, {**outs, "roleArn": other_role}).inputs
    diff = provider.diff(arn, outs, news)
    assert diff.changes and diff.replaces == []
    updated = provider.update(arn, outs, news).outs
    assert updated["roleArn"] == other_role and updated["arn"] == arn
    jobs = aws("personalize").list_dataset_import_jobs(datasetArn=group["dataset"])["datasetImportJobs"]
    assert [j["jobName"] for j in jobs] == ["roles-v1"]
    # A refresh keeps the recorded role: the service's record of the old run is not drift.
    read = provider.read(arn, updated)
    assert read.inputs["roleArn"] == other_role
    assert not provider.diff(arn, read.outs, provider.check(read.outs, read.inputs).inputs).changes
