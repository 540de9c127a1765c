"""The emulator's clock and the nominal duration of every long operation.

Statuses are derived from stored timestamps, so the clock is all the state time
needs: wall time plus an offset that /_local/clock can advance (persisted by the
store so a restart keeps it)."""

import time

# Nominal seconds, close to the real service; multiplied by --time-scale.
DEFAULT_DURATIONS = {
    "datasetGroup": 60,
    "dataset": 30,
    "datasetImportJob": 600,
    "datasetImportJob.perMillionRows": 300,
    "datasetExportJob": 600,
    "solution": 30,
    "solutionUpdate": 60,
    "solutionVersion": 3600,
    "solutionVersion.perMillionRows": 1800,
    "solutionVersion.stopping": 120,
    "autoTrainingStart": 3600,  # the first automatic training: "within one hour" of ACTIVE
    "campaign": 600,
    "campaignUpdate": 600,
    "eventTracker": 60,
    "filter": 60,
    "metricAttribution": 60,
    "batchInferenceJob": 1200,
    "batchSegmentJob": 1200,
    "dataDeletionJob": 3600,  # "up to a day" (API_CreateDataDeletionJob.html); an hour here
    "datasetUpdate": 60,
    "recommender": 1800,
    "recommenderUpdate": 600,
    "recommenderStop": 300,
    "recommenderStart": 600,
    "delete": 60,
}

PENDING_SHARE = 0.1  # the first tenth of an operation reads as "... PENDING"


class Clock:
    def __init__(self, time_scale: float, durations: dict | None = None, offset: float = 0.0):
        self.time_scale = float(time_scale)
        self.durations = {**DEFAULT_DURATIONS, **(durations or {})}
        self.offset = offset

    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += float(seconds)

    def duration(self, operation: str, rows: int = 0) -> float:
        """Scaled seconds `operation` takes, plus its per-million-rows part if any."""
        nominal = self.durations[operation]
        nominal += self.durations.get(operation + ".perMillionRows", 0) * rows / 1_000_000
        return nominal * self.time_scale
