"""Interactions sent to an event tracker with PutEvents, as a live application
would: they count in the next recommendations of recipes that read a user's
history at inference, and in the training data of the next solution version.

PutEvents takes one user and session and at most 10 events per call, so events
are grouped by (userId, sessionId) in order of appearance and sent in chunks."""

import csv
import functools
import math
import random
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime

from botocore.exceptions import ClientError
from botocore.validate import ParamValidator

MAX_EVENTS_PER_CALL = 10  # eventList's max in botocore's model of PutEvents
# Optional members of an Event in that model, passed through as given.
EVENT_MEMBERS = ("itemId", "eventValue", "properties", "eventId", "recommendationId", "impression", "metricAttribution")
RETRYABLE_CODES = {
    "ThrottlingException",
    "Throttling",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "InternalServerError",
    "InternalFailure",
    "InternalServerException",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "RequestTimeout",
    "RequestTimeoutException",
}
# Epoch seconds past this are in the year 5138: almost surely milliseconds.
LATEST_EPOCH_SECONDS = 1e11
BASE_DELAY_SECONDS, MAX_DELAY_SECONDS = 0.5, 20.0
CSV_REQUIRED = ("USER_ID", "ITEM_ID", "EVENT_TYPE", "TIMESTAMP")


class PutEventsFailed(RuntimeError):
    """The service refused a call, or kept throttling it: events before it were sent, the rest were not."""

    def __init__(self, message: str, sent: int):
        super().__init__(message)
        self.sent = sent


def put_events(
    client,
    tracking_id: str,
    events: Iterable[dict],
    batch_size: int = MAX_EVENTS_PER_CALL,
    max_attempts: int = 5,
    sleep: Callable[[float], None] = time.sleep,
) -> dict:
    """Send `events` (dicts with userId, eventType, sentAt and optionally itemId,
    sessionId, eventValue, ...). Every event is checked before the first call, so
    a bad row sends nothing. Returns how many events were sent, in how many
    successful calls, and how many attempts were retried."""
    if not 1 <= batch_size <= MAX_EVENTS_PER_CALL:
        raise ValueError(f"batch_size must be 1 to {MAX_EVENTS_PER_CALL} (PutEvents' limit), got {batch_size}")
    if max_attempts < 1:
        raise ValueError(f"max_attempts must be at least 1, got {max_attempts}")
    # A user's events in one run are one visit as far as we know; a fresh id per
    # run keeps separate imports from being stitched into one session.
    run = uuid.uuid4().hex[:8]
    groups: dict[tuple[str, str], list[tuple[int, dict]]] = {}
    for number, event in enumerate(events, start=1):
        user, session, request_event = _checked(number, event, run)
        groups.setdefault((user, session), []).append((number, request_event))

    counts = {"events": 0, "calls": 0, "retries": 0}
    for (user, session), numbered in groups.items():
        chunks = [numbered[start : start + batch_size] for start in range(0, len(numbered), batch_size)]
        for index, chunk in enumerate(chunks, start=1):
            request = {
                "trackingId": tracking_id,
                "userId": user,
                "sessionId": session,
                "eventList": [event for _, event in chunk],
            }
            where = (
                f"user {user!r} (session {session!r}), batch {index} of {len(chunks)} "
                f"(input events {', '.join(str(number) for number, _ in chunk)})"
            )
            counts["retries"] += _send(client, request, where, counts["events"], max_attempts, sleep)
            counts["calls"] += 1
            counts["events"] += len(chunk)
    return counts


def events_from_csv(path: str) -> list[dict]:
    """Events from a CSV with the columns data preparation exports: USER_ID,
    ITEM_ID, EVENT_TYPE, TIMESTAMP (epoch seconds) and optionally SESSION_ID,
    EVENT_VALUE. Ids stay text: "007" and "7" are different users."""
    try:
        file = open(path, newline="", encoding="utf-8-sig")
    except OSError as error:
        raise ValueError(f"cannot read {path}: {error.strerror}") from None
    with file:
        reader = csv.DictReader(file)
        columns = reader.fieldnames or []
        if missing := [c for c in CSV_REQUIRED if c not in columns]:
            raise ValueError(
                f"{path} has no column {', '.join(missing)} (its header: {', '.join(columns) or 'none'}); "
                f"expected {', '.join(CSV_REQUIRED)}[, SESSION_ID, EVENT_VALUE]"
            )
        events = []
        for row in reader:
            where = f"{path} line {reader.line_num}"
            event = {
                "userId": _text(row, "USER_ID", where),
                "itemId": _text(row, "ITEM_ID", where),
                "eventType": _text(row, "EVENT_TYPE", where),
                "sentAt": _timestamp(row["TIMESTAMP"], where),
            }
            if row.get("SESSION_ID"):
                event["sessionId"] = row["SESSION_ID"]
            if row.get("EVENT_VALUE"):
                event["eventValue"] = _number(row["EVENT_VALUE"], "EVENT_VALUE", where, "a number")
            events.append(event)
    return events


def _checked(number: int, event: dict, run: str) -> tuple[str, str, dict]:
    """(userId, sessionId, the event as PutEvents takes it), or ValueError naming the event."""
    where = f"event {number}"
    if not isinstance(event, dict):
        raise ValueError(f"{where} is not a dict but {type(event).__name__}")
    if unknown := sorted(set(event) - {"userId", "sessionId", "eventType", "sentAt", *EVENT_MEMBERS}):
        raise ValueError(f"{where} has unknown keys {', '.join(unknown)}")
    for key in ("userId", "eventType"):
        if not isinstance(event.get(key), str) or not event[key]:
            raise ValueError(f"{where} has no {key}" + (f" (userId {event['userId']!r})" if key != "userId" else ""))
    user = event["userId"]
    where = f"{where} (userId {user!r})"
    sent_at = event.get("sentAt")
    if isinstance(sent_at, bool) or not isinstance(sent_at, (int, float, datetime)):
        raise ValueError(f"{where} has no sentAt (epoch seconds or a datetime), got {sent_at!r}")
    if not isinstance(sent_at, datetime) and not 0 < sent_at < LATEST_EPOCH_SECONDS:
        raise ValueError(f"{where}: sentAt {sent_at} is not epoch seconds (milliseconds?)")
    session = event.get("sessionId")
    if session is None:
        session = f"{user}-{run}"
    elif not isinstance(session, str) or not session:
        raise ValueError(f"{where}: sessionId {session!r} is not a non-empty string")
    request_event = {
        "eventType": event["eventType"],
        "sentAt": sent_at,
        **{k: event[k] for k in EVENT_MEMBERS if event.get(k) is not None},
    }
    # What botocore would refuse only at the call, after earlier events were sent.
    report = ParamValidator().validate(request_event, _event_shape())
    if report.has_errors():
        raise ValueError(f"{where}: {report.generate_report()}")
    return user, session, request_event


@functools.cache
def _event_shape():
    import botocore.session

    return botocore.session.get_session().get_service_model("personalize-events").shape_for("Event")


def _send(client, request: dict, where: str, sent: int, max_attempts: int, sleep) -> int:
    """One PutEvents call, retried while the failure is transient; the number of retries it took."""
    attempt = 1
    while True:
        try:
            client.put_events(**request)
            return attempt - 1
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
            retryable = code in RETRYABLE_CODES or status >= 500
            if not retryable or attempt == max_attempts:
                tried = f" after {attempt} attempts" if retryable else ""
                raise PutEventsFailed(
                    f"PutEvents failed{tried} for {where}: {code}: "
                    f"{error.response.get('Error', {}).get('Message', error)}; "
                    f"{sent} events were sent before it, none after",
                    sent,
                ) from None
        # Full jitter: many senders throttled together do not retry in step.
        sleep(random.uniform(0, min(MAX_DELAY_SECONDS, BASE_DELAY_SECONDS * 2 ** (attempt - 1))))
        attempt += 1


def _text(row: dict, column: str, where: str) -> str:
    value = row.get(column)
    if not value:
        raise ValueError(f"{where}: {column} is empty")
    return value


def _number(text: str | None, column: str, where: str, expected: str) -> float:
    try:
        value = float(text)  # type: ignore[arg-type]  # None is caught below, as a missing value
    except (TypeError, ValueError):
        raise ValueError(f"{where}: {column} {text!r} is not {expected}") from None
    if not math.isfinite(value):
        raise ValueError(f"{where}: {column} {text!r} is not {expected}")
    return value


def _timestamp(text: str | None, where: str) -> int | float:
    value = _number(text, "TIMESTAMP", where, "epoch seconds")
    if not 0 < value < LATEST_EPOCH_SECONDS:
        raise ValueError(f"{where}: TIMESTAMP {text!r} is not epoch seconds (milliseconds?)")
    return int(value) if value.is_integer() else value
