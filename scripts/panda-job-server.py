#!/usr/bin/python3
"""A local PanDA job server for trying pilot by hand and for its tests (Python 3 standard library only).

It speaks the pilot's part of PanDA's two API generations (../shared/reference/PANDA.md):

    POST /api/v1/pilot/acquire_jobs            JSON body, native types; {"success", "message", "data"}
    POST /api/v1/pilot/update_job              (also /api/latest/pilot/...)
    POST /api/v1/pilot/update_worker_status
    POST /server/panda/getJob                  legacy: form-encoded; JSON reply with Accept: application/json,
    POST /server/panda/updateJob               urlencoded otherwise
    POST /server/panda/updateWorkerPilotStatus

Jobs come from --jobs DIR: every *.json file there (sorted by name) is one job description as the
server hands it out (PandaID, inFiles, ...). Each is handed out once; then the answer is "no jobs"
(v1: success false, "No jobs in PanDA"; legacy: StatusCode 20).

Checks made as the real server makes them (panda-server api/v1/common.py, request_validation): a v1
POST must be JSON for its values to keep their types, so a form-encoded or string "2000" for an int
parameter is refused ("Type error: 'memory' must be of type int, got str."), as is an unknown
parameter ("Argument error: ..."); job_status must be a known state. Stricter than the real server,
so that mistakes show in tests: a bool is not accepted for an int, start_time/end_time must be
"%Y-%m-%d %H:%M:%S" (the server silently drops anything else), job_output_report must be the JSON
file report {lfn: {guid, fsize, adler32|md5sum}} and, for "finished", name every output and the log.
Each of these makes the reply success false with the reason as message.

Authentication: with --token-file, every request must carry "Authorization: Bearer <the file's
content>" (re-read at each request) or gets 403 "ERROR : Token authentication failed. ...", as the
real server does; --origin also requires that Origin header. With --tls-cert/--tls-key it speaks
HTTPS; --client-ca additionally asks for a client certificate (an X.509 proxy) and records its DN.

Every request is appended to --log as one JSON line: time, method, path, api (v1, legacy, control),
endpoint, headers (lowercased; Authorization replaced by "REDACTED"), auth (none, accepted, missing,
refused), client_dn, content_type, content_encoding, body (decoded: JSON or form fields), errors
(what validation found), status (HTTP), reply (the decoded answer), gzip (whether it went gzipped).

Control endpoints (no authentication), for tests and by hand (curl -X POST):

    POST /control/command?panda_id=N&command=tobekilled   the next update_job/updateJob for N gets
                                                          this command (tobekilled, softkill, debug, ...)
    POST /control/down?seconds=S&mode=refuse|503          be away for S seconds: refuse connections
                                                          (listener closed) or answer 503 to API calls
    POST /control/job                                     body: a job description to add to the queue
    GET  /control/state                                   jobs left, handed out, final states, commands

Switches: --legacy answer|forbidden (forbidden: 403 "ERROR : method getJob is forbidden", as current
servers answer), --v1 answer|missing|forbidden (missing: 404, as a server without the new API;
forbidden: 403 "method ... is forbidden", as an older panda.py answers an unknown method).

    panda-job-server.py --jobs DIR --log FILE [--port N] [--port-file FILE] [--token-file FILE]
        [--origin ORIGIN] [--legacy answer|forbidden] [--v1 answer|missing|forbidden]
        [--tls-cert PEM --tls-key PEM [--client-ca PEM]] [--watch-pid PID]

It binds 127.0.0.1 (port 0: the kernel picks one), writes the port to --port-file once it listens,
and runs until SIGTERM. --watch-pid makes it exit once that process is gone.
"""

import argparse
import gzip
import http.server
import json
import os
import re
import select
import signal
import socket
import ssl
import sys
import threading
import time
import urllib.parse

JOB_STATES = ["running", "failed", "finished", "holding", "starting", "transferring"]
REQUIRED = object()
ANY = object()
NUMBER = (int, float)

# The v1 signatures (panda-server master, pandaserver/api/v1/pilot_api.py): name -> (type, default).
ACQUIRE_JOBS = {
    "site_name": (str, REQUIRED), "timeout": (int, 60), "memory": (int, None), "disk_space": (int, None),
    "prod_source_label": (str, None), "node": (str, None), "computing_element": (str, None),
    "prod_user_id": (str, None), "get_proxy_key": (str, None), "task_id": (int, None), "n_jobs": (int, 1),
    "background": (bool, None), "resource_type": (str, None), "harvester_id": (str, None),
    "worker_id": (int, None), "scheduler_id": (str, None), "job_type": (str, None),
    "via_topic": (bool, None), "remaining_time": (ANY, None),
}
UPDATE_JOB = {
    "job_id": (int, REQUIRED), "job_status": (str, REQUIRED), "job_output_report": (str, ""),
    "node": (str, None), "cpu_consumption_time": (int, None), "cpu_consumption_unit": (str, None),
    "scheduler_id": (str, None), "pilot_id": (str, None), "site_name": (str, None), "pilot_log": (str, ""),
    "meta_data": (str, ""), "cpu_conversion_factor": (NUMBER, None), "trans_exit_code": (int, None),
    "pilot_error_code": (int, None), "pilot_error_diag": (str, None), "exe_error_code": (int, None),
    "exe_error_diag": (str, None), "pilot_timing": (str, None), "start_time": (str, None),
    "end_time": (str, None), "n_events": (int, None), "n_input_files": (int, None), "batch_id": (str, None),
    "attempt_nr": (int, None), "job_metrics": (str, None), "stdout": (str, ""), "job_sub_status": (str, None),
    "core_count": (int, None), "corrupted_files": (str, None), "mean_core_count": (int, None),
    "cpu_architecture_level": (str, None), "grid": (str, None), "source_site": (str, None),
    "destination_site": (str, None), "timeout": (int, 60),
}
for _prefix in ("max", "avg"):
    for _kind in ("rss", "vmem", "swap", "pss"):
        UPDATE_JOB[f"{_prefix}_{_kind}"] = (NUMBER, None)
for _prefix in ("tot", "rate"):
    for _kind in ("rchar", "wchar", "rbytes", "wbytes"):
        UPDATE_JOB[f"{_prefix}_{_kind}"] = (NUMBER, None)
UPDATE_WORKER_STATUS = {
    "worker_id": (ANY, REQUIRED), "harvester_id": (ANY, REQUIRED), "status": (ANY, REQUIRED),
    "timeout": (ANY, 60), "node_id": (ANY, None),
}
V1_METHODS = {"acquire_jobs": ACQUIRE_JOBS, "update_job": UPDATE_JOB, "update_worker_status": UPDATE_WORKER_STATUS}

# The legacy parameter names (panda-server before the May 2026 teardown, JobDispatcher.py).
LEGACY_GET_JOB = {
    "siteName", "token", "timeout", "cpu", "mem", "diskSpace", "prodSourceLabel", "node", "computingElement",
    "AtlasRelease", "prodUserID", "getProxyKey", "countryGroup", "workingGroup", "allowOtherCountry", "taskID",
    "nJobs", "background", "resourceType", "harvester_id", "worker_id", "schedulerID", "jobType", "viaTopic",
    "remaining_time",
}
LEGACY_UPDATE_JOB = {
    "jobId", "state", "token", "transExitCode", "pilotErrorCode", "pilotErrorDiag", "timestamp", "timeout", "xml",
    "node", "workdir", "cpuConsumptionTime", "cpuConsumptionUnit", "remainingSpace", "schedulerID", "pilotID",
    "siteName", "messageLevel", "pilotLog", "metaData", "cpuConversionFactor", "exeErrorCode", "exeErrorDiag",
    "pilotTiming", "computingElement", "startTime", "endTime", "nEvents", "nInputFiles", "batchID", "attemptNr",
    "jobMetrics", "stdout", "jobSubStatus", "coreCount", "maxRSS", "maxVMEM", "maxSWAP", "maxPSS", "avgRSS",
    "avgVMEM", "avgSWAP", "avgPSS", "totRCHAR", "totWCHAR", "totRBYTES", "totWBYTES", "rateRCHAR", "rateWCHAR",
    "rateRBYTES", "rateWBYTES", "corruptedFiles", "meanCoreCount", "cpu_architecture_level", "grid", "source_site",
    "destination_site",
}
LEGACY_WORKER_STATUS = {"site", "workerID", "harvesterID", "status", "timeout", "node_id"}
LEGACY_METHODS = {"getJob": LEGACY_GET_JOB, "updateJob": LEGACY_UPDATE_JOB,
                  "updateWorkerPilotStatus": LEGACY_WORKER_STATUS}


class State:
    """What every connection shares: options, the job queue, per-job records, the log."""

    def __init__(self, options):
        self.options = options
        self.lock = threading.Lock()
        self.queue = []
        self.handed = {}  # PandaID -> job description
        self.final = {}  # PandaID -> final state
        self.attempts = {}  # PandaID -> attemptNr handed out
        self.commands = {}  # PandaID -> command for the next update
        self.down_until = 0.0
        self.down_mode = None
        self.listening = False
        if options.jobs:
            for name in sorted(os.listdir(options.jobs)):
                if name.endswith(".json"):
                    with open(os.path.join(options.jobs, name), encoding="utf-8") as handle:
                        self.queue.append(json.load(handle))

    def take_jobs(self, count):
        with self.lock:
            jobs, self.queue = self.queue[:count], self.queue[count:]
            for job in jobs:
                panda_id = int(job["PandaID"])
                self.handed[panda_id] = job
                self.attempts[panda_id] = int(job.get("attemptNr", 0) or 0)
            return jobs

    def is_down(self, mode):
        with self.lock:
            return self.down_mode == mode and time.time() < self.down_until

    def log(self, record):
        line = json.dumps(record, sort_keys=True, default=str) + "\n"
        with self.lock:
            with open(self.options.log, "a", encoding="utf-8") as handle:
                handle.write(line)


def type_name(value):
    return type(value).__name__


def check_type(name, value, expected):
    """The real server's isinstance check, but a bool is no int here."""
    if expected is ANY:
        return None
    types = expected if isinstance(expected, tuple) else (expected,)
    if isinstance(value, bool) and bool not in types:
        return f"Type error: '{name}' must be of type {'|'.join(t.__name__ for t in types)}, got bool."
    if not isinstance(value, types):
        return f"Type error: '{name}' must be of type {'|'.join(t.__name__ for t in types)}, got {type_name(value)}."
    return None


def validate_v1(method, params):
    """Errors in a v1 call's parameters, as request_validation finds them (first one first)."""
    signature = V1_METHODS[method]
    errors = []
    for name in params:
        if name not in signature:
            errors.append(f"Argument error: {method}() got an unexpected keyword argument '{name}'")
    for name, (expected, default) in signature.items():
        if name not in params:
            if default is REQUIRED:
                errors.append(f"Argument error: missing a required argument: '{name}'")
            continue
        value = params[name]
        if default is not REQUIRED and value == default and type(value) is type(default):
            continue
        if value is None and default is None:
            continue
        problem = check_type(name, value, expected)
        if problem:
            errors.append(problem)
    return errors


def check_time(name, value, errors):
    if value is None:
        return
    try:
        time.strptime(value, "%Y-%m-%d %H:%M:%S")
    except (ValueError, TypeError):
        errors.append(f"Invalid {name}={value}: expected %Y-%m-%d %H:%M:%S")


def check_report(report, status, job, errors):
    """The file report the Adder parses (adder_gen.py, parse_job_output_report)."""
    if report in (None, ""):
        if status == "finished" and job and (job.get("outFiles") or job.get("logFile")):
            errors.append("job_output_report is empty for a finished job with outputs")
        return
    try:
        entries = json.loads(report)
    except ValueError as error:
        errors.append(f"job_output_report is not JSON: {error}")
        return
    if not isinstance(entries, dict):
        errors.append("job_output_report is not a JSON object")
        return
    for lfn, entry in entries.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("guid"), str):
            errors.append(f"job_output_report {lfn}: no guid string")
            continue
        if not isinstance(entry.get("fsize"), int) or isinstance(entry.get("fsize"), bool):
            errors.append(f"job_output_report {lfn}: fsize must be an int")
        adler = entry.get("adler32")
        if adler is None and not re.fullmatch(r"[0-9a-fA-F]{32}", str(entry.get("md5sum", ""))):
            errors.append(f"job_output_report {lfn}: no adler32 or md5sum")
        if adler is not None and not re.fullmatch(r"[0-9a-f]{8}", str(adler)):
            errors.append(f"job_output_report {lfn}: adler32 must be 8 lowercase hex digits, got {adler}")
    if status == "finished" and job:
        expected = [name for name in str(job.get("outFiles", "")).split(",") if name]
        allowed = set(str(job.get("allowNoOutput", "")).split(","))
        if job.get("logFile"):
            expected.append(job["logFile"])
        for lfn in expected:
            if lfn not in entries and lfn not in allowed:
                errors.append(f"job_output_report lacks {lfn}")


class Handler(http.server.BaseHTTPRequestHandler):
    """One connection; `self.server` is the State."""

    protocol_version = "HTTP/1.1"
    server_version = "panda-job-server/1"

    def log_message(self, format, *args):
        pass

    def do_GET(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    def dispatch(self):
        state = self.server
        url = urllib.parse.urlsplit(self.path)
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))
        record = {
            "time": time.time(), "method": self.command, "path": url.path,
            "headers": {k.lower(): ("REDACTED" if k.lower() == "authorization" else v) for k, v in self.headers.items()},
            "content_type": self.headers.get("Content-Type"), "content_encoding": self.headers.get("Content-Encoding"),
            "client_dn": self.client_dn(), "errors": [],
        }
        try:
            if url.path.startswith("/control/"):
                record["api"], record["endpoint"] = "control", url.path[len("/control/"):]
                status, reply = self.control(record["endpoint"], url.query, raw)
            else:
                status, reply = self.api(url.path, raw, record)
        except Exception as error:  # a bug here must still answer and be logged
            status, reply = 500, f"ERROR : {type(error).__name__}: {error}"
        record["status"] = status
        record["reply"] = reply
        body, content_type = self.encode(reply, record)
        record["gzip"] = "gzip" in self.headers.get("Accept-Encoding", "") and len(body) > 0
        state.log(record)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if record["gzip"]:
            body = gzip.compress(body)
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def client_dn(self):
        try:
            cert = self.connection.getpeercert()
        except (AttributeError, ValueError):
            return None
        if not cert:
            return None
        short = {"domainComponent": "DC", "organizationalUnitName": "OU", "organizationName": "O",
                 "commonName": "CN", "countryName": "C", "localityName": "L", "stateOrProvinceName": "ST"}
        return "".join(f"/{short.get(k, k)}={v}" for rdn in cert.get("subject", ()) for k, v in rdn)

    def encode(self, reply, record):
        if isinstance(reply, (bytes, str)):
            text = reply if isinstance(reply, str) else reply.decode()
            return text.encode(), "text/plain"
        if record.get("api") == "legacy" and not record.get("accept_json"):
            fields = {k: (json.dumps(v) if isinstance(v, (list, dict)) else v) for k, v in reply.items()}
            return urllib.parse.urlencode(fields).encode(), "text/plain"
        return json.dumps(reply).encode(), "application/json"

    # -- API ------------------------------------------------------------------------------------

    def api(self, path, raw, record):
        state = self.server
        match_v1 = re.fullmatch(r"/api/(v1|latest)/pilot/([A-Za-z_]+)", path)
        match_legacy = re.fullmatch(r"/server/panda/([A-Za-z_]+)", path)
        if match_v1:
            record["api"], record["endpoint"] = "v1", match_v1.group(2)
        elif match_legacy:
            record["api"], record["endpoint"] = "legacy", match_legacy.group(1)
        else:
            record["api"], record["endpoint"] = None, None
            return 404, "not found"
        if state.is_down("503"):
            return 503, "server is down for maintenance"
        method = record["endpoint"]
        if record["api"] == "v1":
            if state.options.v1 == "missing":
                return 404, "not found"
            if state.options.v1 == "forbidden" or method not in V1_METHODS:
                return 403, f"ERROR : method {method} is forbidden"
        else:
            if state.options.legacy == "forbidden" or method not in LEGACY_METHODS:
                return 403, f"ERROR : method {method} is forbidden"
        record["auth"] = self.authenticate()
        if record["auth"] in ("missing", "refused"):
            return 403, "ERROR : Token authentication failed. " + (
                "no bearer token" if record["auth"] == "missing" else "invalid token or origin")
        if record["api"] == "v1":
            return self.v1(method, raw, record)
        return self.legacy(method, raw, record)

    def authenticate(self):
        options = self.server.options
        if not options.token_file:
            return "none"
        header = self.headers.get("Authorization")
        if not header or not header.startswith("Bearer "):
            return "missing"
        with open(options.token_file, encoding="utf-8") as handle:
            expected = handle.read().strip()
        if header[len("Bearer "):].strip() != expected:
            return "refused"
        if options.origin and self.headers.get("Origin") != options.origin:
            return "refused"
        return "accepted"

    def v1(self, method, raw, record):
        content_type = self.headers.get("Content-Type", "")
        if self.command not in ("POST", "PUT"):
            record["errors"].append(f"expecting POST, received {self.command}")
            return 200, envelope(False, f"expecting POST, received {self.command}")
        if content_type == "application/json":
            if self.headers.get("Content-Encoding") == "gzip":
                raw = gzip.decompress(raw)
            try:
                params = json.loads(raw or b"{}")
            except ValueError as error:
                record["errors"].append(f"invalid JSON: {error}")
                return 500, f"ERROR : received invalid JSON : {error}"
        else:
            params = dict(urllib.parse.parse_qsl(raw.decode(), keep_blank_values=True))
        record["body"] = params
        errors = validate_v1(method, params) if isinstance(params, dict) else ["the body is not a JSON object"]
        if not errors and method == "update_job":
            for name in ("start_time", "end_time"):
                check_time(name, params.get(name), errors)
            if params["job_status"] not in JOB_STATES:
                return 200, envelope(False, f"Invalid job status: {params['job_status']}", {"StatusCode": 50})
            job = self.server.handed.get(params["job_id"])
            check_report(params.get("job_output_report", ""), params["job_status"], job, errors)
        if not errors and method == "update_worker_status" and params["status"] not in ("started", "finished"):
            errors.append("Invalid worker state. The worker state has to be in ('started', 'finished')")
        record["errors"] += errors
        if errors:
            return 200, envelope(False, errors[0])
        if method == "acquire_jobs":
            jobs = self.server.take_jobs(max(1, params.get("n_jobs", 1)))
            if not jobs:
                return 200, envelope(False, "No jobs in PanDA")
            return 200, envelope(True, "", {"StatusCode": 0, "jobs": [dict(job, StatusCode=0, nSent=0) for job in jobs]})
        if method == "update_job":
            code, command = self.update(params["job_id"], params["job_status"], params.get("attempt_nr"))
            if code != 0:
                return 200, envelope(True, "Database error", {"StatusCode": code})
            return 200, envelope(True, "", {"StatusCode": 0, "command": command})
        return 200, envelope(True, "")

    def legacy(self, method, raw, record):
        record["accept_json"] = self.headers.get("Accept") == "application/json"
        if self.headers.get("Content-Type") == "application/json":
            params = json.loads(gzip.decompress(raw))
        else:
            params = dict(urllib.parse.parse_qsl(raw.decode(), keep_blank_values=True))
        record["body"] = params
        unknown = [name for name in params if name not in LEGACY_METHODS[method]]
        if unknown:
            record["errors"].append(f"{method}() got an unexpected keyword argument '{unknown[0]}'")
            return 500, f"{method}() got an unexpected keyword argument '{unknown[0]}'"
        if method == "getJob":
            if "siteName" not in params:
                record["errors"].append("getJob() missing siteName")
                return 500, "getJob() missing 1 required positional argument: 'siteName'"
            jobs = self.server.take_jobs(max(1, int(params.get("nJobs", 1) or 1)))
            if not jobs:
                return 200, {"StatusCode": 20, "errorDialog": "no jobs in PanDA"}
            if "nJobs" in params:
                return 200, {"StatusCode": 0, "jobs": [dict(job, StatusCode=0, nSent=0) for job in jobs]}
            return 200, dict(jobs[0], StatusCode=0, nSent=0)
        if method == "updateJob":
            errors = record["errors"]
            for name in ("jobId", "state"):
                if name not in params:
                    errors.append(f"updateJob() missing {name}")
            for name in ("startTime", "endTime"):
                check_time(name, params.get(name), errors)
            if errors:
                return 200, {"StatusCode": 50, "errorDialog": errors[0]}
            if params["state"] not in JOB_STATES:
                return 200, {"StatusCode": 0}
            job_id = int(params["jobId"])
            check_report(params.get("xml", ""), params["state"], self.server.handed.get(job_id), errors)
            if errors:
                return 200, {"StatusCode": 50, "errorDialog": errors[0]}
            attempt = int(params["attemptNr"]) if params.get("attemptNr") not in (None, "") else None
            code, command = self.update(job_id, params["state"], attempt)
            return 200, {"StatusCode": code, "command": command or "NULL"} if code == 0 else {"StatusCode": code}
        if params.get("status") not in ("started", "finished"):
            return 200, "Invalid worker state. The worker state has to be in ('started', 'finished')"
        return 200, {"StatusCode": 0}

    def update(self, job_id, status, attempt):
        """(StatusCode, command) for an update of a handed-out job, as the dispatcher answers."""
        state = self.server
        with state.lock:
            if job_id not in state.handed:
                return 30, None
            if attempt is not None and attempt != state.attempts.get(job_id):
                return 0, "badattemptnr"
            if job_id in state.final:
                return 0, "alreadydone"
            if status in ("finished", "failed"):
                state.final[job_id] = status
            return 0, state.commands.pop(job_id, None)

    # -- control --------------------------------------------------------------------------------

    def control(self, endpoint, query, raw):
        state = self.server
        args = dict(urllib.parse.parse_qsl(query))
        if endpoint == "command":
            with state.lock:
                state.commands[int(args["panda_id"])] = args.get("command", "tobekilled")
            return 200, {"ok": True}
        if endpoint == "down":
            with state.lock:
                state.down_until = time.time() + float(args.get("seconds", "5"))
                state.down_mode = args.get("mode", "refuse")
            # Answer once the listener is closed, so that the caller's next connect is refused.
            deadline = time.time() + 1
            while state.down_mode == "refuse" and state.listening and time.time() < deadline:
                time.sleep(0.005)
            return 200, {"ok": True}
        if endpoint == "job":
            job = json.loads(raw)
            with state.lock:
                state.queue.append(job)
            return 200, {"ok": True}
        if endpoint == "state":
            with state.lock:
                return 200, {
                    "queued": [job.get("PandaID") for job in state.queue], "handed": sorted(state.handed),
                    "final": {str(k): v for k, v in state.final.items()},
                    "commands": {str(k): v for k, v in state.commands.items()},
                }
        return 404, "no such control endpoint"


def envelope(success, message, data=None):
    return {"success": success, "message": message, "data": data}


class Listener:
    """The accept loop. Being "down" in refuse mode closes the socket, so connects are refused."""

    def __init__(self, state, port, tls):
        self.state = state
        self.tls = tls
        self.port = port
        self.sock = None
        self.open()

    def open(self):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        sock.listen(64)
        self.port = sock.getsockname()[1]
        self.sock = sock
        self.state.listening = True

    def serve(self):
        while True:
            if self.state.is_down("refuse"):
                if self.sock:
                    self.sock.close()
                    self.sock = None
                    self.state.listening = False
                time.sleep(0.005)
                continue
            if not self.sock:
                self.open()
            ready, _, _ = select.select([self.sock], [], [], 0.05)
            # Being told to go down while waiting: refuse what arrived meanwhile too.
            if not ready or self.state.is_down("refuse"):
                continue
            try:
                conn, address = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self.handle, args=(conn, address), daemon=True).start()

    def handle(self, conn, address):
        try:
            if self.tls:
                conn = self.tls.wrap_socket(conn, server_side=True)
            conn.settimeout(30)
            Handler(conn, address, self.state)
        except (OSError, ssl.SSLError):
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass


def watch(pid):
    """Exit once `pid` is gone."""
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            os._exit(0)
        except PermissionError:
            pass
        time.sleep(0.5)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", help="directory of job descriptions (*.json), handed out in name order")
    parser.add_argument("--log", required=True, help="the JSON-lines request log (appended)")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", help="written with the port once listening")
    parser.add_argument("--token-file", help="require this bearer token (re-read at each request)")
    parser.add_argument("--origin", help="require this Origin header with the token")
    parser.add_argument("--legacy", choices=["answer", "forbidden"], default="answer")
    parser.add_argument("--v1", choices=["answer", "missing", "forbidden"], default="answer")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--client-ca", help="ask for a client certificate signed by this CA")
    parser.add_argument("--watch-pid", type=int)
    options = parser.parse_args()

    # Foundation's Process (under swift test) starts children with nearly every signal blocked.
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    if os.getpgrp() != os.getpid():
        try:
            os.setpgid(0, 0)
        except OSError:
            pass
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    signal.signal(signal.SIGINT, lambda *_: os._exit(0))

    tls = None
    if options.tls_cert:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(options.tls_cert, options.tls_key)
        if options.client_ca:
            tls.load_verify_locations(options.client_ca)
            tls.verify_mode = ssl.CERT_OPTIONAL
    state = State(options)
    open(options.log, "a").close()
    listener = Listener(state, options.port, tls)
    if options.watch_pid:
        threading.Thread(target=watch, args=(options.watch_pid,), daemon=True).start()
    if options.port_file:
        partial = options.port_file + ".part"
        with open(partial, "w") as handle:
            handle.write("%d\n" % listener.port)
        os.replace(partial, options.port_file)
    else:
        print(f"listening on http{'s' if tls else ''}://127.0.0.1:{listener.port}", flush=True)
    listener.serve()


if __name__ == "__main__":
    sys.exit(main())
