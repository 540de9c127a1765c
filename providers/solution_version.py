"""Solution version: one training run, the model a campaign serves. The API can
neither update nor delete one: a change (or a `triggers` change, e.g. a new
dataset version) trains a new version, and deleting the resource stops a
training still in progress and leaves a finished version in the service."""

from typing import Any

from providers.lifecycle import PersonalizeProvider, PersonalizeResource, client, progress


class SolutionVersionProvider(PersonalizeProvider):
    kind = "solution version"
    create_op, describe_op = "CreateSolutionVersion", "DescribeSolutionVersion"
    arn_member, description_key = "solutionVersionArn", "solutionVersion"
    defaults = {"trainingMode": "FULL"}
    failed_statuses = ("CREATE FAILED", "CREATE STOPPED")
    extra_outputs = ("trainingHours", "recipeArn", "failureReason")

    def more_outputs(self, props: dict[str, Any], description: dict[str, Any]) -> dict[str, Any]:
        if description.get("status") != "ACTIVE":
            return {"metrics": None}
        metrics = client(props).get_solution_metrics(solutionVersionArn=description["solutionVersionArn"])["metrics"]
        return {"metrics": metrics}

    def delete_without_api(self, arn: str, props: dict[str, Any]) -> None:
        api = client(props)
        description = self.describe(api, arn)
        if description and description.get("status") in ("CREATE PENDING", "CREATE IN_PROGRESS"):
            api.stop_solution_version_creation(solutionVersionArn=arn)
            progress(f"stopped the training of {arn}")


class SolutionVersion(PersonalizeResource, module="personalize", name="SolutionVersion"):
    provider_class = SolutionVersionProvider
    output_names = ("metrics", "trainingHours")
