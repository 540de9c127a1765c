"""UpdateSolution's solutionUpdateConfig becomes the solution's own config: what
DescribeSolution reports in solutionConfig afterwards, and what the next version
trains with. Source: https://docs.aws.amazon.com/personalize/latest/dg/API_SolutionUpdateConfig.html
(and API_UpdateSolution.html)."""

RECIPE = "arn:aws:personalize:::recipe/"
EVENTS = {"eventParametersList": [{"eventType": "click", "weight": 0.5}]}


def test_events_config_given_to_update_solution_is_merged_into_solution_config(emulator, p, trained, unique):
    solution = p.create_solution(
        name=f"evup-{unique}",
        datasetGroupArn=trained["group"],
        recipeArn=RECIPE + "aws-user-personalization-v2",
        performAutoTraining=True,
        solutionConfig={"autoTrainingConfig": {"schedulingExpression": "rate(5 days)"}},
    )["solutionArn"]
    emulator.advance(60)
    p.update_solution(solutionArn=solution, performAutoTraining=False, solutionUpdateConfig={"eventsConfig": EVENTS})
    emulator.advance(600)
    described = p.describe_solution(solutionArn=solution)["solution"]
    assert described["latestSolutionUpdate"]["status"] == "ACTIVE"
    assert described["solutionConfig"]["eventsConfig"] == EVENTS
    assert described["solutionConfig"]["autoTrainingConfig"] == {"schedulingExpression": "rate(5 days)"}
    version = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    trained_with = p.describe_solution_version(solutionVersionArn=version)["solutionVersion"]["solutionConfig"]
    assert trained_with["eventsConfig"] == EVENTS
