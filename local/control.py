"""Amazon Personalize's control plane (JSON 1.1, X-Amz-Target AmazonPersonalize.<Op>).

Describe/List/Delete are generic over the lifecycle table; each Create/Update
states only its own rules. The real work (import, training, batch inference)
runs in `finish`, which the lifecycle calls once an operation's time is up."""

import base64
import hashlib
import json
import posixpath
import re
import shutil
import sys
import traceback
import uuid
from pathlib import Path
from typing import Any

from . import recipes, schema_rules
from .access import Caller
from .errors import ServiceError, exists, in_use, invalid, not_found
from .lifecycle import KINDS, Kind, Lifecycle, is_busy
from .quotas import DATASET_GROUP, QUOTAS, Quotas, counts

DATASET_TYPES = ("INTERACTIONS", "ITEMS", "USERS", "ACTIONS", "ACTION_INTERACTIONS")
DEFAULT_PAGE = 100
LATEST = "/$LATEST"
DOC = "https://docs.aws.amazon.com/personalize/latest/dg/"
# Automatic training: on unless turned off (API_CreateSolution.html performAutoTraining); a
# schedule of rate(N days), N 1..30, default 7 (API_AutoTrainingConfig.html); the first within
# an hour of the solution (or the update turning it on) becoming ACTIVE, skipped if a version
# was created manually meanwhile; only when interaction data arrived since the last training;
# until the solution is deleted (solution-config-auto-training.html).
AUTO_TRAINING_DOCS = (
    DOC + "API_CreateSolution.html",
    DOC + "API_AutoTrainingConfig.html",
    DOC + "solution-config-auto-training.html",
)
DEFAULT_SCHEDULE = "rate(7 days)"
TRAINING_DATA = ("INTERACTIONS", "ACTION_INTERACTIONS")  # what "new interaction data" means there


def _ml():
    from . import ml  # imported on first use: the data/model core is heavy

    return ml


def arn_name(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def _page(items: list, params: dict) -> tuple[list, str | None]:
    start = 0
    if params.get("nextToken"):
        try:
            start = int(base64.urlsafe_b64decode(params["nextToken"].encode()).decode())
        except ValueError:
            raise invalid("Invalid nextToken.") from None
    size = params.get("maxResults") or DEFAULT_PAGE
    end = start + size
    token = base64.urlsafe_b64encode(str(end).encode()).decode() if end < len(items) else None
    return items[start:end], token


def schedule_days(expression: str) -> int:
    """The N of a schedulingExpression rate(N days), 1..30 (API_AutoTrainingConfig.html)."""
    match = re.fullmatch(r"rate\((\d+) days?\)", expression)
    if match is None or not 1 <= int(match.group(1)) <= 30:
        raise invalid(f"Invalid schedulingExpression {expression}; expected rate(N days) with N from 1 to 30.")
    return int(match.group(1))


class ControlPlane:
    def __init__(self, model, state_dir: Path, store, clock, faults, s3, account: str, quotas: Quotas | None = None):
        self.model, self.state_dir, self.store, self.clock, self.faults = model, state_dir, store, clock, faults
        self.s3, self.account = s3, account
        self.quotas = quotas or Quotas()
        self.life = Lifecycle(store, clock, finish=self._finish, on_remove=self._remove_files)

    # ------------------------------------------------------------ plumbing
    def handle(self, operation: str, params: dict, region: str) -> dict:
        self.region = region
        self.life.sweep()
        self._run_automatic_training()
        handler = getattr(self, operation, None)
        if handler is None:
            verb = next((v for v in ("Describe", "List", "Delete") if operation.startswith(v)), None)
            key = operation[len(verb) :] if verb else ""
            key = key[:-1] if verb == "List" else key
            key = key[:1].lower() + key[1:]
            if verb is None or key not in KINDS or (verb == "Delete" and not KINDS[key].deletable):
                raise ServiceError("UnsupportedOperation", f"{operation} is not implemented by personalize-local.")
            handler = {"Describe": self._describe, "List": self._list, "Delete": self._delete}[verb]
            return handler(KINDS[key], operation, params)
        return handler(params)

    def arn(self, path: str) -> str:
        return f"arn:aws:personalize:{self.region}:{self.account}:{path}"

    def get(self, key: str, arn: str | None, want_active: bool = False) -> dict:
        kind = KINDS[key]
        stored = self.store.get(arn) if arn else None
        doc = self.life.refresh(kind, stored) if stored and kind.arn_member in stored else None
        if doc is None:
            raise not_found(arn)
        if want_active and doc["status"] != "ACTIVE":
            raise in_use(f"{arn} is not ACTIVE (status {doc['status']}).")
        return doc

    def _all(self, key: str) -> list[dict]:
        kind = KINDS[key]
        return [doc for doc in (self.life.refresh(kind, d) for d in self.store.all(key)) if doc is not None]

    def _create(
        self,
        key: str,
        params: dict,
        doc: dict,
        arn: str,
        seconds: float | None = None,
        quota: str | None = None,
        group: str | None = None,
    ) -> dict:
        """Store a new resource; `quota` (counted in dataset group `group` for a
        per-group one) is checked once the name is known to be free: a name taken
        is the more specific refusal, and the call would add nothing."""
        kind = KINDS[key]
        if self.store.get(arn) is not None and self.life.refresh(kind, self.store.get(arn)) is not None:
            raise exists(arn)
        if quota:
            self._within_quota(quota, group)
        doc = {
            **{k: v for k, v in params.items() if k != "tags"},
            **doc,
            kind.arn_member: arn,
            "_tags": params.get("tags") or [],
        }
        if seconds is None:
            seconds = self.clock.duration(kind.create) if kind.create else 0
        self.life.begin(kind, doc, seconds)
        return {kind.arn_member: arn}

    def _within_quota(self, name: str, dataset_group_arn: str | None = None) -> None:
        """LimitExceededException when the account already uses all of quota
        `name` in this region (or in the dataset group, for a per-group quota).
        https://docs.aws.amazon.com/personalize/latest/dg/limits.html"""
        quota = QUOTAS[name]
        arn_member = KINDS[quota.kind].arn_member
        used = [
            doc
            for doc in self._all(quota.kind)
            if doc[arn_member].split(":")[3] == self.region and counts(quota, doc.get("status"))
        ]
        if quota.scope == DATASET_GROUP:
            used = [doc for doc in used if self._dataset_group_of(quota.kind, doc) == dataset_group_arn]
        self.quotas.check(name, len(used), self.region, dataset_group_arn)

    def _dataset_group_of(self, key: str, doc: dict) -> str | None:
        if key == "campaign":  # a campaign names its solution, which names the group
            solution = self.store.get(doc["solutionArn"])
            return solution["datasetGroupArn"] if solution else None
        return doc.get("datasetGroupArn")

    def dataset_group_dir(self, dataset_group_arn: str) -> Path:
        return self.state_dir / "datasets" / arn_name(dataset_group_arn)

    def dataset_dir(self, dataset_arn: str) -> Path:
        _, group, dataset_type = dataset_arn.rsplit("/", 2)
        return self.state_dir / "datasets" / group / dataset_type

    def model_dir(self, solution_version_arn: str) -> Path:
        _, solution, version = solution_version_arn.rsplit("/", 2)
        return self.state_dir / "models" / solution / version

    def _remove_files(self, kind: Kind, doc: dict) -> None:
        """A deleted dataset's data and a deleted solution's models go with them,
        so a resource created again under the same name starts empty."""
        directory = {
            "dataset": lambda: self.dataset_dir(doc["datasetArn"]),
            "solutionVersion": lambda: self.model_dir(doc["solutionVersionArn"]),
            "recommender": lambda: self.recommender_model_dir(doc["recommenderArn"]),
        }.get(kind.key)
        if directory:
            shutil.rmtree(directory(), ignore_errors=True)

    # ------------------------------------------------------------ generic verbs
    def _describe(self, kind: Kind, operation: str, params: dict) -> dict:
        doc = self.get(kind.key, params[kind.arn_member])
        if kind.key == "solution":
            doc = self._with_latest_version(doc)
        if kind.key == "campaign":
            doc = {**doc, "solutionVersionArn": self.serving_version(doc)}
        if kind.key == "dataset" and doc["datasetType"] == "INTERACTIONS":  # the tracker feeding it
            trackers = [t for t in self._all("eventTracker") if t["datasetGroupArn"] == doc["datasetGroupArn"]]
            doc = {**doc, "trackingId": trackers[0]["trackingId"]} if trackers else doc
        return {kind.key: doc}

    def _list(self, kind: Kind, operation: str, params: dict) -> dict:
        output = self.model.operation_model(operation).output_shape
        list_member = next(name for name, shape in output.members.items() if shape.type_name == "list")
        filters = {k: v for k, v in params.items() if k not in ("nextToken", "maxResults") and v is not None}
        docs = [d for d in self._all(kind.key) if all(d.get(k) == v for k, v in filters.items())]
        if kind.key == "dataDeletionJob":  # newest first: API_ListDataDeletionJobs.html
            docs.sort(key=lambda d: d["creationDateTime"], reverse=True)
        page, token = _page(docs, params)
        return {list_member: page, "nextToken": token}

    def _delete(self, kind: Kind, operation: str, params: dict) -> dict:
        arn = params[kind.arn_member]
        doc = self.get(kind.key, arn)
        if is_busy(doc.get("status")):
            raise in_use(f"{arn} is {doc['status']}; it cannot be deleted now.")
        for blocker in kind.blockers:
            if blocker.dataset_type and doc.get("datasetType") != blocker.dataset_type:
                continue
            value = doc.get(blocker.own_field or kind.arn_member)
            for child in self._all(blocker.kind):
                status = child.get("status")
                if (blocker.busy_only and not is_busy(status)) or (blocker.statuses and status not in blocker.statuses):
                    continue
                if child.get(blocker.field) == value:
                    raise in_use(f"{arn} is in use by {child[KINDS[blocker.kind].arn_member]}; delete it first.")
        self.life.begin_delete(kind, doc)
        return {}

    # ------------------------------------------------------------ dataset groups, schemas, datasets
    def CreateDatasetGroup(self, p: dict) -> dict:
        return self._create("datasetGroup", p, {}, self.arn(f"dataset-group/{p['name']}"), quota="activeDatasetGroups")

    def CreateSchema(self, p: dict) -> dict:
        try:
            schema = json.loads(p["schema"])
            if schema.get("type") != "record" or not isinstance(schema.get("fields"), list):
                raise ValueError("an Avro record with fields is required")
        except (ValueError, AttributeError) as error:
            raise invalid(f"Invalid schema: {error}") from None
        return self._create("schema", p, {}, self.arn(f"schema/{p['name']}"), quota="activeSchemas")

    def CreateDataset(self, p: dict) -> dict:
        dataset_type = p["datasetType"].upper()
        if dataset_type not in DATASET_TYPES:
            raise invalid(f"Invalid datasetType {p['datasetType']}; one of {', '.join(DATASET_TYPES)}.")
        group = self.get("datasetGroup", p["datasetGroupArn"], want_active=True)
        schema = self.get("schema", p["schemaArn"])
        self._check_schema_fits(schema, dataset_type, group)
        arn = self.arn(f"dataset/{group['name']}/{dataset_type}")
        return self._create("dataset", p, {"datasetType": dataset_type}, arn)

    def _check_schema_fits(self, schema: dict, dataset_type: str, group: dict) -> None:
        """The schema has what a dataset of this type needs in this group (schema_rules)."""
        domain = group.get("domain")
        if domain and schema.get("domain") != domain:
            # schema_rules.SCHEMA_DOMAIN_DOC
            raise invalid(
                f"The schema {schema['schemaArn']} is not a {domain} schema; a dataset of the {domain} "
                f"dataset group {group['datasetGroupArn']} needs a schema created with domain {domain}."
            )
        problems = schema_rules.problems(dataset_type, schema["schema"], domain)
        if problems:
            raise invalid(
                f"The schema {schema['schemaArn']} does not fit a {dataset_type} dataset: {'; '.join(problems)}."
            )

    def UpdateDataset(self, p: dict) -> dict:
        doc = self.get("dataset", p["datasetArn"], want_active=True)
        replacement = self.get("schema", p["schemaArn"])
        if doc["datasetType"] not in ("ITEMS", "USERS"):
            raise invalid("Only the schema of an Items or Users dataset can be replaced.")
        # The replacement keeps every previous field with its type and attributes, and its new
        # fields accept null (https://docs.aws.amazon.com/personalize/latest/dg/updating-dataset-schema.html);
        # both schemas are known at the call, so the call itself refuses (InvalidInputException,
        # https://docs.aws.amazon.com/personalize/latest/dg/API_UpdateDataset.html).
        previous = self.get("schema", doc["schemaArn"])
        self._check_schema_fits(replacement, doc["datasetType"], self.get("datasetGroup", doc["datasetGroupArn"]))
        problems = _ml().replacement_problems(previous["schema"], replacement["schema"])
        if problems:
            raise invalid(f"The schema {p['schemaArn']} cannot replace {doc['schemaArn']}: {'; '.join(problems)}.")
        self.life.begin_transition(KINDS["dataset"], "update", doc, {"schemaArn": p["schemaArn"]})
        return {"datasetArn": doc["datasetArn"]}

    def CreateDatasetImportJob(self, p: dict) -> dict:
        self.get("dataset", p["datasetArn"], want_active=True)
        mode = p.get("importMode") or "FULL"
        # INCREMENTAL only once bulk records are in the dataset
        # (https://docs.aws.amazon.com/personalize/latest/dg/API_CreateDatasetImportJob.html,
        # https://docs.aws.amazon.com/personalize/latest/dg/updating-existing-bulk-data.html): a
        # request parameter the service can judge at the call, so the call refuses it.
        if mode == "INCREMENTAL" and not self._has_bulk_data(p["datasetArn"]):
            raise invalid(
                f"importMode INCREMENTAL needs bulk records already imported into {p['datasetArn']}; "
                "import them with importMode FULL first."
            )
        try:
            rows = sum(blob.count(b"\n") for blob in self.s3.read_location(p["dataSource"]["dataLocation"]))
        except ServiceError:
            rows = 0  # the job itself fails with the reason once it runs
        seconds = self.clock.duration("datasetImportJob", rows)
        doc = {"importMode": mode}
        return self._create(
            "datasetImportJob",
            p,
            doc,
            self.arn(f"dataset-import-job/{p['jobName']}"),
            seconds,
            quota="pendingDatasetImportJobs",
        )

    def _has_bulk_data(self, dataset_arn: str) -> bool:
        """Whether an import job has put bulk records into the dataset (one that ended ACTIVE)."""
        return any(
            job["datasetArn"] == dataset_arn and job["status"] == "ACTIVE" for job in self._all("datasetImportJob")
        )

    # ------------------------------------------------------------ origins and exports
    # export-data.html: an export takes the BULK records (dataset import jobs), the PUT ones
    # (PutEvents, PutItems, PutUsers), or ALL (default PUT, API_CreateDatasetExportJob.html);
    # Action interactions and Actions datasets cannot be exported. So each dataset remembers
    # where its records came from: runs of rows for interactions (appended in order), the
    # origin of each id's newest record for items and users (the newest record per id wins).
    def _origins_path(self, dataset_dir: Path) -> Path:
        return dataset_dir / "origins.json"

    def record_origin(self, dataset_dir: Path, origin: str, rows: int = 0, ids=(), replace: bool = False) -> None:
        path = self._origins_path(dataset_dir)
        known = {} if replace or not path.exists() else json.loads(path.read_text())
        if rows:
            known.setdefault("runs", []).append([origin, rows])
        for record_id in ids:
            known.setdefault("ids", {})[str(record_id)] = origin
        dataset_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(known))

    def _row_origins(self, dataset_dir: Path, dataset_type: str):
        known = (
            json.loads(self._origins_path(dataset_dir).read_text()) if self._origins_path(dataset_dir).exists() else {}
        )

        def origins(table) -> list[str]:
            if dataset_type in ("ITEMS", "USERS"):
                column = table.get("ITEM_ID" if dataset_type == "ITEMS" else "USER_ID")
                ids = known.get("ids", {})
                return [ids.get(str(value), "BULK") for value in column.strings()] if column else []
            runs = [origin for origin, count in known.get("runs", []) for _ in range(count)]
            return runs + ["BULK"] * (table.n_rows - len(runs))  # rows from before origins were kept

        return origins

    def CreateDatasetExportJob(self, p: dict) -> dict:
        dataset = self.get("dataset", p["datasetArn"], want_active=True)
        if dataset["datasetType"] in ("ACTIONS", "ACTION_INTERACTIONS"):  # export-data.html
            raise invalid(f"{p['datasetArn']}: Action interactions and Actions datasets cannot be exported.")
        doc = {"ingestionMode": p.get("ingestionMode") or "PUT"}
        return self._create(
            "datasetExportJob",
            p,
            doc,
            self.arn(f"dataset-export-job/{p['jobName']}"),
            quota="pendingDatasetExportJobs",
        )

    def _finish_datasetExportJob(self, job: dict) -> None:
        """One CSV file, header of the schema's field names, under <path>/<jobName>/. (The file's
        name is the emulator's own: the pages read name only "one or more CSV files".)"""
        self._all("datasetImportJob")
        dataset = self.store.get(job["datasetArn"])
        directory = self.dataset_dir(job["datasetArn"])
        blobs = _ml().export_csv(str(directory), self._row_origins(directory, dataset["datasetType"]))
        wanted = ("BULK", "PUT") if job["ingestionMode"] == "ALL" else (job["ingestionMode"],)
        parts = [blobs[origin] for origin in wanted if origin in blobs]
        header = next(iter(blobs.values())).split(b"\n", 1)[0] + b"\n" if blobs else b""
        body = b"".join(part.split(b"\n", 1)[1] for part in parts)
        prefix = job["jobOutput"]["s3DataDestination"]["path"].rstrip("/")
        caller = Caller(job.get("roleArn"), job["datasetExportJobArn"])
        self.s3.write(f"{prefix}/{job['jobName']}/part-00000.csv", header + body, caller)

    # ------------------------------------------------------------ solutions and versions
    def CreateSolution(self, p: dict) -> dict:
        recipe_arn = p.get("recipeArn") or "arn:aws:personalize:::recipe/aws-user-personalization"
        self._recipe(recipe_arn)
        self.get("datasetGroup", p["datasetGroupArn"], want_active=True)
        self._check_solution_options(recipe_arn, p.get("performIncrementalUpdate"), p.get("solutionConfig"))
        defaults = {
            "performHPO": False,
            "performAutoML": False,
            "performAutoTraining": True,  # AUTO_TRAINING_DOCS: the default is true
            "recipeArn": p.get("recipeArn") or "arn:aws:personalize:::recipe/aws-user-personalization",
        }
        return self._create(
            "solution",
            {**defaults, **p},
            {},
            self.arn(f"solution/{p['name']}"),
            quota="activeSolutions",
            group=p["datasetGroupArn"],
        )

    def UpdateSolution(self, p: dict) -> dict:
        doc = self.get("solution", p["solutionArn"], want_active=True)
        if doc.get("_transition"):
            raise in_use(f"An update of {doc['solutionArn']} is in progress.")
        self._check_solution_options(doc["recipeArn"], p.get("performIncrementalUpdate"), p.get("solutionUpdateConfig"))
        fields = {
            k: p[k] for k in ("performAutoTraining", "performIncrementalUpdate", "solutionUpdateConfig") if k in p
        }
        # SolutionUpdateConfig's members (autoTrainingConfig, eventsConfig) are the solution's
        # own settings, which it describes in its solutionConfig from then on:
        # https://docs.aws.amazon.com/personalize/latest/dg/API_SolutionUpdateConfig.html
        updated = {k: v for k, v in (p.get("solutionUpdateConfig") or {}).items() if v is not None}
        if updated:
            fields["solutionConfig"] = {**(doc.get("solutionConfig") or {}), **updated}
        self.life.begin_transition(KINDS["solution"], "update", doc, fields)
        return {"solutionArn": doc["solutionArn"]}

    def _check_solution_options(self, recipe_arn: str, incremental: bool | None, config: dict | None) -> None:
        """What CreateSolution/UpdateSolution refuse for a recipe that lacks the feature
        (sources: local/recipes.py, INCREMENTAL_DOC and EVENTS_CONFIG_DOC)."""
        can = recipes.capabilities(recipe_arn)
        name = arn_name(recipe_arn)
        schedule = ((config or {}).get("autoTrainingConfig") or {}).get("schedulingExpression")
        if schedule is not None:
            schedule_days(schedule)
        if incremental and not can.incremental_update:
            raise invalid(f"The recipe {name} does not support performIncrementalUpdate; only aws-semantic-similarity.")
        if (config or {}).get("eventsConfig") and not can.events_config:
            raise invalid(
                f"The recipe {name} does not support eventsConfig; only aws-user-personalization-v2 "
                "and aws-personalized-ranking-v2."
            )

    def _with_latest_version(self, solution: dict) -> dict:
        versions = [v for v in self._all("solutionVersion") if v["solutionArn"] == solution["solutionArn"]]
        return {**solution, "latestSolutionVersion": versions[-1]} if versions else solution

    def CreateSolutionVersion(self, p: dict) -> dict:
        solution = self.get("solution", p["solutionArn"], want_active=True)
        mode = p.get("trainingMode") or "FULL"
        can = recipes.capabilities(solution["recipeArn"])
        if mode not in can.training_modes:  # recipes.TRAINING_MODE_DOC
            raise invalid(
                f"The recipe {arn_name(solution['recipeArn'])} does not support trainingMode {mode}; "
                f"it trains with {', '.join(can.training_modes)} only."
            )
        return self._begin_version(solution, mode, "MANUAL", p)

    def _begin_version(self, solution: dict, mode: str, training_type: str, p: dict) -> dict:
        """A new version of `solution` training (asked for, or trainingType AUTOMATIC)."""
        can = recipes.capabilities(solution["recipeArn"])
        rows = self._interactions_rows(solution["datasetGroupArn"])
        self._require_datasets(solution["datasetGroupArn"], solution["recipeArn"], can.required_datasets)
        previous = [
            v
            for v in self._all("solutionVersion")
            if v["solutionArn"] == solution["solutionArn"] and v["status"] == "ACTIVE"
        ]
        if mode == "UPDATE" and not previous:
            raise invalid("trainingMode UPDATE needs an ACTIVE solution version to update.")
        arn = f"{solution['solutionArn']}/{uuid.uuid4().hex[:8]}"
        seconds = self.clock.duration("solutionVersion", rows)
        nominal = seconds / self.clock.time_scale if self.clock.time_scale else self.clock.durations["solutionVersion"]
        doc = {
            k: solution.get(k)
            for k in (
                "solutionArn",
                "recipeArn",
                "eventType",
                "datasetGroupArn",
                "solutionConfig",
                "performHPO",
                "performAutoML",
                "performIncrementalUpdate",
            )
        }
        doc.update(
            trainingMode=mode,
            trainingType=training_type,
            trainingHours=round(nominal / 3600, 3),
            _previous=previous[-1]["solutionVersionArn"] if previous else None,
            _trainedOn=self._training_data_marker(solution["datasetGroupArn"]),
        )
        return self._create("solutionVersion", p, doc, arn, seconds, quota="pendingSolutionVersions")

    def _training_data_marker(self, dataset_group_arn: str) -> str:
        """Changes whenever interaction data is imported or recorded (PutEvents...)."""
        digest = hashlib.sha256()
        for dataset_type in TRAINING_DATA:
            directory = self.dataset_group_dir(dataset_group_arn) / dataset_type
            for path in sorted(directory.rglob("*")) if directory.is_dir() else []:
                if path.is_file():
                    stat = path.stat()
                    digest.update(f"{path.relative_to(directory)}:{stat.st_size}:{stat.st_mtime_ns};".encode())
        return digest.hexdigest()

    def _run_automatic_training(self) -> None:
        """Starts the scheduled trainings that are due (AUTO_TRAINING_DOCS), on the emulator's
        clock: each a version with trainingType AUTOMATIC, dated when it was due."""
        for solution in self._all("solution"):
            if solution["status"] != "ACTIVE" or solution.get("_transition"):
                continue
            if not solution.get("performAutoTraining"):
                if solution.pop("_autoTraining", None) is not None:
                    self.store.put("solution", solution["solutionArn"], solution)
                continue
            self._auto_train(solution)

    def _auto_train(self, solution: dict) -> None:
        now, state = self.clock.now(), solution.get("_autoTraining")
        if state is None:  # just turned on: the first training within the hour
            update = solution.get("latestSolutionUpdate") or {}
            since = update.get("lastUpdatedDateTime") or solution["lastUpdatedDateTime"]
            state = {"since": since, "next": since + self.clock.duration("autoTrainingStart"), "first": True}
        if now < state["next"]:
            if solution.get("_autoTraining") is None:
                self.store.put("solution", solution["solutionArn"], {**solution, "_autoTraining": state})
            return
        schedule = ((solution.get("solutionConfig") or {}).get("autoTrainingConfig") or {}).get("schedulingExpression")
        period = schedule_days(schedule or DEFAULT_SCHEDULE) * 86400 * self.clock.time_scale
        missed = int((now - state["next"]) // period) if period else 0
        due = state["next"] + missed * period
        versions = [v for v in self._all("solutionVersion") if v["solutionArn"] == solution["solutionArn"]]
        manual_meanwhile = any(
            v["trainingType"] == "MANUAL" and state["since"] <= v["creationDateTime"] <= due for v in versions
        )
        skip = (state["first"] and missed == 0 and manual_meanwhile) or any(
            v["status"] in ("CREATE PENDING", "CREATE IN_PROGRESS") for v in versions
        )
        self._all("datasetImportJob")  # imports whose time is up land their data first
        marker = self._training_data_marker(solution["datasetGroupArn"])
        if not skip and (not versions or versions[-1].get("_trainedOn") != marker):
            try:
                arn = self._begin_version(solution, "FULL", "AUTOMATIC", {"solutionArn": solution["solutionArn"]})
            except ServiceError:
                arn = None  # no data to train on yet: nothing is created
            if arn:
                version = self.store.get(arn["solutionVersionArn"])
                version["_life"]["start"] = version["creationDateTime"] = version["lastUpdatedDateTime"] = due
                self.store.put("solutionVersion", version["solutionVersionArn"], version)
        state.update(first=False, next=due + period)
        self.store.put("solution", solution["solutionArn"], {**solution, "_autoTraining": state})

    def _interactions_rows(self, dataset_group_arn: str) -> int:
        """Rows of the group's ACTIVE interactions dataset; training needs some."""
        self._all("datasetImportJob")  # imports whose time is up land their data first
        interactions = self.arn(f"dataset/{arn_name(dataset_group_arn)}/INTERACTIONS")
        dataset = self.life.refresh(KINDS["dataset"], self.store.get(interactions))
        if dataset is None or dataset["status"] != "ACTIVE":
            raise invalid(f"The dataset group {dataset_group_arn} has no ACTIVE interactions dataset.")
        rows = _ml().dataset_counts(str(self.dataset_dir(interactions)))["rows"]
        if not rows:
            raise invalid(f"The interactions dataset {interactions} has no data; import some first.")
        return rows

    def _require_datasets(self, dataset_group_arn: str, recipe_arn: str, required: tuple[str, ...]) -> None:
        """Training refuses a group without a dataset its recipe needs (recipes.DATASET_DOCS)."""
        for dataset_type in required:
            arn = self.arn(f"dataset/{arn_name(dataset_group_arn)}/{dataset_type}")
            stored = self.store.get(arn)
            dataset = self.life.refresh(KINDS["dataset"], stored) if stored else None
            if dataset is None or dataset["status"] != "ACTIVE":
                raise invalid(
                    f"The recipe {arn_name(recipe_arn)} needs an ACTIVE {dataset_type} dataset; "
                    f"the dataset group {dataset_group_arn} has none."
                )

    def StopSolutionVersionCreation(self, p: dict) -> dict:
        doc = self.get("solutionVersion", p["solutionVersionArn"])
        if doc["status"] == "CREATE PENDING":
            doc.update(_outcome="CREATE STOPPED", lastUpdatedDateTime=self.clock.now())
        elif doc["status"] == "CREATE IN_PROGRESS":
            doc["_life"]["stopAt"] = self.clock.now()
        else:
            raise in_use(
                f"{doc['solutionVersionArn']} is {doc['status']}; only a version being created can be stopped."
            )
        self.store.put("solutionVersion", doc["solutionVersionArn"], doc)
        return {}

    def GetSolutionMetrics(self, p: dict) -> dict:
        doc = self.get("solutionVersion", p["solutionVersionArn"], want_active=True)
        return {"solutionVersionArn": doc["solutionVersionArn"], "metrics": doc.get("_metrics", {})}

    # ------------------------------------------------------------ campaigns, trackers, filters, batch jobs
    def CreateCampaign(self, p: dict) -> dict:
        version, follows = self._requested_version(p["solutionVersionArn"], p.get("campaignConfig"))
        self._check_campaign(version, p.get("campaignConfig"))
        doc = {
            "minProvisionedTPS": p.get("minProvisionedTPS") or 1,
            "solutionArn": version.rsplit("/", 1)[0],
            "solutionVersionArn": version,
            "_followsLatest": follows,
            "_datasetGroupArn": self.store.get(version)["datasetGroupArn"],  # for delete-dataset.html's rule
        }
        return self._create(
            "campaign",
            p,
            doc,
            self.arn(f"campaign/{p['name']}"),
            quota="activeCampaigns",
            group=self.store.get(version)["datasetGroupArn"],
        )

    def UpdateCampaign(self, p: dict) -> dict:
        doc = self.get("campaign", p["campaignArn"])
        if doc["status"] not in ("ACTIVE", "CREATE FAILED"):
            raise in_use(f"{doc['campaignArn']} is {doc['status']}; it can be updated when ACTIVE or CREATE FAILED.")
        if doc.get("_transition"):  # its status stays ACTIVE meanwhile (API_CampaignUpdateSummary.html)
            raise in_use(f"An update of {doc['campaignArn']} is in progress.")
        fields: dict[str, Any] = {k: doc.get(k) for k in ("minProvisionedTPS", "campaignConfig", "_followsLatest")}
        fields.update({k: p[k] for k in ("minProvisionedTPS", "campaignConfig") if p.get(k) is not None})
        fields["solutionVersionArn"] = doc["solutionVersionArn"]
        if p.get("solutionVersionArn"):
            fields["solutionVersionArn"], fields["_followsLatest"] = self._requested_version(
                p["solutionVersionArn"], fields["campaignConfig"]
            )
        fields["solutionArn"] = fields["solutionVersionArn"].rsplit("/", 1)[0]
        self._check_campaign(fields["solutionVersionArn"], fields["campaignConfig"])
        self.life.begin_transition(KINDS["campaign"], "update", doc, fields)
        return {"campaignArn": doc["campaignArn"]}

    def _requested_version(self, requested: str, config: dict | None) -> tuple[str, bool]:
        """The ACTIVE version named, or for SolutionArn/$LATEST (with
        syncWithLatestSolutionVersion) the solution's newest; and whether to follow it."""
        if not requested.endswith(LATEST):
            return self.get("solutionVersion", requested, want_active=True)["solutionVersionArn"], False
        if not (config or {}).get("syncWithLatestSolutionVersion"):
            raise invalid("A SolutionArn/$LATEST version needs campaignConfig.syncWithLatestSolutionVersion true.")
        solution = self.get("solution", requested[: -len(LATEST)])
        latest = self.latest_active_version(solution["solutionArn"])
        if latest is None:
            raise in_use(f"{solution['solutionArn']} has no ACTIVE solution version yet.")
        return latest, True

    def _check_campaign(self, version_arn: str, config: dict | None) -> None:
        """Exploration only where the recipe takes it (recipes.EXPLORATION_DOCS); no campaign
        for a USER_SEGMENTATION version, which makes batch segments only (recipes.SEGMENT_DOCS)."""
        recipe_arn = self.get("solutionVersion", version_arn)["recipeArn"]
        can, name = recipes.capabilities(recipe_arn), arn_name(recipe_arn)
        if not can.real_time:
            raise invalid(f"The recipe {name} makes user segments only: use a batch segment job, not a campaign.")
        if (config or {}).get("itemExplorationConfig") and not can.item_exploration:
            raise invalid(f"The recipe {name} does not support itemExplorationConfig; only aws-user-personalization.")

    def latest_active_version(self, solution_arn: str) -> str | None:
        active = [
            v["solutionVersionArn"]
            for v in self._all("solutionVersion")
            if v["solutionArn"] == solution_arn and v["status"] == "ACTIVE"
        ]
        return active[-1] if active else None

    def serving_version(self, campaign: dict) -> str:
        """What a campaign answers from now: a following campaign moves on to
        each newer ACTIVE version of its solution by itself."""
        if campaign.get("_followsLatest"):
            return self.latest_active_version(campaign["solutionArn"]) or campaign["solutionVersionArn"]
        return campaign["solutionVersionArn"]

    def CreateEventTracker(self, p: dict) -> dict:
        self.get("datasetGroup", p["datasetGroupArn"], want_active=True)
        for tracker in self._all("eventTracker"):
            if tracker["datasetGroupArn"] == p["datasetGroupArn"]:
                raise exists(f"An event tracker for {p['datasetGroupArn']}: {tracker['eventTrackerArn']}")
            if tracker["name"] == p["name"]:
                raise exists(tracker["eventTrackerArn"])
        doc = {"trackingId": str(uuid.uuid4()), "accountId": self.account}
        arn = self.arn(f"event-tracker/{uuid.uuid4().hex[:8]}")
        return {**self._create("eventTracker", p, doc, arn), "trackingId": doc["trackingId"]}

    def CreateFilter(self, p: dict) -> dict:
        self.get("datasetGroup", p["datasetGroupArn"])
        try:
            _ml().compile_filter(p["filterExpression"])
        except _ml().FilterInvalid as error:
            raise invalid(f"Invalid filter expression: {error.reason}") from None
        return self._create(
            "filter", p, {}, self.arn(f"filter/{p['name']}"), quota="activeFilters", group=p["datasetGroupArn"]
        )

    def CreateBatchInferenceJob(self, p: dict) -> dict:
        version = self.get("solutionVersion", p["solutionVersionArn"], want_active=True)
        if not recipes.capabilities(version["recipeArn"]).real_time:  # recipes.SEGMENT_DOCS
            raise invalid(
                f"The recipe {arn_name(version['recipeArn'])} makes user segments only: "
                "use CreateBatchSegmentJob, not a batch inference job."
            )
        if p.get("filterArn"):
            self.get("filter", p["filterArn"])
        doc = {
            "numResults": p.get("numResults") or 25,
            "solutionArn": version["solutionArn"],
            "batchInferenceJobMode": p.get("batchInferenceJobMode") or "BATCH_INFERENCE",
            "_datasetGroupArn": version["datasetGroupArn"],
        }
        return self._create(
            "batchInferenceJob",
            p,
            doc,
            self.arn(f"batch-inference-job/{p['jobName']}"),
            quota="pendingBatchInferenceJobs",
        )

    # Batch segment jobs: a solution version of a USER_SEGMENTATION recipe, input JSON lines
    # from S3 read with the job's role, the segments written back with it
    # (https://docs.aws.amazon.com/personalize/latest/dg/API_CreateBatchSegmentJob.html,
    # https://docs.aws.amazon.com/personalize/latest/dg/getting-user-segments.html). numResults
    # left out: 25 users per line, the emulator's own default, as for batch inference here.
    def CreateBatchSegmentJob(self, p: dict) -> dict:
        version = self.get("solutionVersion", p["solutionVersionArn"], want_active=True)
        name = arn_name(version["recipeArn"])
        if not recipes.capabilities(version["recipeArn"]).batch_segment:  # recipes.SEGMENT_DOCS
            raise invalid(
                f"The recipe {name} does not make user segments; a batch segment job needs a solution version "
                "trained with aws-item-affinity or aws-item-attribute-affinity."
            )
        if p.get("filterArn"):
            self.get("filter", p["filterArn"])
            raise invalid("personalize-local does not apply filters to batch segment jobs; leave filterArn out.")
        doc = {
            "numResults": p.get("numResults") or 25,
            "solutionArn": version["solutionArn"],
            "_datasetGroupArn": version["datasetGroupArn"],
        }
        return self._create(
            "batchSegmentJob",
            p,
            doc,
            self.arn(f"batch-segment-job/{p['jobName']}"),
            quota="pendingBatchSegmentJobs",
        )

    # Data deletion jobs: a CSV of USER_IDs read from S3 with the job's role; the users' records
    # leave the group's datasets, so later trainings and segments no longer see them
    # (https://docs.aws.amazon.com/personalize/latest/dg/API_CreateDataDeletionJob.html,
    # https://docs.aws.amazon.com/personalize/latest/dg/delete-records.html). At most 5 PENDING
    # per dataset group (delete-records.html; local/quotas.py).
    def CreateDataDeletionJob(self, p: dict) -> dict:
        group = self.get("datasetGroup", p["datasetGroupArn"], want_active=True)
        return self._create(
            "dataDeletionJob",
            p,
            {},
            self.arn(f"data-deletion-job/{p['jobName']}"),
            quota="pendingDataDeletionJobs",
            group=group["datasetGroupArn"],
        )

    def CreateMetricAttribution(self, p: dict) -> dict:
        self.get("datasetGroup", p["datasetGroupArn"], want_active=True)
        for other in self._all("metricAttribution"):  # one per dataset group
            if other["datasetGroupArn"] == p["datasetGroupArn"]:
                raise exists(f"A metric attribution for {p['datasetGroupArn']}: {other['metricAttributionArn']}")
        return self._create("metricAttribution", p, {}, self.arn(f"metric-attribution/{p['name']}"))

    def UpdateMetricAttribution(self, p: dict) -> dict:
        doc = self.get("metricAttribution", p.get("metricAttributionArn"), want_active=True)
        removed = set(p.get("removeMetrics") or [])
        added = p.get("addMetrics") or []
        names = {m["metricName"] for m in added}
        doc["metrics"] = [m for m in doc["metrics"] if m["metricName"] not in removed | names] + added
        if p.get("metricsOutputConfig"):
            doc["metricsOutputConfig"] = p["metricsOutputConfig"]
        doc["lastUpdatedDateTime"] = self.clock.now()
        self.store.put("metricAttribution", doc["metricAttributionArn"], doc)
        return {"metricAttributionArn": doc["metricAttributionArn"]}

    def ListMetricAttributionMetrics(self, p: dict) -> dict:
        doc = self.get("metricAttribution", p.get("metricAttributionArn"))
        page, token = _page(doc["metrics"], p)
        return {"metrics": page, "nextToken": token}

    # ------------------------------------------------------------ recommenders (Domain dataset groups)
    def CreateRecommender(self, p: dict) -> dict:
        group = self.get("datasetGroup", p["datasetGroupArn"], want_active=True)
        use_case = recipes.DOMAIN_RECIPES.get(arn_name(p["recipeArn"]))
        if not group.get("domain"):
            raise invalid(f"{group['datasetGroupArn']} is not a Domain dataset group; recommenders need one.")
        if use_case is None or use_case[0] != group["domain"]:
            raise invalid(f"{p['recipeArn']} is not a {group['domain']} use case.")
        self._interactions_rows(group["datasetGroupArn"])
        config = {"minRecommendationRequestsPerSecond": 1, **(p.get("recommenderConfig") or {})}
        return self._create(
            "recommender",
            {**p, "recommenderConfig": config},
            {},
            self.arn(f"recommender/{p['name']}"),
            quota="recommenders",
            group=group["datasetGroupArn"],
        )

    def UpdateRecommender(self, p: dict) -> dict:
        doc = self.get("recommender", p["recommenderArn"], want_active=True)
        if doc.get("_transition"):
            raise in_use(f"An update of {doc['recommenderArn']} is in progress.")
        config = {**doc.get("recommenderConfig", {}), **p["recommenderConfig"]}
        self.life.begin_transition(KINDS["recommender"], "update", doc, {"recommenderConfig": config})
        return {"recommenderArn": doc["recommenderArn"]}

    def StopRecommender(self, p: dict) -> dict:
        doc = self.get("recommender", p["recommenderArn"], want_active=True)
        self.life.begin_transition(KINDS["recommender"], "stop", doc)
        return {"recommenderArn": doc["recommenderArn"]}

    def StartRecommender(self, p: dict) -> dict:
        doc = self.get("recommender", p["recommenderArn"])
        if doc["status"] != "INACTIVE":
            raise in_use(f"{doc['recommenderArn']} is {doc['status']}; only an INACTIVE recommender starts.")
        self.life.begin_transition(KINDS["recommender"], "start", doc)
        return {"recommenderArn": doc["recommenderArn"]}

    def recommender_model_dir(self, recommender_arn: str) -> Path:
        return self.state_dir / "models" / arn_name(recommender_arn) / "recommender"

    # ------------------------------------------------------------ recipes and friends
    def _recipe(self, arn: str) -> dict:
        name = arn_name(arn)
        if not arn.startswith("arn:aws:personalize:::recipe/") or (
            name not in recipes.RECIPES and name not in recipes.DOMAIN_RECIPES
        ):
            raise not_found(arn)
        return recipes.recipe(name)

    def DescribeRecipe(self, p: dict) -> dict:
        return {"recipe": self._recipe(p["recipeArn"])}

    def ListRecipes(self, p: dict) -> dict:
        page, token = _page(recipes.all_recipes(p.get("domain")), p)
        return {"recipes": page, "nextToken": token}

    def DescribeAlgorithm(self, p: dict) -> dict:
        name = arn_name(p["algorithmArn"])
        if name not in recipes.RECIPES:
            raise not_found(p["algorithmArn"])
        return {"algorithm": recipes.algorithm(name)}

    def DescribeFeatureTransformation(self, p: dict) -> dict:
        name = arn_name(p["featureTransformationArn"])
        if name not in recipes.FEATURE_TRANSFORMATIONS:
            raise not_found(p["featureTransformationArn"])
        return {"featureTransformation": recipes.feature_transformation(name)}

    # ------------------------------------------------------------ tags
    def _tagged(self, arn: str) -> tuple[str, dict]:
        doc = self.store.get(arn)
        kind = next((k for k in KINDS.values() if doc and doc.get(k.arn_member) == arn), None)
        doc = self.life.refresh(kind, doc) if kind else None
        if kind is None or doc is None:
            raise not_found(arn)
        return kind.key, doc

    def ListTagsForResource(self, p: dict) -> dict:
        return {"tags": self._tagged(p["resourceArn"])[1]["_tags"]}

    def TagResource(self, p: dict) -> dict:
        key, doc = self._tagged(p["resourceArn"])
        new = {tag["tagKey"]: tag for tag in p["tags"]}
        doc["_tags"] = [t for t in doc["_tags"] if t["tagKey"] not in new] + list(new.values())
        self.store.put(key, p["resourceArn"], doc)
        return {}

    def UntagResource(self, p: dict) -> dict:
        key, doc = self._tagged(p["resourceArn"])
        doc["_tags"] = [t for t in doc["_tags"] if t["tagKey"] not in p["tagKeys"]]
        self.store.put(key, p["resourceArn"], doc)
        return {}

    # ------------------------------------------------------------ the real work
    def _finish(self, kind: Kind, doc: dict) -> str | None:
        """Do what the operation stands for; a failureReason, or None when it worked."""
        forced = self.faults.forced_failure(
            doc.get(kind.name_member, ""),
            doc[kind.arn_member],
            doc.get("solutionArn", "") if kind.key == "solutionVersion" else "",
        )
        if forced:
            return forced
        work = getattr(self, f"_finish_{kind.key}", None)
        if work is None:
            return None
        ml = _ml()
        try:
            work(doc)
        except (ml.ImportFailed, ml.TrainingFailed, ml.FilterInvalid) as error:
            return error.reason
        except ServiceError as error:
            return error.message
        except Exception as error:  # a bug must fail the resource, not every later Describe
            traceback.print_exc(file=sys.stderr)
            return f"Internal error in personalize-local: {type(error).__name__}: {error}"
        return None

    def _finish_datasetImportJob(self, job: dict) -> None:
        dataset = self.store.get(job["datasetArn"])
        schema = json.loads(self.store.get(dataset["schemaArn"])["schema"])
        caller = Caller(job.get("roleArn"), job["datasetImportJobArn"])
        blobs = self.s3.read_location(job["dataSource"]["dataLocation"], caller)
        directory = self.dataset_dir(job["datasetArn"])
        mode = job.get("importMode") or "FULL"
        origins = self._row_origins(directory, dataset["datasetType"])
        stats = _ml().import_dataset(
            dataset["datasetType"],
            schema,
            blobs,
            str(directory),
            mode=mode,
            kept=lambda table: [origin == "PUT" for origin in origins(table)],
        )
        if mode == "FULL":  # what stayed is what was put individually; the rest came with this job
            known = (
                json.loads(self._origins_path(directory).read_text()) if self._origins_path(directory).exists() else {}
            )
            put_ids = [i for i, origin in known.get("ids", {}).items() if origin == "PUT"]
            self.record_origin(directory, "PUT", rows=stats["kept_rows"], ids=put_ids, replace=True)
        if dataset["datasetType"] in ("ITEMS", "USERS"):
            self.record_origin(directory, "BULK", ids=stats["ids"])  # the newest record per id wins
        else:
            self.record_origin(directory, "BULK", rows=stats["rows"])

    def _finish_solutionVersion(self, version: dict) -> None:
        self._all("datasetImportJob")  # imports that finished meanwhile are trained on
        model_dir = self.model_dir(version["solutionVersionArn"])
        previous = self.model_dir(version["_previous"]) if version.get("_previous") else None
        metrics = _ml().train(
            version["recipeArn"],
            str(self.dataset_group_dir(version["datasetGroupArn"])),
            str(model_dir),
            solution_config=version.get("solutionConfig"),
            training_mode=version.get("trainingMode") or "FULL",
            event_type=version.get("eventType"),
            previous_model_dir=str(previous) if previous else None,
        )
        version["_metrics"] = metrics

    def _finish_recommender(self, recommender: dict) -> None:
        self._all("datasetImportJob")
        use_case = arn_name(recommender["recipeArn"])
        trained_by = recipes.DOMAIN_RECIPES[use_case][2]
        group_dir = str(self.dataset_group_dir(recommender["datasetGroupArn"]))
        event_type, only = recipes.DOMAIN_EVENT_TYPES.get(use_case, (None, False))
        if event_type:
            found = _ml().event_type_count(group_dir, event_type)
            if found < recipes.ECOMMERCE_MIN_EVENTS:
                raise _ml().TrainingFailed(
                    f"The use case {use_case} needs at least {recipes.ECOMMERCE_MIN_EVENTS} interactions with "
                    f"EVENT_TYPE {event_type}; the dataset group has {found}."
                )
        recommender["modelMetrics"] = _ml().train(
            f"arn:aws:personalize:::recipe/{trained_by}",
            group_dir,
            str(self.recommender_model_dir(recommender["recommenderArn"])),
            event_type=event_type if only else None,
        )

    def _finish_batchInferenceJob(self, job: dict) -> None:
        version = self.store.get(job["solutionVersionArn"])
        input_path = job["jobInput"]["s3DataSource"]["path"]
        caller = Caller(job["roleArn"], job["batchInferenceJobArn"])
        blobs = self.s3.read_location(input_path, caller)
        flt = self.store.get(job["filterArn"]) if job.get("filterArn") else None
        try:
            output = _ml().batch_infer(
                str(self.model_dir(job["solutionVersionArn"])),
                b"\n".join(blobs),
                num_results=job.get("numResults") or 25,
                filter=flt["filterExpression"] if flt else None,
                dataset_group_dir=str(self.dataset_group_dir(version["datasetGroupArn"])),
            )
        except ValueError as error:
            raise ServiceError("InvalidInputException", f"Invalid batch input: {error}") from None
        out_prefix = job["jobOutput"]["s3DataDestination"]["path"].rstrip("/")
        self.s3.write(f"{out_prefix}/{posixpath.basename(input_path.rstrip('/'))}.out", output, caller)

    def _finish_batchSegmentJob(self, job: dict) -> None:
        version = self.store.get(job["solutionVersionArn"])
        input_path = job["jobInput"]["s3DataSource"]["path"]
        caller = Caller(job["roleArn"], job["batchSegmentJobArn"])
        blobs = self.s3.read_location(input_path, caller)
        try:
            output = _ml().batch_segment(
                str(self.model_dir(job["solutionVersionArn"])),
                b"\n".join(blobs),
                num_results=job.get("numResults") or 25,
                dataset_group_dir=str(self.dataset_group_dir(version["datasetGroupArn"])),
            )
        except ValueError as error:
            raise ServiceError("InvalidInputException", f"Invalid batch segment input: {error}") from None
        out_prefix = job["jobOutput"]["s3DataDestination"]["path"].rstrip("/")
        self.s3.write(f"{out_prefix}/{posixpath.basename(input_path.rstrip('/'))}.out", output, caller)

    def _finish_dataDeletionJob(self, job: dict) -> None:
        """Removes the listed users' rows from the group's datasets keyed by user: Item
        interactions, Users and Action interactions. numDeleted counts those rows (the
        records the job deleted, API_DataDeletionJob.html); where each remaining row came
        from (for exports) is kept in step."""
        self._all("datasetImportJob")  # imports whose time is up land their data first
        caller = Caller(job["roleArn"], job["dataDeletionJobArn"])
        users = _ml().deletion_user_ids(self.s3.read_location(job["dataSource"]["dataLocation"], caller))
        prefix = job["datasetGroupArn"].replace(":dataset-group/", ":dataset/", 1)
        deleted = 0
        for dataset_type in ("INTERACTIONS", "USERS", "ACTION_INTERACTIONS"):
            if self.store.get(f"{prefix}/{dataset_type}") is None:
                continue
            directory = self.dataset_dir(f"{prefix}/{dataset_type}")
            table = _ml().datasets.load_table(str(directory))
            before = self._row_origins(directory, dataset_type)(table) if table is not None else []
            removed = _ml().delete_users(str(directory), users)
            deleted += len(removed)
            if len(removed) and self._origins_path(directory).exists():
                self._forget_origins(directory, dataset_type, before, set(removed.tolist()), users)
        job["numDeleted"] = deleted

    def _forget_origins(self, directory: Path, dataset_type: str, before: list, removed: set, users: set) -> None:
        known = json.loads(self._origins_path(directory).read_text())
        if dataset_type == "USERS":
            known["ids"] = {k: v for k, v in known.get("ids", {}).items() if k not in users}
        else:
            runs: list[list] = []
            for position, origin in enumerate(before):
                if position in removed:
                    continue
                if runs and runs[-1][0] == origin:
                    runs[-1][1] += 1
                else:
                    runs.append([origin, 1])
            known["runs"] = runs
        self._origins_path(directory).write_text(json.dumps(known))
