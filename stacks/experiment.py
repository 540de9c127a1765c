"""One component per experiment, so the preview tree reads like the design."""

import pulumi

from providers.local_record import LocalRecord
from stacks.config import Experiment


class ExperimentComponent(pulumi.ComponentResource):
    def __init__(self, experiment: Experiment, record_store: str, opts: pulumi.ResourceOptions | None = None):
        super().__init__("personalize:experiment:Experiment", experiment.name, None, opts)
        # Stand-in until the Personalize providers land (issue #4).
        self.record = LocalRecord(
            f"{experiment.name}-plan", store=record_store, name=experiment.name,
            settings={
                "recipeArn": experiment.recipe_arn,
                "datasetVersion": experiment.dataset_version,
                "minProvisionedTPS": experiment.min_provisioned_tps,
            },
            opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({"revision": self.record.revision})
