#!/usr/bin/env bash
# The README's run command: one whole job, end to end, on this machine alone.
#
#   nginx on 127.0.0.1 serves the input through an expiring signed link and takes the outputs
#   (Tests/PilotTests/Scripts/staging-server.sh); the project's PanDA job server hands out one job
#   (scripts/panda-job-server.py); the image is a busybox rootfs; `pilot run` takes the job, stages
#   the input in, runs examples/run/payload.sh in the container, sends heartbeats, stages the
#   output and the log archive out, reports, writes the APEL record, finds no second job and exits.
#   Then it prints the job's outcome as the server recorded it and where the accounting went.
#
# Usage: scripts/run-example.sh [PILOT_BINARY]   (default dist/pilot; run as root)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
pilot=$(realpath "${1:-$repo/dist/pilot}")
scripts=$repo/Tests/PilotTests/Scripts
[[ -x $pilot ]] || { echo "run-example: $pilot is not built (scripts/build-static.sh)" >&2; exit 1; }
base=$(mktemp -d /tmp/pilot-example.XXXXXX)
chmod 755 "$base"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
http=$(free_port) https=$(free_port)
mkdir -p "$base"/{nginx,data,jobs,work}
"$scripts/make-busybox-rootfs.sh" "$base/image"
for i in $(seq 1 20); do echo "event $i: muon pt=$((i * 7 % 50 + 10)) eta=0.$i jet pt=$((i * 13 % 90 + 20))"; done >"$base/data/events.txt"
cp "$repo/examples/run/payload.sh" "$base/data/payload.sh"  # the user's code travels as an input, as analysis jobs ship theirs
chmod 644 "$base/data/events.txt" "$base/data/payload.sh"
setsid "$scripts/staging-server.sh" --dir "$base/nginx" --data "$base/data" --http-port "$http" --https-port "$https" --watch-pid $$ \
    >"$base/nginx.out" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [[ -s $base/nginx/nginx.pid ]] && break; sleep 0.1; done

expires=$(($(date +%s) + 3600))
signed() { echo "http://127.0.0.1:$http/signed/$2?$("$scripts/sign.sh" "$1" "/signed/$2" "$expires")"; }
panda_id=$((RANDOM + 4000000))
python3 - "$base" "$panda_id" "$(signed GET events.txt),$(signed GET payload.sh)" "$(signed PUT "reco.$panda_id.txt")" "$(signed PUT "log.$panda_id.tgz")" <<'PY'
import json, sys, zlib
base, panda_id, url_in, url_out, url_log = sys.argv[1:]
files = [open(f"{base}/data/{name}", "rb").read() for name in ("events.txt", "payload.sh")]
job = {
    "PandaID": int(panda_id), "jobsetID": 1, "taskID": 1000, "attemptNr": 1, "prodSourceLabel": "managed",
    "transformation": "sh", "jobPars": "/srv/payload.sh", "container_name": f"{base}/image",
    "coreCount": 1, "minRamCount": 2000, "maxWalltime": 3600, "maxDiskCount": 1000,
    "inFiles": "events.txt,payload.sh", "GUID": "0b7e3c6a-1d8b-4c9e-9a61-5d2f0c1e7a01,5c0ffee0-0000-4000-8000-000000000001",
    "fsize": ",".join(str(len(d)) for d in files), "checksum": ",".join("ad:%08x" % zlib.adler32(d) for d in files),
    "scopeIn": "example,example", "signedURLsIn": url_in,
    "outFiles": "reco.txt", "scopeOut": "example", "realDatasets": "example.reco/", "destinationDblock": "example.reco/",
    "destinationDBlockToken": "NULL", "fileDestinationSE": "LOCAL", "ddmEndPointOut": "LOCAL",
    "logFile": "log.tgz", "logGUID": "9d1f1b7e-6f0e-4a51-8f3c-2c7d8e9a0b12", "scopeLog": "example",
    "signedURLsOut": f"{url_out},{url_log}",
}
json.dump(job, open(f"{base}/jobs/{panda_id}.json", "w"), indent=1)
PY

python3 "$repo/scripts/panda-job-server.py" --jobs "$base/jobs" --log "$base/server.jsonl" --port-file "$base/server.port" --watch-pid $$ \
    >"$base/server.out" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [[ -s $base/server.port ]] && break; sleep 0.1; done
server="http://127.0.0.1:$(cat "$base/server.port")"

echo "run-example: $pilot run --server $server --queue EXAMPLE_QUEUE --workdir $base/work"
status=0
PILOT_CVMFS_REPOS="" PILOT_BENCHMARK="HEPscore23:10.0" PILOT_ACCOUNTING_APEL_QUEUE="$base/apel-outgoing" \
PILOT_ACCOUNTING_DIR="$base/accounting" PILOT_LOG_FORMAT=text \
    "$pilot" run --server "$server" --queue EXAMPLE_QUEUE --site EXAMPLE-SITE --workdir "$base/work" --heartbeat 2 || status=$?

python3 - "$base" "$panda_id" <<'PY'
import json, os, sys, zlib
base, panda_id = sys.argv[1], sys.argv[2]
updates = [json.loads(l) for l in open(f"{base}/server.jsonl")]
updates = [r for r in updates if r.get("endpoint") == "update_job" and isinstance(r.get("body"), dict)]
states = [r["body"].get("job_status") for r in updates]
final = updates[-1]["body"] if updates else {}
print(f"\njob {panda_id}: {' -> '.join(states)}")
print(f"  exit code {final.get('trans_exit_code')}, pilot error {final.get('pilot_error_code', 'none')}, "
      f"cpu {final.get('cpu_consumption_time')} s, max RSS {final.get('max_rss')} kB, timing {final.get('pilot_timing')}")
report = json.loads(final.get("job_output_report", "{}"))
for lfn, entry in report.items():
    print(f"  staged out {lfn}: {entry.get('fsize')} bytes, adler32 {entry.get('adler32')}")
reco = f"{base}/data/reco.{panda_id}.txt"
if os.path.exists(reco):
    print(f"  the object store holds {reco} (adler32 {zlib.adler32(open(reco, 'rb').read()):08x})")
errors = [e for l in open(f"{base}/server.jsonl") for e in json.loads(l).get("errors", [])]
print(f"  protocol errors the server found: {len(errors)}")
PY
echo "  accounting: ledger $base/accounting, APEL job record in $base/apel-outgoing:"
find "$base/apel-outgoing" -type f ! -name '*.tmp' 2>/dev/null | head -3 | sed 's/^/    /'
echo "  everything is under $base"
exit $status
