"""personalize-runtime: recommendations and rankings from a campaign's current
solution version (the previous one keeps serving while an update runs)."""

import uuid

from .dataplane import DataPlane
from .errors import ServiceError, invalid, not_found

SERVING = ("ACTIVE",)  # a campaign being updated stays ACTIVE and serves its old version


class Runtime(DataPlane):
    def _serving(self, params: dict) -> tuple[str, dict]:
        """The model directory answering for the campaign or recommender, and the
        inputs every inference call takes (filter, its values, the data)."""
        control = self.control
        arn = params.get("campaignArn") or params.get("recommenderArn")
        if not arn:
            raise invalid("One of campaignArn or recommenderArn is required.")
        key = "recommender" if ":recommender/" in arn else "campaign"
        try:
            served = control.get(key, arn)
        except ServiceError:
            raise not_found(arn) from None
        if served["status"] not in SERVING:
            raise not_found(arn)
        if key == "campaign":
            version = control.serving_version(served)
            model_dir = control.model_dir(version)
            group, recipe = (control.store.get(version)[k] for k in ("datasetGroupArn", "recipeArn"))
        else:
            model_dir, group, recipe = (
                control.recommender_model_dir(arn),
                served["datasetGroupArn"],
                served["recipeArn"],
            )
        inputs = {
            "dataset_group_dir": str(control.dataset_group_dir(group)),
            "filter_values": params.get("filterValues"),
            "context": params.get("context"),
        }
        if params.get("filterArn"):
            inputs["filter"] = control.get("filter", params["filterArn"])["filterExpression"]
        return str(model_dir), {**inputs, "_recipe": recipe}

    def _call(self, function, *args, **kwargs):
        try:
            return function(*args, **kwargs)
        except ValueError as error:
            raise invalid(str(error)) from None

    def GetRecommendations(self, p: dict) -> dict:
        from . import ml

        model_dir, inputs = self._serving(p)
        inputs.pop("_recipe")
        if not p.get("userId") and not p.get("itemId"):
            raise invalid("userId or itemId is required.")
        items = self._call(
            ml.recommend,
            model_dir,
            user_id=p.get("userId"),
            item_id=p.get("itemId"),
            num_results=p.get("numResults") or 25,
            **inputs,
        )
        return {"itemList": items, "recommendationId": f"RID-{uuid.uuid4()}"}

    def GetPersonalizedRanking(self, p: dict) -> dict:
        from . import ml

        model_dir, inputs = self._serving(p)
        inputs.pop("_recipe")
        ranked = self._call(ml.rank, model_dir, p["userId"], p["inputList"], **inputs)
        return {"personalizedRanking": ranked, "recommendationId": f"RID-{uuid.uuid4()}"}

    def GetActionRecommendations(self, p: dict) -> dict:
        from . import ml

        model_dir, inputs = self._serving(p)
        if not inputs.pop("_recipe").endswith("/aws-next-best-action"):  # actions come only from that recipe
            raise invalid(f"{p['campaignArn']} does not serve an aws-next-best-action solution version.")
        inputs.pop("context")
        actions = self._call(
            ml.recommend, model_dir, user_id=p.get("userId"), num_results=p.get("numResults") or 5, **inputs
        )
        return {
            "actionList": [{"actionId": a["itemId"], "score": a.get("score")} for a in actions],
            "recommendationId": f"RID-{uuid.uuid4()}",
        }
