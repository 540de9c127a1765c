"""One loopback port for everything: Personalize's three APIs answered here,
S3/IAM/STS (and anything else) handed to moto.

Routing: an X-Amz-Target of AmazonPersonalize.<Op> is the control plane; a
SigV4 credential scope naming service `personalize` plus a runtime or events
path is one of those; /_local/* are the emulator's own endpoints."""

import json
import re
import sys
import threading
import time
import traceback
import uuid
from collections import Counter
from pathlib import Path

import botocore.session
from moto.moto_server.werkzeug_app import MotoRequestHandler
from werkzeug.serving import make_server

from .clock import Clock
from .control import ControlPlane
from .dataplane import DataPlane
from .errors import ServiceError
from .events import Events
from .faults import Faults
from .moto_bridge import MotoBridge
from .quotas import Quotas
from .runtime import Runtime
from .s3access import S3Access
from .store import Store
from .validation import shape_output, validate

DEFAULT_ACCOUNT = "123456789012"
_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request")


class _QuietHandler(MotoRequestHandler):
    def log_request(self, *args, **kwargs):  # one line per request is noise here
        pass


def _body(environ) -> bytes:
    """The request body: Content-Length bytes, or all of a chunked one."""
    if environ.get("wsgi.input_terminated"):
        return environ["wsgi.input"].read()
    return environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))


def _json_response(
    start_response, status: int, body: dict, headers: list | None = None, content_type: str = "application/json"
):
    payload = json.dumps(body).encode()
    start_response(
        f"{status} {'OK' if status < 400 else 'Error'}",
        [("Content-Type", content_type), ("Content-Length", str(len(payload))), ("x-amzn-RequestId", str(uuid.uuid4()))]
        + (headers or []),
    )
    return [payload]


class Emulator:
    def __init__(
        self,
        state_dir,
        host: str = "127.0.0.1",
        port: int = 0,
        time_scale: float = 0.001,
        durations: dict | None = None,
        faults: dict | None = None,
        account: str = DEFAULT_ACCOUNT,
        quotas: dict | None = None,
    ):
        self.quotas = Quotas(quotas)  # first: a wrong quota stops the start before anything is opened
        self.state_dir = Path(state_dir)
        self.store = Store(self.state_dir)
        self.clock = Clock(time_scale, durations, offset=self.store.get_meta("clock_offset", 0.0))
        self.faults = Faults(faults)
        self.moto = MotoBridge(self.state_dir)
        self.server = make_server(host, port, self, threaded=True, request_handler=_QuietHandler)
        self.endpoint = f"http://{host}:{self.server.server_port}"
        session = botocore.session.get_session()
        self.models = {
            name: session.get_service_model(name)
            for name in ("personalize", "personalize-runtime", "personalize-events")
        }
        self.control = ControlPlane(
            self.models["personalize"],
            self.state_dir,
            self.store,
            self.clock,
            self.faults,
            S3Access(self.endpoint),
            account,
            self.quotas,
        )
        self.apis: dict[str, ControlPlane | DataPlane] = {
            "personalize": self.control,
            "personalize-runtime": Runtime(self.control),
            "personalize-events": Events(self.control),
        }
        self.routes = {
            (op.http["method"], op.http["requestUri"]): (service, name)
            for service in ("personalize-runtime", "personalize-events")
            for name in self.models[service].operation_names
            for op in [self.models[service].operation_model(name)]
        }
        # Personalize calls answered, by operation: how benchmarks count polling.
        self.calls: Counter = Counter()
        self._calls_lock = threading.Lock()
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------ lifecycle
    def start(self) -> "Emulator":
        self.moto.start()
        self._thread = threading.Thread(target=self.server.serve_forever, name="personalize-local", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self._thread:
            self._thread.join()
        self.moto.stop()
        self.store.close()

    # ------------------------------------------------------------ WSGI
    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_local/"):
            return self._local(environ, start_response, path)
        scope = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
        region = scope.group(1) if scope else "us-east-1"
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if target.startswith("AmazonPersonalize."):
            return self._personalize(environ, start_response, "personalize", target.split(".", 1)[1], region)
        route = self.routes.get((environ["REQUEST_METHOD"], path))
        if route and scope and scope.group(2) == "personalize":
            return self._personalize(environ, start_response, *route, region)
        return self.moto(environ, start_response)

    def _personalize(self, environ, start_response, service: str, operation: str, region: str):
        model = self.models[service]
        with self._calls_lock:
            self.calls[operation] += 1
        try:
            raw = _body(environ)
            try:
                params = json.loads(raw or b"{}")
            except ValueError:
                raise ServiceError("SerializationException", "The request body is not valid JSON.") from None
            if operation not in model.operation_names:
                raise ServiceError("UnknownOperationException", f"Unknown operation {operation}.")
            if self.faults.latency_seconds():
                time.sleep(self.faults.latency_seconds())
            if self.faults.should_throttle(operation):
                raise ServiceError("ThrottlingException", "Rate exceeded")
            op_model = model.operation_model(operation)
            validate(op_model.input_shape, params)
            with self.store.lock:
                result = self.apis[service].handle(operation, params, region)
            body = shape_output(op_model.output_shape, result) if op_model.output_shape else {}
            return _json_response(start_response, 200, body, content_type=self._content_type(service))
        except ServiceError as error:
            return self._error(start_response, service, error.code, error.message)
        except Exception as error:  # a bug here must still answer like a service
            traceback.print_exc(file=sys.stderr)
            return self._error(
                start_response, service, "InternalFailure", f"{type(error).__name__}: {error}", status=500
            )

    @staticmethod
    def _content_type(service: str) -> str:
        return "application/x-amz-json-1.1" if service == "personalize" else "application/json"

    def _error(self, start_response, service: str, code: str, message: str, status: int | None = None):
        if status is None:
            status = 400
            if service != "personalize":  # rest-json: the status the model gives the exception
                shape = self.models[service].shape_for(code) if code in self.models[service].shape_names else None
                status = shape.metadata.get("error", {}).get("httpStatusCode", 400) if shape else 400
        return _json_response(
            start_response,
            status,
            {"__type": code, "message": message},
            headers=[("X-Amzn-ErrorType", code)],
            content_type=self._content_type(service),
        )

    # ------------------------------------------------------------ /_local
    def _local(self, environ, start_response, path: str):
        method = environ["REQUEST_METHOD"]
        try:
            body = json.loads(_body(environ) or b"{}")
        except ValueError:
            return _json_response(start_response, 400, {"message": "body must be JSON"})
        if path == "/_local/health":
            return _json_response(
                start_response,
                200,
                {
                    "status": "ok",
                    "endpoint": self.endpoint,
                    "timeScale": self.clock.time_scale,
                    "now": self.clock.now(),
                    "quotas": self.quotas.limits,
                },
            )
        if path == "/_local/faults":
            if method == "DELETE":
                self.faults.clear()
            elif method == "POST":
                self.faults.update(body)
            return _json_response(start_response, 200, self.faults.config)
        if path == "/_local/stats":
            with self._calls_lock:
                return _json_response(start_response, 200, {"operations": dict(self.calls)})
        if path == "/_local/clock":
            if method == "POST":
                with self.store.lock:
                    self.clock.advance(float(body.get("advance_seconds", 0)))
                    self.store.set_meta("clock_offset", self.clock.offset)
            return _json_response(start_response, 200, {"now": self.clock.now(), "offset": self.clock.offset})
        return _json_response(start_response, 404, {"message": f"no such endpoint {path}"})
