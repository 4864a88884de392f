#!/usr/bin/python3
"""A stand-in for the HTTP accounting collector, for the accounting tests.

Every POST is appended to --log as one JSON line before it is answered:
{"path", "idempotency_key", "content_type", "status", "body"} (body parsed as JSON, or null).
The first --fail POSTs are answered 503 with Retry-After: 0, later ones 201.

    collector-server.py --log FILE --port-file FILE [--fail N] [--watch-pid PID]

It binds 127.0.0.1 on a port the kernel picks, writes the port to --port-file atomically once
it listens, and runs until SIGTERM, or until the --watch-pid process is gone.
"""

import argparse
import http.server
import json
import os
import signal
import threading
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--log", required=True)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--fail", type=int, default=0)
    parser.add_argument("--watch-pid", type=int)
    args = parser.parse_args()
    # Foundation's Process (under swift test) starts children with nearly every signal blocked;
    # unblock them before any thread starts, or SIGTERM would never arrive.
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    lock = threading.Lock()
    state = {"posts": 0}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            with lock:
                state["posts"] += 1
                status = 503 if state["posts"] <= args.fail else 201
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = None
                entry = {
                    "path": self.path,
                    "idempotency_key": self.headers.get("Idempotency-Key"),
                    "content_type": self.headers.get("Content-Type"),
                    "status": status,
                    "body": body,
                }
                with open(args.log, "a") as log:
                    log.write(json.dumps(entry) + "\n")
            self.send_response(status)
            if status == 503:
                self.send_header("Retry-After", "0")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    temporary = args.port_file + ".tmp"
    with open(temporary, "w") as handle:
        handle.write(str(server.server_address[1]))
    os.rename(temporary, args.port_file)

    if args.watch_pid:
        def watch():
            while True:
                try:
                    os.kill(args.watch_pid, 0)
                except OSError:
                    server.shutdown()
                    return
                time.sleep(0.5)
        threading.Thread(target=watch, daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
