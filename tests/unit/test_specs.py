"""The resource specs: what they derive from botocore's model is there, and a
resource module overrides nothing of the shared lifecycle but its hooks."""

import importlib
import pkgutil

import botocore.session
import pytest

import providers
from providers.lifecycle import PersonalizeProvider
from service import specs

MODEL = botocore.session.get_session().get_service_model("personalize")
HOOKS = {
    "normalise",
    "problems",
    "change_problems",
    "start_problems",
    "replaced_by",
    "update_request",
    "before_create",
    "start",
    "not_started",
    "not_started_status",
    "after_create",
    "before_update",
    "after_update",
    "keep_instead_of_delete",
    "after_delete",
    "delete_without_api",
    "more_outputs",
    "observed_value",
    "described",
}
DATA = {"spec", "own_inputs", "own_settings", "computed_outputs", "declared_only"}


@pytest.mark.parametrize("spec", specs.ALL, ids=lambda s: s.noun)
def test_every_derived_operation_and_member_is_in_the_model(spec):
    # Every operation the policies grant for the type (stacks/ci_policies.py), also_calls included.
    for op in spec.operations:
        assert op in MODEL.operation_names
    assert spec.arn_member in MODEL.operation_model(spec.create_op).output_shape.members
    listed = MODEL.operation_model(spec.list_op).output_shape.members[spec.list_key].member
    assert spec.arn_member in listed.members
    # Adoption by name reads the name from the list: every type but a version lists it
    # (a version's is described: SolutionVersionProvider.start).
    assert (spec.name_member in listed.members) == (spec.noun != "SolutionVersion")
    for member in (*spec.updatable, *spec.defaults, spec.name_member):
        assert member in spec.create_members
    # A read compares what the service describes with these: it must describe them.
    for member in spec.service_defaults:
        assert member in spec.create_members and member in spec.described_members


def test_the_api_deletes_all_but_jobs_and_versions():
    undeletable = {s.noun for s in specs.ALL if s.delete_op is None}
    assert undeletable == {
        "DatasetImportJob",
        "SolutionVersion",
        "BatchInferenceJob",
        "DatasetExportJob",
        "BatchSegmentJob",
    }
    # A metric attribution's update shows on its own status: it has no latest...Update.
    assert {s.noun: s.update_status_key for s in specs.ALL if s.update_op} == {
        "Dataset": "latestDatasetUpdate",
        "Solution": "latestSolutionUpdate",
        "Campaign": "latestCampaignUpdate",
        "Recommender": "latestRecommenderUpdate",
        "MetricAttribution": None,
    }


def test_taggable_types_are_the_ones_the_tagging_page_lists():
    # https://docs.aws.amazon.com/personalize/latest/dg/tagging-resources.html: all but
    # schemas and metric attributions, whose create takes no tags.
    assert {s.noun for s in specs.ALL if not s.taggable} == {"Schema", "MetricAttribution"}


def provider_classes():
    for module in pkgutil.iter_modules(providers.__path__):
        loaded = importlib.import_module(f"providers.{module.name}")
        for value in vars(loaded).values():
            if isinstance(value, type) and issubclass(value, PersonalizeProvider) and value is not PersonalizeProvider:
                yield value


@pytest.mark.parametrize(
    "provider_class", sorted(set(provider_classes()), key=lambda c: c.__name__), ids=lambda c: c.__name__
)
def test_a_resource_module_declares_data_and_hooks_only(provider_class):
    own = {name for name in vars(provider_class) if not name.startswith("__")}
    private_helpers = {name for name in own if name.startswith("_") and not name.startswith("__")}
    assert own - private_helpers <= HOOKS | DATA, own - private_helpers - HOOKS - DATA
    assert provider_class.spec in specs.ALL
