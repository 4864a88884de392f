#!/usr/bin/python3
"""An HTTP server that misbehaves on purpose, for the stager's tests (STAGING.md sections 4, 6).

nginx (staging-server.sh) covers signed URLs, TLS, ranges and 503 SlowDown. This server covers
what nginx will not do: a short body, a reset mid-body, a 200 to a Range request, a changing
ETag, a flipped byte, a stall. Every behaviour is chosen by the path prefix and is deterministic:

    /ok/NAME                    the file, with single-range support and a stable ETag
    /short/NAME                 promises the full Content-Length, sends half, closes
    /reset/NAME?after=BYTES     sends BYTES of the body, then resets the connection (RST)
    /ignore-range/NAME          200 with the whole body, even to a Range request
    /etag-change/NAME           a new ETag on every request; If-Match (other than *) gets 412
    /flip/NAME?times=N          one byte flipped (the middle one) in the first N answers (default 1)
    /status/503-twice/NAME      503 SlowDown with Retry-After: 0 to the first two requests, then 200
    /stall/NAME?after=BYTES     sends BYTES, then nothing until the client gives up
    /put/NAME                   PUT stores the body as ROOT/NAME; 201 with ETag "<md5 hex>";
                                a Content-MD5 that does not match the body gets 400 BadDigest
    /put/NAME?fail=N            the first N PUTs (per path and query) get 500 InternalError, body read
    /complete/NAME?error=CODE&times=N
                                POST: the first N answers are 200 with an S3 <Error><Code>CODE</Code>
                                body (default N 1), then 200 with <CompleteMultipartUploadResult>
    /skew/NAME?skew=S           the first resumed range (start > 0) is answered from S bytes earlier
    /overlong/NAME              a range is served to the end of the file, whatever its end
    ...?cut=BYTES               any behaviour: the first answer from byte 0 is reset after BYTES

/short and /reset only cut answers whose body starts at offset 0, so a client resuming with
`Range: bytes=K-` (K > 0) gets a correct 206 and can finish; `bytes=0-0` is never cut either.
Counters (/flip, /status) are kept per request path, query included.

Ranges: one `bytes=a-b`, `bytes=a-` or `bytes=-n` gets 206 with Content-Range; a start at or
beyond the end gets 416 with `Content-Range: bytes */SIZE`; several ranges get 200 with the whole
body, as S3 does. `If-Match` is checked against the ETag (412 on a mismatch) before the range.

Every request is appended to --log as one JSON line, before the answer is sent:
{"method", "path", "range", "if_match", "status"} (absent headers are null).

    fault-server.py --root DIR --log FILE --port-file FILE [--port N] [--watch-pid PID]

It binds 127.0.0.1 (port 0 by default: the kernel picks a free one), writes the port to
--port-file atomically once it listens, and runs until SIGTERM. It makes itself a process group
leader, so that killing the group -PID stops it and nothing else. --watch-pid makes it exit once
that process is gone, so a crashed test run leaves no server behind.
"""

import argparse
import base64
import hashlib
import http.server
import json
import os
import re
import select
import signal
import socket
import socketserver
import struct
import sys
import threading
import time
import urllib.parse

SLOWDOWN_XML = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>\n"
)


def s3_error(code, message):
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code><Message>%s</Message></Error>\n'
            % (code, message)).encode()


class State:
    """What all handler threads share: options, counters, the log and the ETag cache."""

    def __init__(self, options):
        self.root = os.path.realpath(options.root)
        self.log_path = options.log
        self.lock = threading.Lock()
        self.counters = {}
        self.etag_serial = 0
        self.md5_cache = {}
        self.stopping = threading.Event()

    def count(self, key):
        """How many requests came for `key` before this one."""
        with self.lock:
            seen = self.counters.get(key, 0)
            self.counters[key] = seen + 1
            return seen

    def next_etag(self):
        with self.lock:
            self.etag_serial += 1
            return '"changing-%d"' % self.etag_serial

    def stable_etag(self, path, stat):
        key = (path, stat.st_size, stat.st_mtime_ns)
        with self.lock:
            cached = self.md5_cache.get(key)
        if cached is None:
            digest = hashlib.md5()
            with open(path, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
            cached = '"%s"' % digest.hexdigest()
            with self.lock:
                self.md5_cache[key] = cached
        return cached

    def log(self, record):
        line = json.dumps(record, sort_keys=True) + "\n"
        with self.lock:
            with open(self.log_path, "a", encoding="utf-8") as handle:
                handle.write(line)


def parse_range(header, size):
    """(start, end) inclusive for one satisfiable range, "unsatisfiable", or None (send it all)."""
    if header is None:
        return None
    match = re.fullmatch(r"\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*", header)
    if not match:
        return None  # several ranges, or not a byte range: the whole body, as S3 answers
    first, last = match.groups()
    if first == "" and last == "":
        return None
    if first == "":
        length = int(last)
        if length == 0:
            return "unsatisfiable"
        return (max(0, size - length), size - 1)
    start = int(first)
    if start >= size:
        return "unsatisfiable"
    end = size - 1 if last == "" else min(int(last), size - 1)
    if end < start:
        return None
    return (start, end)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fault-server/1"

    def log_message(self, format, *args):  # the JSON log is the record; keep stderr quiet
        pass

    @property
    def state(self):
        return self.server.state

    # -- routing -------------------------------------------------------------

    def do_GET(self):
        self.route(send_body=True)

    def do_HEAD(self):
        self.route(send_body=False)

    def do_PUT(self):
        url = urllib.parse.urlsplit(self.path)
        behaviour, name = self.split(url.path)
        if behaviour != "put" or name is None:
            self.simple(405, b"PUT only under /put/\n")
            return
        body = self.read_body()
        if body is None:
            self.simple(400, b"bad request body\n")
            return
        query = urllib.parse.parse_qs(url.query)
        if self.state.count(self.path + "#fail") < int(query.get("fail", ["0"])[0]):
            self.xml(500, s3_error("InternalError", "We encountered an internal error. Please try again."))
            return
        sent_md5 = self.headers.get("Content-MD5")
        if sent_md5 is not None and sent_md5 != base64.b64encode(hashlib.md5(body).digest()).decode():
            self.xml(400, s3_error("BadDigest", "The Content-MD5 you specified did not match what we received."))
            return
        target = self.local_path(name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        partial = target + ".fault-server-part"
        with open(partial, "wb") as handle:
            handle.write(body)
        os.replace(partial, target)
        etag = '"%s"' % hashlib.md5(body).hexdigest()
        self.record(201)
        self.send_response(201)
        self.send_header("ETag", etag)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self):
        url = urllib.parse.urlsplit(self.path)
        behaviour, name = self.split(url.path)
        if behaviour != "complete" or name is None:
            self.simple(405, b"POST only under /complete/\n")
            return
        if self.read_body() is None:
            self.simple(400, b"bad request body\n")
            return
        query = urllib.parse.parse_qs(url.query)
        code = query.get("error", [None])[0]
        if code and self.state.count(self.path) < int(query.get("times", ["1"])[0]):
            # S3 sends 200 before it knows the outcome; the error comes in the body.
            self.xml(200, s3_error(code, "We encountered an internal error. Please try again."))
            return
        self.xml(200, (
            '<?xml version="1.0" encoding="UTF-8"?>\n<CompleteMultipartUploadResult><Key>%s</Key>'
            '<ETag>&quot;fault-server-etag-1&quot;</ETag></CompleteMultipartUploadResult>' % name).encode())

    def xml(self, status, body):
        self.record(status)
        self.send_response(status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def split(self, path):
        """(behaviour, NAME) for a path; behaviour "status/503-twice" has two segments."""
        parts = urllib.parse.unquote(path).lstrip("/").split("/")
        if len(parts) >= 3 and parts[0] == "status":
            return "status/" + parts[1], "/".join(parts[2:]) or None
        if len(parts) >= 2:
            return parts[0], "/".join(parts[1:]) or None
        return None, None

    def local_path(self, name):
        path = os.path.realpath(os.path.join(self.state.root, name))
        if not path.startswith(self.state.root + os.sep):
            raise PermissionError(name)
        return path

    def route(self, send_body):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        behaviour, name = self.split(url.path)
        known = {"ok", "short", "reset", "ignore-range", "etag-change", "flip", "status/503-twice", "stall", "put",
                 "skew", "overlong"}
        if behaviour not in known or name is None:
            self.simple(404, b"no such behaviour\n", send_body)
            return
        try:
            local = self.local_path(name)
            stat = os.stat(local)
        except (OSError, PermissionError):
            self.simple(404, b"no such file\n", send_body)
            return

        if behaviour == "status/503-twice" and self.state.count(self.path) < 2:
            self.record(503)
            self.send_response(503)
            self.send_header("Retry-After", "0")
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(SLOWDOWN_XML)))
            self.end_headers()
            if send_body:
                self.wfile.write(SLOWDOWN_XML)
            return

        size = stat.st_size
        if behaviour == "etag-change":
            etag = self.state.next_etag()
        else:
            etag = self.state.stable_etag(local, stat)

        if_match = self.headers.get("If-Match")
        if if_match is not None and if_match.strip() != "*":
            offered = [tag.strip() for tag in if_match.split(",")]
            if etag not in offered:
                self.simple(412, b"precondition failed\n", send_body, etag=etag)
                return

        wanted = None if behaviour == "ignore-range" else parse_range(self.headers.get("Range"), size)
        if wanted == "unsatisfiable":
            self.record(416)
            self.send_response(416)
            self.send_header("Content-Range", "bytes */%d" % size)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        start, end = wanted if wanted else (0, size - 1)
        if wanted and behaviour == "overlong":
            end = size - 1  # ignores where the range was asked to end
        if wanted and behaviour == "skew" and start > 0 and self.state.count(self.path + "#skew") < 1:
            start = max(0, start - int(query.get("skew", ["4096"])[0]))  # a resume answered from the wrong byte, once
        length = end - start + 1 if size > 0 else 0
        status = 206 if wanted else 200

        flip = False
        if behaviour == "flip":
            times = int(query.get("times", ["1"])[0])
            flip = self.state.count(self.path) < times
        # A cut body is only ever the first answer for the file: a resume (start > 0) and a
        # one-byte size probe are served whole.
        cut_at = None
        if start == 0 and length > 1 and "cut" in query and self.state.count(self.path + "#cut") < 1:
            cut_at = min(int(query["cut"][0]), length - 1)  # any behaviour: reset the first answer there
        elif start == 0 and length > 1:
            if behaviour == "short":
                cut_at = length // 2
            elif behaviour in ("reset", "stall"):
                after = int(query.get("after", [str(length // 2)])[0])
                if after < length:
                    cut_at = after

        self.record(status)
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(length))
        self.send_header("ETag", etag)
        self.send_header("Accept-Ranges", "bytes")
        if status == 206:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, end, size))
        if cut_at is not None:
            self.send_header("Connection", "close")
        self.end_headers()
        if not send_body:
            return

        body_end = start + (cut_at if cut_at is not None else length)
        self.send_file(local, start, body_end, flip_at=size // 2 if flip else None)
        if cut_at is None:
            return
        self.wfile.flush()
        if behaviour == "short":
            self.close_connection = True
        elif behaviour == "reset" or "cut" in query:
            self.reset()
        else:
            self.stall()

    # -- pieces --------------------------------------------------------------

    def send_file(self, local, start, end, flip_at=None):
        with open(local, "rb") as handle:
            handle.seek(start)
            position = start
            while position < end:
                block = bytearray(handle.read(min(1 << 16, end - position)))
                if not block:
                    break
                if flip_at is not None and position <= flip_at < position + len(block):
                    block[flip_at - position] ^= 0xFF
                self.wfile.write(block)
                position += len(block)

    def reset(self):
        """Close with SO_LINGER 0: the kernel sends RST instead of FIN."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        # Close now: socketserver would first shutdown(SHUT_WR), and the FIN it sends would
        # make the client see a short body (curl 18) instead of a reset (curl 56).
        self.rfile.close()
        self.connection.close()
        self.close_connection = True

    def stall(self):
        """Send nothing more until the client closes or the server stops."""
        while not self.state.stopping.is_set():
            readable, _, _ = select.select([self.connection], [], [], 0.2)
            if readable:
                try:
                    if not self.connection.recv(1, socket.MSG_PEEK):
                        break
                except OSError:
                    break
        self.close_connection = True

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                line = self.rfile.readline()
                if not line:
                    return None
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length", "0"))
        return self.rfile.read(length)

    def record(self, status):
        self.state.log({
            "method": self.command,
            "path": self.path,
            "range": self.headers.get("Range"),
            "if_match": self.headers.get("If-Match"),
            "status": status,
        })

    def simple(self, status, body, send_body=True, etag=None):
        self.record(status)
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        if etag:
            self.send_header("ETag", etag)
        self.end_headers()
        if send_body:
            self.wfile.write(body)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def watch(pid, server):
    """Stop the server once `pid` is gone."""
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            server.state.stopping.set()
            os._exit(0)
        except PermissionError:
            pass
        time.sleep(0.5)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", required=True, help="the directory NAME is relative to")
    parser.add_argument("--log", required=True, help="the JSON-lines request log")
    parser.add_argument("--port-file", required=True, help="written with the port once listening")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--watch-pid", type=int)
    options = parser.parse_args()

    # Foundation's Process (under swift test) starts children with nearly every signal blocked;
    # unblock them before any thread starts, or SIGTERM would never arrive.
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    if os.getpgrp() != os.getpid():
        try:
            os.setpgid(0, 0)
        except OSError:
            pass

    server = Server(("127.0.0.1", options.port), Handler)
    server.state = State(options)
    open(options.log, "a").close()

    def stop(signum, frame):
        server.state.stopping.set()
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if options.watch_pid:
        threading.Thread(target=watch, args=(options.watch_pid, server), daemon=True).start()

    partial = options.port_file + ".part"
    with open(partial, "w") as handle:
        handle.write("%d\n" % server.server_address[1])
    os.replace(partial, options.port_file)
    server.serve_forever(poll_interval=0.2)


if __name__ == "__main__":
    sys.exit(main())
