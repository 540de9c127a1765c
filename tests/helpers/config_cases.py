"""Stack configs for the config tests: a good experiment, and the bad configs
(the raw config, the key and value the error names, and part of what it says is
allowed), checked by stacks.config.parse (tests/unit/test_config.py) and by the
whole program (tests/unit/test_program.py)."""

GOOD = {"name": "popular", "recipe": "aws-popularity-count", "datasetVersion": "v1"}
ROLE = "arn:aws:iam::123456789012:role/p"

BAD = [
    ({}, "experiments", None, "a non-empty list of experiments"),
    ({"experiments": []}, "experiments", [], "a non-empty list of experiments"),
    (
        {"experiments": [GOOD], "experiment": 1},
        "personalize.experiment",
        1,
        "one of the keys experiments, connection, storage, waits, training, promotion",
    ),
    ({"experiments": [dict(GOOD, recipee="x")]}, "experiments[0].recipee", "x", "one of the keys name, recipe"),
    ({"experiments": [dict(GOOD, recipe="aws-nope")]}, "experiments[0].recipe", "aws-nope", "aws-user-personalization"),
    (
        {"experiments": [dict(GOOD, minProvisionedTPS=0)]},
        "experiments[0].minProvisionedTPS",
        0,
        "an integer of at least 1",
    ),
    (
        {"experiments": [dict(GOOD, minProvisionedTPS="2")]},
        "experiments[0].minProvisionedTPS",
        "2",
        "an integer of at least 1",
    ),
    (
        {"experiments": [dict(GOOD, minProvisionedTPS=True)]},
        "experiments[0].minProvisionedTPS",
        True,
        "an integer of at least 1",
    ),
    (
        {"experiments": [{k: v for k, v in GOOD.items() if k != "datasetVersion"}]},
        "experiments[0].datasetVersion",
        None,
        "the name of an exported dataset version",
    ),
    (
        {"experiments": [dict(GOOD, datasetVersion="v1/../../etc")]},
        "experiments[0].datasetVersion",
        "v1/../../etc",
        "letters, digits",
    ),
    ({"experiments": [GOOD, GOOD]}, "experiments[1].name", "popular", "a name no other experiment of this stack uses"),
    (
        {"experiments": [dict(GOOD, name="Has Space")]},
        "experiments[0].name",
        "Has Space",
        "lower-case letters, digits and hyphens",
    ),
    ({"experiments": [dict(GOOD, name="x" * 31)]}, "experiments[0].name", "x" * 31, "at most 30 characters"),
    (
        {"experiments": [dict(GOOD, trainingMode="SOMETIMES")]},
        "experiments[0].trainingMode",
        "SOMETIMES",
        "FULL, UPDATE",
    ),
    (
        {"experiments": [dict(GOOD, trainingMode="UPDATE")]},
        "experiments[0].trainingMode",
        "UPDATE",
        "UPDATE only with aws-user-personalization",
    ),
    # Issue 14, recipe rules (common/recipes.py): what the service documents for other recipes only.
    (
        {"experiments": [dict(GOOD, recipe="aws-user-personalization-v2", trainingMode="UPDATE")]},
        "experiments[0].trainingMode",
        "UPDATE",
        "FULL for aws-user-personalization-v2; UPDATE only with aws-user-personalization",
    ),
    (
        {
            "experiments": [
                dict(
                    GOOD,
                    recipe="aws-user-personalization-v2",
                    campaignConfig={"itemExplorationConfig": {"explorationWeight": "0.3"}},
                )
            ]
        },
        "experiments[0].campaignConfig.itemExplorationConfig",
        {"explorationWeight": "0.3"},
        "no itemExplorationConfig for aws-user-personalization-v2; only with aws-user-personalization",
    ),
    (
        {
            "experiments": [
                dict(
                    GOOD,
                    recipe="aws-user-personalization",
                    solutionConfig={"eventsConfig": {"eventParametersList": [{"eventType": "click", "weight": 0.5}]}},
                )
            ]
        },
        "experiments[0].solutionConfig.eventsConfig",
        {"eventParametersList": [{"eventType": "click", "weight": 0.5}]},
        "only with aws-user-personalization-v2, aws-personalized-ranking-v2",
    ),
    (
        {"experiments": [dict(GOOD, recipe="aws-similar-items")]},
        "experiments[0].recipe",
        "aws-similar-items",
        "a recipe that trains on the datasets this stack creates (INTERACTIONS); aws-similar-items also needs ITEMS",
    ),
    ({"experiments": [dict(GOOD, eventTracker="yes")]}, "experiments[0].eventTracker", "yes", "true or false"),
    (
        {"experiments": [dict(GOOD, filters={"Bad Name": "x"})]},
        "experiments[0].filters.Bad Name",
        "Bad Name",
        "filter names",
    ),
    ({"experiments": [dict(GOOD, filters={"f": 3})]}, "experiments[0].filters.f", 3, "a filter expression string"),
    ({"experiments": [dict(GOOD, campaignConfig="fast")]}, "experiments[0].campaignConfig", "fast", "a mapping"),
    (
        {"experiments": [dict(GOOD, name=f"e{i}") for i in range(6)]},
        "experiments",
        "6 experiments",
        "per-region quota of dataset groups",
    ),
    (
        {"experiments": [GOOD], "storage": {"bucketName": ""}},
        "storage.bucketName",
        "",
        "the name of an existing bucket",
    ),
    (
        {"experiments": [GOOD], "storage": {"bucket": "x"}},
        "storage.bucket",
        "x",
        "one of the keys bucketName, roleArn, kmsKeyArn",
    ),
    (
        {"experiments": [GOOD], "storage": {"bucketName": "b", "roleArn": ROLE, "kmsKeyArn": "k"}},
        "storage.kmsKeyArn",
        "k",
        "only with a bucket the program creates",
    ),
    (
        {"experiments": [GOOD], "storage": {"bucketName": "lake"}},
        "storage.roleArn",
        None,
        "bring both bucketName and roleArn",
    ),
    ({"experiments": [GOOD], "connection": {"endpoint": 4599}}, "connection.endpoint", 4599, "an endpoint URL"),
    (
        {"experiments": [GOOD], "waits": {"createSeconds": -5}},
        "waits.createSeconds",
        -5,
        "a positive number of seconds",
    ),
    ({"experiments": [GOOD], "waits": {"forever": 1}}, "waits.forever", 1, "one of the keys createSeconds"),
    ({"experiments": ["popular"]}, "experiments[0]", "popular", "a mapping"),
    (
        {"experiments": [dict(GOOD, batchInference={})]},
        "experiments[0].batchInference.inputKey",
        None,
        "an object key in the data bucket",
    ),
    (
        {"experiments": [dict(GOOD, batchInference={"inputKey": "u.jsonl", "numResults": 501})]},
        "experiments[0].batchInference.numResults",
        501,
        "an integer from 1 to 500",
    ),
    (
        {"experiments": [dict(GOOD, batchInference={"inputKey": "u.jsonl", "filter": "nope"})]},
        "experiments[0].batchInference.filter",
        "nope",
        "one of this experiment's filters: none declared",
    ),
    ({"experiments": [GOOD], "training": {"wait": "no"}}, "training.wait", "no", "true (up waits"),
    ({"experiments": [GOOD], "training": {"timeout": 1}}, "training.timeout", 1, "one of the keys wait"),
    (
        {"experiments": [GOOD], "promotion": {"metric": "auc"}},
        "promotion.metric",
        "auc",
        "normalized_discounted_cumulative_gain_at_10",
    ),
    (
        {"experiments": [GOOD], "promotion": {"metric": "validation.mrr"}},
        "promotion.metric",
        "validation.mrr",
        "set promotion.validationUsers",
    ),
    (
        {"experiments": [GOOD], "promotion": {"minImprovement": 2}},
        "promotion.minImprovement",
        2,
        "a number from -1 to 1",
    ),
    ({"experiments": [GOOD], "promotion": {"onReject": "keep"}}, "promotion.onReject", "keep", "warn, fail"),
    (
        {"experiments": [GOOD], "promotion": {"validationUsers": 0}},
        "promotion.validationUsers",
        0,
        "an integer from 1 to 100000",
    ),
    (
        {"experiments": [dict(GOOD, batchInference={"inputKey": "users.jsonl"})]},
        "experiments[0].batchInference.inputKey",
        "users.jsonl",
        "a key under batch-input/, which Personalize may read",
    ),
    # Issue #13, finding 3: a region typo planned the replacement of everything.
    (
        {"experiments": [GOOD], "connection": {"region": "us-east-l"}},
        "connection.region",
        "us-east-l",
        "a region where Amazon Personalize is offered: ap-northeast-1",
    ),
    # Finding 7: values accepted at preview that fail later or never.
    (
        {"experiments": [dict(GOOD, campaignConfig={"itemExplorationConfig": {"explorationWeight": "3.0"}})]},
        "experiments[0].campaignConfig.itemExplorationConfig.explorationWeight",
        "3.0",
        "a decimal from 0 to 1",
    ),
    (
        {"experiments": [dict(GOOD, campaignConfig={"itemExplorationConfig": {"explorationItemAgeCutOff": "0"}})]},
        "experiments[0].campaignConfig.itemExplorationConfig.explorationItemAgeCutOff",
        "0",
        "a positive number of days",
    ),
    (
        {"experiments": [dict(GOOD, campaignConfig={"itemExploration": {}})]},
        "experiments[0].campaignConfig.itemExploration",
        {},
        "what CreateCampaign's campaignConfig takes: is not a member; allowed: itemExplorationConfig",
    ),
    (
        {"experiments": [GOOD], "waits": {"initialPollSeconds": 5, "maxPollSeconds": 1}},
        "waits.maxPollSeconds",
        1,
        "at least initialPollSeconds (5)",
    ),
    (
        {"experiments": [dict(GOOD, minProvisionedTPS=1_000_000)]},
        "experiments[0].minProvisionedTPS",
        1_000_000,
        "at most 20, this stack's maxProvisionedTPS",
    ),
    (
        {"experiments": [GOOD], "maxProvisionedTPS": 0},
        "maxProvisionedTPS",
        0,
        "an integer of at least 1",
    ),
    # Finding 1: a filter the service refuses deleted the live one (same name) before failing.
    (
        {"experiments": [dict(GOOD, filters={"f": 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN "purchase"'})]},
        "experiments[0].filters.f",
        'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN "purchase"',
        "a filter expression as Amazon Personalize documents it",
    ),
    (
        {"experiments": [dict(GOOD, filters={"cheap": "INCLUDE ItemID WHERE Items.PRICE < 5"})]},
        "experiments[0].filters.cheap",
        "INCLUDE ItemID WHERE Items.PRICE < 5",
        "a filter on the datasets this group has (Interactions)",
    ),
]
