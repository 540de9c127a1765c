"""Each resource type's lifecycle, declared once: its ARN, how long creating
and deleting take, what must be gone before it can be deleted, and what goes
with it. Statuses are derived from the stored timestamps by `Lifecycle`."""

from collections.abc import Callable
from dataclasses import dataclass, field

from .clock import PENDING_SHARE, Clock
from .store import Store

BUSY_WORDS = ("PENDING", "IN_PROGRESS", "IN PROGRESS", "STOPPING")


@dataclass(frozen=True)
class Blocker:
    """Children of `kind` whose `field` equals our `own_field` forbid deletion
    (all of them, or only those still being created when busy_only)."""

    kind: str
    field: str
    own_field: str | None = None
    busy_only: bool = False
    statuses: tuple = ()  # only children in one of these statuses block (empty: any)
    dataset_type: str | None = None  # blocks only a dataset of this type


@dataclass(frozen=True)
class Kind:
    key: str  # Describe's output member; its ARN member is key + "Arn"
    arn_path: str  # after arn:aws:personalize:{region}:{account}:
    create: str | None  # duration name; None = ACTIVE at once, no status
    delete: str | None = "delete"  # duration name; None = gone at once
    deletable: bool = True  # has a Delete operation
    name_member: str = "name"
    blockers: tuple = ()
    cascade: tuple = ()  # (kind, field) removed with it
    statuses: tuple = ("CREATE PENDING", "CREATE IN_PROGRESS")
    done: str = "ACTIVE"  # the status once its creation worked
    failed: str = "CREATE FAILED"  # the status once its creation failed

    @property
    def arn_member(self) -> str:
        return self.key + "Arn"


KINDS = {
    kind.key: kind
    for kind in [
        # DeleteDatasetGroup: "you must delete ... event trackers, solutions, datasets"
        Kind(
            "datasetGroup",
            "dataset-group/{name}",
            "datasetGroup",
            blockers=(
                Blocker("eventTracker", "datasetGroupArn"),
                Blocker("solution", "datasetGroupArn"),
                Blocker("dataset", "datasetGroupArn"),
            ),
            cascade=(
                ("filter", "datasetGroupArn"),
                ("metricAttribution", "datasetGroupArn"),
                ("recommender", "datasetGroupArn"),
                ("dataDeletionJob", "datasetGroupArn"),
            ),
        ),
        Kind("schema", "schema/{name}", None, delete=None, blockers=(Blocker("dataset", "schemaArn"),)),
        Kind(
            "dataset",
            "dataset/{group}/{type}",
            "dataset",
            # https://docs.aws.amazon.com/personalize/latest/dg/delete-dataset.html: filters first
            # (any dataset), the event tracker first (Item interactions), nothing of the group's
            # still being created, and no campaign being created or ACTIVE.
            blockers=(
                Blocker("filter", "datasetGroupArn", "datasetGroupArn"),
                Blocker("eventTracker", "datasetGroupArn", "datasetGroupArn", dataset_type="INTERACTIONS"),
                Blocker("datasetImportJob", "datasetArn", busy_only=True),
                Blocker("solutionVersion", "datasetGroupArn", "datasetGroupArn", busy_only=True),
                Blocker("recommender", "datasetGroupArn", "datasetGroupArn", busy_only=True),
                Blocker("batchInferenceJob", "_datasetGroupArn", "datasetGroupArn", busy_only=True),
                Blocker("batchSegmentJob", "_datasetGroupArn", "datasetGroupArn", busy_only=True),
                Blocker(
                    "campaign",
                    "_datasetGroupArn",
                    "datasetGroupArn",
                    statuses=("CREATE PENDING", "CREATE IN_PROGRESS", "ACTIVE"),
                ),
            ),
            cascade=(("datasetImportJob", "datasetArn"), ("datasetExportJob", "datasetArn")),
        ),
        Kind(
            "datasetImportJob", "dataset-import-job/{name}", "datasetImportJob", deletable=False, name_member="jobName"
        ),
        Kind(
            "solution",
            "solution/{name}",
            "solution",
            blockers=(Blocker("campaign", "solutionArn"), Blocker("solutionVersion", "solutionArn", busy_only=True)),
            cascade=(
                ("solutionVersion", "solutionArn"),
                ("batchInferenceJob", "solutionArn"),
                ("batchSegmentJob", "solutionArn"),
            ),
        ),
        # https://docs.aws.amazon.com/personalize/latest/dg/API_DatasetExportJob.html
        Kind(
            "datasetExportJob", "dataset-export-job/{name}", "datasetExportJob", deletable=False, name_member="jobName"
        ),
        Kind("solutionVersion", "solution/{solution}/{id}", "solutionVersion", deletable=False),
        Kind("campaign", "campaign/{name}", "campaign"),
        Kind("eventTracker", "event-tracker/{id}", "eventTracker"),
        Kind("filter", "filter/{name}", "filter"),
        Kind("metricAttribution", "metric-attribution/{name}", "metricAttribution"),
        Kind("recommender", "recommender/{name}", "recommender"),
        Kind(
            "batchInferenceJob",
            "batch-inference-job/{name}",
            "batchInferenceJob",
            deletable=False,
            name_member="jobName",
            statuses=("PENDING", "IN PROGRESS"),
        ),
        # PENDING > IN PROGRESS > ACTIVE or CREATE FAILED:
        # https://docs.aws.amazon.com/personalize/latest/dg/API_BatchSegmentJob.html
        Kind(
            "batchSegmentJob",
            "batch-segment-job/{name}",
            "batchSegmentJob",
            deletable=False,
            name_member="jobName",
            statuses=("PENDING", "IN PROGRESS"),
        ),
        # PENDING > IN_PROGRESS > COMPLETED or FAILED:
        # https://docs.aws.amazon.com/personalize/latest/dg/API_DataDeletionJob.html
        Kind(
            "dataDeletionJob",
            "data-deletion-job/{name}",
            "dataDeletionJob",
            deletable=False,
            name_member="jobName",
            statuses=("PENDING", "IN_PROGRESS"),
            done="COMPLETED",
            failed="FAILED",
        ),
    ]
}


@dataclass(frozen=True)
class Transition:
    """A change to an existing resource that takes time (an update, a stop...)."""

    duration: str  # duration name
    words: tuple  # statuses while it runs
    summary: str | None = None  # member reporting it (latestCampaignUpdate ...)
    shows_on_resource: bool = False  # the resource's own status reads `words` meanwhile
    then: str | None = None  # the resource's status afterwards, if it changes


TRANSITIONS = {
    # The update runs in latestCampaignUpdate (CREATE PENDING > CREATE IN_PROGRESS >
    # ACTIVE); the campaign's own status has no update states and keeps serving:
    # https://docs.aws.amazon.com/personalize/latest/dg/API_CampaignUpdateSummary.html
    # https://docs.aws.amazon.com/personalize/latest/dg/API_Campaign.html
    ("campaign", "update"): Transition(
        "campaignUpdate", ("CREATE PENDING", "CREATE IN_PROGRESS"), "latestCampaignUpdate", then="ACTIVE"
    ),
    ("solution", "update"): Transition(
        "solutionUpdate", ("CREATE PENDING", "CREATE IN_PROGRESS"), "latestSolutionUpdate"
    ),
    ("dataset", "update"): Transition("datasetUpdate", ("CREATE PENDING", "CREATE IN_PROGRESS"), "latestDatasetUpdate"),
    ("recommender", "update"): Transition(
        "recommenderUpdate", ("CREATE PENDING", "CREATE IN_PROGRESS"), "latestRecommenderUpdate"
    ),
    ("recommender", "stop"): Transition(
        "recommenderStop", ("STOP PENDING", "STOP IN_PROGRESS"), shows_on_resource=True, then="INACTIVE"
    ),
    ("recommender", "start"): Transition(
        "recommenderStart", ("START PENDING", "START IN_PROGRESS"), shows_on_resource=True, then="ACTIVE"
    ),
}

TERMINAL = ("ACTIVE", "CREATE FAILED", "CREATE STOPPED", "INACTIVE", "COMPLETED", "FAILED")


def is_busy(status: str | None) -> bool:
    return status is not None and any(word in status for word in BUSY_WORDS)


def _phase(words: tuple, elapsed: float, total: float) -> str | None:
    if elapsed >= total:
        return None
    return words[0] if elapsed < total * PENDING_SHARE else words[1]


@dataclass
class Lifecycle:
    """Derives statuses from timestamps; runs a resource's real work (`finish`)
    the first time it is read after its nominal end, so ACTIVE always means done."""

    store: Store
    clock: Clock
    finish: Callable[[Kind, dict], str | None] | None = None  # finish(kind, doc) -> failureReason or None
    on_remove: Callable[[Kind, dict], None] | None = None  # on_remove(kind, doc) once a resource is gone
    deleting: dict = field(default_factory=dict)  # arn -> kind key, for sweep()

    def __post_init__(self):
        for key in KINDS:
            for doc in self.store.all(key):
                if "deleteAt" in doc["_life"]:
                    self.deleting[doc[KINDS[key].arn_member]] = key

    def sweep(self) -> None:
        """Finish every deletion whose time is up, so children go with parents
        even when nobody reads the parent again."""
        for arn, key in list(self.deleting.items()):
            self.refresh(KINDS[key], self.store.get(arn))

    def begin(self, kind: Kind, doc: dict, seconds: float) -> dict:
        now = self.clock.now()
        doc.update(creationDateTime=now, lastUpdatedDateTime=now, _life={"start": now, "for": seconds})
        self.store.put(kind.key, doc[kind.arn_member], doc)
        return doc

    def refresh(self, kind: Kind, doc: dict | None) -> dict | None:
        """The resource as it is now (its derived "status" filled in), or None
        once its deletion has finished. What is stored is only ever the outcome
        ("_outcome"), so a caller may store the returned document back."""
        if doc is None:
            return None
        now, life = self.clock.now(), doc["_life"]
        if "deleteAt" in life:
            status = _phase(("DELETE PENDING", "DELETE IN_PROGRESS"), now - life["deleteAt"], life["deleteFor"])
            if status is None:
                self.remove(kind, doc)
                return None
            return {**doc, "status": status}
        changed = False
        status = doc.get("_outcome")
        if kind.create and status is None:
            status, changed = self._advance_create(kind, doc, now)
        if doc.get("_transition"):
            running, updated = self._advance_transition(doc, now)
            changed = changed or updated
            if running:
                status = running
            elif updated:
                status = doc.get("_outcome")
        if changed:
            self.store.put(kind.key, doc[kind.arn_member], doc)
        return {**doc, "status": status} if kind.create else doc

    def _advance_create(self, kind: Kind, doc: dict, now: float) -> tuple[str, bool]:
        life = doc["_life"]
        if "stopAt" in life:  # StopSolutionVersionCreation while in progress
            stop_for = self.clock.duration("solutionVersion.stopping")
            if now - life["stopAt"] < stop_for:
                return "CREATE STOPPING", False
            doc.update(_outcome="CREATE STOPPED", lastUpdatedDateTime=life["stopAt"] + stop_for)
            return doc["_outcome"], True
        status = _phase(kind.statuses, now - life["start"], life["for"])
        if status is not None:
            return status, False
        reason = self.finish(kind, doc) if self.finish else None
        doc.update(_outcome=kind.failed if reason else kind.done, lastUpdatedDateTime=life["start"] + life["for"])
        if reason:
            doc["failureReason"] = reason
        return doc["_outcome"], True

    def _advance_transition(self, doc: dict, now: float) -> tuple[str | None, bool]:
        """Moves `doc` on: the status the resource shows while the transition
        runs (None if it does not show one), and whether `doc` changed."""
        running = doc["_transition"]
        spec = TRANSITIONS[tuple(running["name"])]
        status = _phase(spec.words, now - running["start"], running["for"])
        if status is not None:
            if spec.summary:
                doc[spec.summary]["status"] = status
            return (status if spec.shows_on_resource else None), False
        end = running["start"] + running["for"]
        doc.update(running["fields"])
        doc.pop("_transition")
        if spec.summary:
            doc[spec.summary].update(status="ACTIVE", lastUpdatedDateTime=end)
        if spec.then:
            doc["_outcome"] = spec.then
            if spec.then == "ACTIVE":
                doc.pop("failureReason", None)
        doc["lastUpdatedDateTime"] = end
        return None, True

    def begin_transition(self, kind: Kind, name: str, doc: dict, fields: dict | None = None) -> None:
        spec = TRANSITIONS[(kind.key, name)]
        now = self.clock.now()
        doc["_transition"] = {
            "name": [kind.key, name],
            "start": now,
            "for": self.clock.duration(spec.duration),
            "fields": fields or {},
        }
        if spec.summary:
            doc[spec.summary] = {**(fields or {}), "creationDateTime": now, "lastUpdatedDateTime": now}
        self.store.put(kind.key, doc[kind.arn_member], doc)

    def begin_delete(self, kind: Kind, doc: dict) -> None:
        if kind.delete is None:
            self.remove(kind, doc)
            return
        doc["_life"].update(deleteAt=self.clock.now(), deleteFor=self.clock.duration(kind.delete))
        self.store.put(kind.key, doc[kind.arn_member], doc)
        self.deleting[doc[kind.arn_member]] = kind.key

    def remove(self, kind: Kind, doc: dict) -> None:
        self.store.delete(doc[kind.arn_member])
        for child_key, child_field in kind.cascade:
            child_kind = KINDS[child_key]
            for child in self.store.all(child_key):
                if child.get(child_field) == doc[kind.arn_member]:
                    self.remove(child_kind, child)
        self.deleting.pop(doc[kind.arn_member], None)
        if self.on_remove:
            self.on_remove(kind, doc)
