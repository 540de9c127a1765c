"""personalize-events: live interactions (by a tracker's trackingId) and
item/user/action records (by dataset ARN) into the dataset stores."""

from .dataplane import DataPlane
from .errors import ServiceError, in_use, invalid, not_found


class Events(DataPlane):
    """Every operation answers with an empty body."""

    def _tracker(self, tracking_id: str) -> dict:
        for tracker in self.control._all("eventTracker"):
            if tracker["trackingId"] == tracking_id and tracker["status"] == "ACTIVE":
                return tracker
        raise ServiceError("ResourceNotFoundException", f"No event tracker with trackingId {tracking_id}.")

    def _append(self, tracking_id: str, dataset_type: str, events: list[dict]) -> None:
        from . import ml

        tracker = self._tracker(tracking_id)
        store = self.control.dataset_group_dir(tracker["datasetGroupArn"]) / dataset_type
        try:
            added = ml.append_events(str(store), events)
        except ValueError as error:
            raise invalid(str(error)) from None
        self.control.record_origin(store, "PUT", rows=added)  # what an export's PUT mode takes

    def PutEvents(self, p: dict) -> None:
        events = [
            {
                "userId": p.get("userId"),
                "itemId": e.get("itemId"),
                "eventType": e["eventType"],
                "eventValue": e.get("eventValue"),
                "sentAt": float(e["sentAt"]),
                "sessionId": p["sessionId"],
                "properties": e.get("properties"),
                "impression": e.get("impression"),
                "recommendationId": e.get("recommendationId"),
            }
            for e in p["eventList"]
        ]
        self._append(p["trackingId"], "INTERACTIONS", events)

    def PutActionInteractions(self, p: dict) -> None:
        events = [
            {
                "userId": e.get("userId"),
                "itemId": e.get("actionId"),
                "eventType": e["eventType"],
                "eventValue": None,
                "sentAt": float(e["timestamp"]),
                "sessionId": e.get("sessionId"),
                "properties": e.get("properties"),
                "impression": e.get("impression"),
            }
            for e in p["actionInteractions"]
        ]
        self._append(p["trackingId"], "ACTION_INTERACTIONS", events)

    def _put(self, p: dict, id_field: str, member: str, dataset_type: str) -> None:
        from . import ml

        try:
            dataset = self.control.get("dataset", p["datasetArn"])
        except ServiceError:
            raise not_found(p["datasetArn"]) from None
        if dataset["datasetType"] != dataset_type:
            raise invalid(f"{p['datasetArn']} is not an {dataset_type} dataset.")
        if dataset["status"] != "ACTIVE":
            raise in_use(f"{p['datasetArn']} is {dataset['status']}.")
        directory = self.control.dataset_dir(p["datasetArn"])
        try:
            ml.put_records(str(directory), id_field, p[member])
        except ValueError as error:
            raise invalid(str(error)) from None
        self.control.record_origin(directory, "PUT", ids=[record[id_field] for record in p[member]])

    def PutItems(self, p: dict) -> None:
        self._put(p, "itemId", "items", "ITEMS")

    def PutUsers(self, p: dict) -> None:
        self._put(p, "userId", "users", "USERS")

    def PutActions(self, p: dict) -> None:
        self._put(p, "actionId", "actions", "ACTIONS")
