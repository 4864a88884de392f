"""LocalStack's S3, checking presigned signatures, as the object store of the S3 test lane.

Run with the LocalStack venv's python (scripts/install-localstack.sh):

    localstack-server.py --port P --dir DIR [--bucket B] [--watch-pid PID]

Starts `python -m localstack.runtime.main` on 127.0.0.1:P (HTTP and HTTPS on the same port) with
SERVICES=s3, S3_SKIP_SIGNATURE_VALIDATION=0 and no DNS server or certificate download (RUCIO.md
sections 1, 3), its log in DIR/localstack.log (one `AWS s3.<Operation> => <status>` line per
request). Ready once GET /_localstack/health answers; the caller polls that. LocalStack still
writes its certificate to /var/lib/localstack/cache and objects to the shared
$TMPDIR/localstack-s3-storage/<bucket> (RUCIO.md section 9), so callers use a bucket of their own.

It leads a new process group, so that `kill -- -PID` stops it and LocalStack and nothing else. On
SIGTERM or SIGINT, or once --watch-pid is gone (a crashed test run), it stops LocalStack (TERM,
then KILL after 5 s) and exits. When the watched process is gone, nobody will clean up after it,
so it also removes DIR and bucket B's folder in LocalStack's shared object store (RUCIO.md §9).
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading

stop = threading.Event()
orphaned = threading.Event()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--bucket")
    parser.add_argument("--watch-pid", type=int)
    options = parser.parse_args()

    # Foundation's Process (under swift test) starts children with nearly every signal blocked;
    # LocalStack would inherit that mask and ignore SIGTERM.
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    if os.getpgid(0) != os.getpid():
        os.setsid()
    for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(number, lambda *_: stop.set())

    root = os.path.realpath(options.dir)
    environment = dict(
        os.environ,
        GATEWAY_LISTEN=f"127.0.0.1:{options.port}",
        SERVICES="s3",
        S3_SKIP_SIGNATURE_VALIDATION="0",
        DISABLE_EVENTS="1",
        SKIP_SSL_CERT_DOWNLOAD="1",
        DNS_ADDRESS="0",
        # No analytics, no update checks: the test machines are offline.
        LOCALSTACK_TELEMETRY_DISABLED="1",
        DISABLE_EVENTS_TELEMETRY="1",
    )
    log = open(os.path.join(root, "localstack.log"), "ab")
    child = subprocess.Popen(
        [sys.executable, "-m", "localstack.runtime.main"],
        env=environment, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd=root,
    )

    def watch():
        while not stop.is_set():
            if child.poll() is not None:
                stop.set()
            elif options.watch_pid:
                try:
                    os.kill(options.watch_pid, 0)
                except ProcessLookupError:
                    orphaned.set()
                    stop.set()
            stop.wait(0.5)

    threading.Thread(target=watch, daemon=True).start()
    while not stop.wait(1):
        pass

    if child.poll() is None:
        child.terminate()
        try:
            child.wait(5)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    status = child.returncode
    if orphaned.is_set():
        shutil.rmtree(root, ignore_errors=True)
        if options.bucket:
            storage = os.path.join(tempfile.gettempdir(), "localstack-s3-storage", options.bucket)
            shutil.rmtree(storage, ignore_errors=True)
    # Anything LocalStack left in the group (it runs its services in threads, but be sure).
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        os.killpg(os.getpgid(0), signal.SIGTERM)
    except ProcessLookupError:
        pass
    return 0 if status in (0, -signal.SIGTERM) else 1


if __name__ == "__main__":
    sys.exit(main())
