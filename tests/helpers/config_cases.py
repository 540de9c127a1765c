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
        "one of the keys experiments, datasetGroups, connection, storage, waits, training, promotion",
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
        "one of datasetGroup (a group of this stack, shared with other experiments) or datasetVersion",
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
        "6: e0, e1, e2, e3, e4, e5",
        "at most 5 dataset groups, the quota 'Total number of active dataset groups'",
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
        {"experiments": [GOOD], "promotion": {"confidence": 1.2}},
        "promotion.confidence",
        1.2,
        "a number from 0.5 to 0.999",
    ),
    ({"experiments": [GOOD], "promotion": {"minUsers": 0}}, "promotion.minUsers", 0, "an integer from 1 to 100000"),
    (
        {"experiments": [GOOD], "promotion": {"resamples": 10}},
        "promotion.resamples",
        10,
        "an integer from 100 to 20000",
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
    # The completion signal (stacks/completion.py): off by default; when on, somewhere to signal.
    (
        {"experiments": [GOOD], "completionSignal": {"enabled": True}},
        "completionSignal.enabled",
        True,
        "github, snsTopic or both when enabled is true",
    ),
    (
        {"experiments": [GOOD], "completionSignal": {"schedule": "every 5 minutes"}},
        "completionSignal.schedule",
        "every 5 minutes",
        "rate(N minutes), rate(N hours) or rate(N days)",
    ),
    (
        {"experiments": [GOOD], "completionSignal": {"schedule": "rate(1 minutes)"}},
        "completionSignal.schedule",
        "rate(1 minutes)",
        "rate(N minutes)",
    ),
    (
        {
            "experiments": [GOOD],
            "completionSignal": {
                "github": {"repository": "recs", "secretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:t"}
            },
        },
        "completionSignal.github.repository",
        "recs",
        "a GitHub repository as owner/name",
    ),
    (
        {"experiments": [GOOD], "completionSignal": {"github": {"repository": "a/b", "secretArn": "github-token"}}},
        "completionSignal.github.secretArn",
        "github-token",
        "the ARN of a Secrets Manager secret",
    ),
    (
        {
            "experiments": [GOOD],
            "completionSignal": {
                "github": {
                    "repository": "a/b",
                    "secretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:t",
                    "eventType": "x" * 101,
                }
            },
        },
        "completionSignal.github.eventType",
        "x" * 101,
        "an event type of 1 to 100 letters",
    ),
    (
        {"experiments": [GOOD], "completionSignal": {"snsTopic": "alerts"}},
        "completionSignal.snsTopic",
        "alerts",
        "the ARN of an SNS topic",
    ),
    (
        {"experiments": [GOOD], "completionSignal": {"github": {"repo": "a/b"}}},
        "completionSignal.github.repo",
        "a/b",
        "one of the keys repository, secretArn, eventType",
    ),
]

# Dataset groups (issue 15): a group shared by experiments, with a brought bucket.
BROUGHT = {"bucketName": "team-lake", "roleArn": ROLE}
GROUP = {"name": "retail", "datasetVersion": "v1"}
MEMBER = {"name": "popular", "recipe": "aws-popularity-count", "datasetGroup": "retail"}
SHOP = {"name": "shop", "datasetVersion": "v1", "domain": "ECOMMERCE"}
RECOMMENDED = {"name": "for-you", "recipe": "aws-ecomm-recommended-for-you", "datasetGroup": "shop"}


def grouped(*experiments, groups=(GROUP,), **more):
    return {"experiments": list(experiments), "datasetGroups": list(groups), "storage": BROUGHT, **more}


BAD += [
    (
        {"experiments": [dict(GOOD, datasetGroup="retail")], "datasetGroups": [GROUP], "storage": BROUGHT},
        "experiments[0].datasetGroup",
        "retail",
        "one of datasetGroup (a group of this stack, shared with other experiments) or datasetVersion",
    ),
    (
        grouped(dict(MEMBER, datasetGroup="shop")),
        "experiments[0].datasetGroup",
        "shop",
        "one of this stack's datasetGroups: retail",
    ),
    (
        {"experiments": [MEMBER], "datasetGroups": [GROUP]},
        "datasetGroups",
        ["retail"],
        "datasetGroups with a bucket the stack is brought",
    ),
    (grouped(MEMBER, groups=(GROUP, GROUP)), "datasetGroups[1].name", "retail", "a name no other dataset group uses"),
    (
        grouped(MEMBER, dict(GOOD, name="retail")),
        "datasetGroups[0].name",
        "retail",
        "nor an experiment with datasetVersion",
    ),
    (
        grouped(dict(MEMBER, eventTracker=True)),
        "experiments[0].eventTracker",
        True,
        "eventTracker on the experiment's dataset group",
    ),
    (
        grouped(dict(MEMBER, filters={"f": 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("x")'})),
        "experiments[0].filters",
        {"f": 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("x")'},
        "filters on the experiment's dataset group",
    ),
    (
        {"experiments": [dict(GOOD, recipe="aws-ecomm-recommended-for-you")]},
        "experiments[0].recipe",
        "aws-ecomm-recommended-for-you",
        "is a use case of a ECOMMERCE dataset group: set datasetGroup",
    ),
    (
        grouped(dict(RECOMMENDED, datasetGroup="retail")),
        "experiments[0].recipe",
        "aws-ecomm-recommended-for-you",
        "a domain recipe of the group's domain (none)",
    ),
    (
        grouped(dict(RECOMMENDED, minProvisionedTPS=2), groups=(SHOP,)),
        "experiments[0].minProvisionedTPS",
        2,
        "a domain recipe is served by a recommender",
    ),
    (
        grouped(dict(MEMBER, recommender={"minRecommendationRequestsPerSecond": 2})),
        "experiments[0].recommender",
        {
            "minRecommendationRequestsPerSecond": 2,
            "enableMetadataWithRecommendations": False,
            "itemExplorationConfig": None,
        },
        "a campaign for aws-popularity-count (a custom recipe)",
    ),
    (
        grouped(dict(RECOMMENDED, recommender={"minRecommendationRequestsPerSecond": 0}), groups=(SHOP,)),
        "experiments[0].recommender.minRecommendationRequestsPerSecond",
        0,
        "an integer of at least 1",
    ),
    (
        grouped(dict(MEMBER, recipe="aws-similar-items"), groups=(dict(GROUP, datasets=["interactions"]),)),
        "experiments[0].recipe",
        "aws-similar-items",
        "aws-similar-items also needs ITEMS",
    ),
    (
        # VIDEO_ON_DEMAND-use-cases.html: More like X trains on an Items dataset too.
        grouped(
            {"name": "more", "recipe": "aws-vod-more-like-x", "datasetGroup": "tv"},
            groups=({"name": "tv", "datasetVersion": "v1", "domain": "VIDEO_ON_DEMAND", "datasets": ["interactions"]},),
        ),
        "experiments[0].recipe",
        "aws-vod-more-like-x",
        "aws-vod-more-like-x also needs ITEMS",
    ),
    (
        grouped(MEMBER, groups=(dict(GROUP, datasets=["items"]),)),
        "datasetGroups[0].datasets",
        ["items"],
        "a list that includes interactions",
    ),
    (
        grouped(MEMBER, groups=(dict(GROUP, domain="RETAIL"),)),
        "datasetGroups[0].domain",
        "RETAIL",
        "ECOMMERCE, VIDEO_ON_DEMAND",
    ),
    (
        grouped(MEMBER, groups=(dict(GROUP, importMode="APPEND"),)),
        "datasetGroups[0].importMode",
        "APPEND",
        "FULL, INCREMENTAL",
    ),
    (
        grouped(dict(MEMBER, autoTraining={"schedule": "rate(40 days)"})),
        "experiments[0].autoTraining.schedule",
        "rate(40 days)",
        "rate(N days) with N from 1 to 30",
    ),
    (grouped(dict(MEMBER, performHPO=True)), "experiments[0].performHPO", True, "which has no hyperparameters to tune"),
    (
        grouped(dict(MEMBER, recipe="aws-sims", solutionConfig={"hpoConfig": {}})),
        "experiments[0].solutionConfig.hpoConfig",
        {},
        "hpoConfig only with performHPO: true",
    ),
    (
        grouped(dict(MEMBER, followLatest=True, batchInference={"inputKey": "batch-input/u.json"})),
        "experiments[0].batchInference",
        {"inputKey": "batch-input/u.json", "numResults": 25, "filter": None},
        "no batchInference with followLatest",
    ),
    (
        grouped(dict(MEMBER, campaignConfig={"syncWithLatestSolutionVersion": True})),
        "experiments[0].campaignConfig.syncWithLatestSolutionVersion",
        True,
        "followLatest on the experiment",
    ),
    (grouped(MEMBER, tags={"aws:team": "x"}), "tags.aws:team", "aws:team", "not starting with aws:"),
    (
        grouped(
            MEMBER,
            groups=(
                dict(
                    GROUP,
                    metricAttribution={
                        "metrics": [{"eventType": "purchase", "metricName": "m", "expression": "SUM(PRICE)"}]
                    },
                ),
            ),
        ),
        "datasetGroups[0].metricAttribution.metrics[0].expression",
        "SUM(PRICE)",
        "SUM(Items.<numeric field>) or SAMPLECOUNT()",
    ),
    (
        grouped(*[dict(MEMBER, name=f"e{i}") for i in range(11)]),
        "experiments",
        "11: e0, e1, e2, e3, e4, e5, e6, e7, e8, e9, e10",
        "at most 10 solutions in dataset group retail, the quota 'Total number of active solutions'",
    ),
    (
        grouped(*[dict(MEMBER, name=f"e{i}") for i in range(6)], quotas={"activeSolutions": 20}),
        "experiments",
        "6: e0, e1, e2, e3, e4, e5",
        "at most 5 campaigns in dataset group retail, the quota 'Total number of active campaigns'",
    ),
    (
        grouped(
            MEMBER,
            groups=(
                dict(
                    GROUP, filters={f"f{i}": 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("x")' for i in range(3)}
                ),
            ),
            quotas={"activeFilters": 2},
        ),
        "datasetGroups[0].filters",
        "3: f0, f1, f2",
        "at most 2 filters in dataset group retail, the quota 'Total number of filters'",
    ),
]
