"""S3, IAM and STS served by moto, made durable by a write-ahead log.

Every mutating request moto accepts (any method but GET/HEAD/OPTIONS, answered
with a status below 400) is appended to <state>/moto-wal.jsonl and fsynced
before the response leaves, so a kill -9 loses nothing; at start-up the log is
replayed, in order, into a freshly reset moto."""

import base64
import io
import json
import os
import re
import threading
from pathlib import Path
from typing import TextIO
from urllib.parse import quote

from moto.core.config import default_user_config
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.test import create_environ

_READ_ONLY = {"GET", "HEAD", "OPTIONS"}
# moto makes up a multipart upload's id; the parts and the completion name it.
_UPLOAD_ID = re.compile(rb"<UploadId>([^<]+)</UploadId>")
_NAMING_KEYS = ("QUERY_STRING", "REQUEST_URI", "RAW_URI")
_KEPT_ENVIRON = (
    "REQUEST_METHOD",
    "SCRIPT_NAME",
    "PATH_INFO",
    "QUERY_STRING",
    "REQUEST_URI",
    "RAW_URI",
    "CONTENT_TYPE",
    "SERVER_NAME",
    "SERVER_PORT",
)


def _bucket_permission(bucket, action: str, resource: str):
    """Whether a bucket's policy refuses the caller an object request: only
    with a Deny that applies, as IAM evaluates it (a statement applies only when
    its conditions hold: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html),
    read by local/access.py. moto's own check (FakeBucket.get_permission) reads
    any condition it has no request value for as a refusal, an Allow's too, so a
    bucket with the TLS-only Deny AWS recommends
    (https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html)
    refused every object request the emulator's plain-HTTP endpoint received;
    the requests it stands in for reach AWS over TLS. moto does not know who
    calls, so only a statement for every principal ("*") is asked about."""
    from moto.iam.access_control import PermissionResult

    from .access import decide

    if bucket.policy is None:
        return PermissionResult.NEUTRAL
    context = {"aws:SecureTransport": "true"}
    refused = decide([bucket.policy.decode()], action, resource, context, set()) == "deny"
    return PermissionResult.DENIED if refused else PermissionResult.NEUTRAL


def _drain(app, environ) -> tuple[int, dict, bytes]:
    captured: dict = {}

    def start_response(status, headers, exc_info=None):
        captured["status"], captured["headers"] = status, headers
        return lambda data: None

    chunks = app(environ, start_response)
    try:
        body = b"".join(chunks)
    finally:
        getattr(chunks, "close", lambda: None)()
    return int(captured["status"].split()[0]), captured, body


class MotoBridge:
    def __init__(self, state_dir: Path):
        # AWS managed policies (arn:aws:iam::aws:policy/...) exist in every account and
        # are attached by that ARN, e.g. AmazonPersonalizeFullAccess by AWS's samples:
        # https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html#aws-managed-policies
        # moto has them but loads them only when asked to (before its backends are made).
        default_user_config["iam"]["load_aws_managed_policies"] = True
        from moto.s3.models import FakeBucket

        FakeBucket.get_permission = _bucket_permission  # type: ignore[method-assign, assignment]
        self.app = DomainDispatcherApplication(create_backend_app)
        self._log_path = state_dir / "moto-wal.jsonl"
        self._lock = threading.Lock()
        self._log: TextIO | None = None

    def start(self) -> int:
        """Reset moto (one emulator per process at a time) and replay the log."""
        _drain(self.app, create_environ("/moto-api/reset", method="POST"))
        replayed = 0
        if self._log_path.exists():
            text = self._log_path.read_bytes()
            complete = text[: text.rfind(b"\n") + 1]
            if complete != text:  # drop a record torn by a crash mid-write
                with open(self._log_path, "r+b") as log:
                    log.truncate(len(complete))
            # A replayed upload gets a new id from moto: later records use the new one.
            renamed: dict[str, str] = {}
            for line in complete.decode().splitlines():
                record = json.loads(line)
                for key in _NAMING_KEYS:
                    for old, new in renamed.items():
                        if key in record["environ"]:
                            record["environ"][key] = record["environ"][key].replace(old, new)
                _, _, payload = _drain(self.app, self._environ(record))
                if record.get("upload_id") and (found := _UPLOAD_ID.search(payload)):
                    old, new = record["upload_id"], found.group(1).decode()
                    renamed[old] = new
                    renamed[quote(old, safe="")] = quote(new, safe="")  # as a query string carries it
                replayed += 1
        self._log = open(self._log_path, "a", buffering=1)
        return replayed

    def stop(self) -> None:
        if self._log:
            self._log.close()

    @staticmethod
    def _environ(record: dict) -> dict:
        body = base64.b64decode(record["body"])
        environ = create_environ()
        environ.update(record["environ"])
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        return environ

    def __call__(self, environ, start_response):
        if environ["REQUEST_METHOD"] in _READ_ONLY:
            return self.app(environ, start_response)
        if environ.get("wsgi.input_terminated"):  # chunked: the server ends the stream
            body = environ["wsgi.input"].read()
        else:
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        environ.pop("wsgi.input_terminated", None)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        record = {
            "environ": {k: v for k, v in environ.items() if k.startswith("HTTP_") or k in _KEPT_ENVIRON},
            "body": base64.b64encode(body).decode(),
        }
        with self._lock:  # moto's order and the log's order must agree
            status, captured, payload = _drain(self.app, environ)
            if status < 400 and (found := _UPLOAD_ID.search(payload)) and environ["REQUEST_METHOD"] == "POST":
                record["upload_id"] = found.group(1).decode()
            if status < 400 and self._log:
                self._log.write(json.dumps(record) + "\n")
                self._log.flush()
                os.fsync(self._log.fileno())
        start_response(captured["status"], captured["headers"])
        return [payload]
