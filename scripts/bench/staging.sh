#!/usr/bin/env bash
# Staging benchmark (issue: data staging). Serves files from nginx on 127.0.0.1 and measures, in
# one run, with hyperfine:
#   1. `pilot stage get` (verifying Adler-32 on the way) against `curl -o` of the same file,
#      both writing a new file, plain HTTP; prints the ratio (target: pilot no slower than curl);
#      then the same two in alternating pairs (RUNS pairs; before each run the output is deleted
#      and `sync` flushes what the run before left dirty, so no run pays for another's writeback:
#      in hyperfine's blocks each curl run pays for the previous one's, pilot having fsynced its
#      own), whose per-pair ratio also drifts less with the load of a shared machine;
#   2. under nginx `limit_rate` per connection (how object stores cap one stream), 4 streams
#      against 1; prints the speed-up (target: at least 3x).
#
# Usage: scripts/bench/staging.sh [SIZE_MIB] [LIMITED_MIB] [RATE]   (defaults 1024 200 40m)
#   PILOT=path picks the binary (default dist/pilot, else .build/release/pilot); RUNS (default 5).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
size_mib=${1:-1024}
limited_mib=${2:-200}
rate=${3:-40m}
runs=${RUNS:-5}
pilot=${PILOT:-$repo/dist/pilot}
[[ -x "$pilot" ]] || pilot=$repo/.build/release/pilot
[[ -x "$pilot" ]] || { echo "bench: no pilot binary; run scripts/build-static.sh" >&2; exit 1; }
for tool in hyperfine nginx curl python3; do
    command -v "$tool" >/dev/null || { echo "bench: $tool missing; run scripts/install-deps.sh" >&2; exit 1; }
done

work=$(mktemp -d /var/tmp/pilot-bench-XXXXXX)
chmod 755 "$work"
server=
cleanup() {
    [[ -n "$server" ]] && kill -- -"$server" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
http=$(free_port)
https=$(free_port)
mkdir -p "$work/data" "$work/out"
echo "bench: writing ${size_mib} MiB and ${limited_mib} MiB random files"
head -c $((size_mib << 20)) /dev/urandom > "$work/data/big.bin"
head -c $((limited_mib << 20)) /dev/urandom > "$work/data/limited.bin"
adler() { python3 -c 'import sys, zlib
a = 1
with open(sys.argv[1], "rb") as f:
    for chunk in iter(lambda: f.read(1 << 24), b""):
        a = zlib.adler32(chunk, a)
print("%08x" % a)' "$1"; }
big_ad=$(adler "$work/data/big.bin")
limited_ad=$(adler "$work/data/limited.bin")

setsid "$repo/Tests/PilotTests/Scripts/staging-server.sh" --dir "$work/nginx" --data "$work/data" \
    --http-port "$http" --https-port "$https" --limit-rate "$rate" > "$work/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do
    curl -sf -o /dev/null "http://127.0.0.1:$http/plain/limited.bin" -r 0-0 && break
    sleep 0.1
done

base=http://127.0.0.1:$http
echo "bench: pilot $("$pilot" version | head -1)"
hyperfine -N --runs "$runs" --warmup 1 --export-json "$work/single.json" \
    -n "curl -o (no checksum)" "curl -s -o $work/out/curl.bin $base/plain/big.bin" \
    -n "pilot stage get (adler32 verified)" "$pilot stage get $base/plain/big.bin $work/out/pilot.bin --checksum ad:$big_ad"
python3 - "$runs" "$work/paired.json" "$work/out" "$base/plain/big.bin" "$pilot" "$big_ad" <<'PY'
import json, os, subprocess, sys, time
runs, out_json, out, url, pilot, ad = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
def timed(argv, dest):
    if os.path.exists(dest):
        os.unlink(dest)
    os.sync()
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start
pairs = []
for _ in range(runs):
    c = timed(["curl", "-s", "-o", out + "/curl.bin", url], out + "/curl.bin")
    p = timed([pilot, "stage", "get", url, out + "/pilot.bin", "--checksum", "ad:" + ad], out + "/pilot.bin")
    pairs.append((c, p))
json.dump(pairs, open(out_json, "w"))
PY
hyperfine -N --runs 3 --export-json "$work/streams.json" \
    -n "pilot 1 stream at $rate/connection" "$pilot stage get $base/limited/limited.bin $work/out/one.bin --streams 1 --checksum ad:$limited_ad" \
    -n "pilot 4 streams at $rate/connection" "$pilot stage get $base/limited/limited.bin $work/out/four.bin --streams 4 --checksum ad:$limited_ad"

python3 - "$work/single.json" "$work/streams.json" "$size_mib" "$work/paired.json" <<'PY'
import json, statistics, sys
single = {r["command"]: r["median"] for r in json.load(open(sys.argv[1]))["results"]}
streams = {r["command"]: r["median"] for r in json.load(open(sys.argv[2]))["results"]}
curl, pilot = single["curl -o (no checksum)"], single["pilot stage get (adler32 verified)"]
one, four = [v for k, v in sorted(streams.items())]
mib = int(sys.argv[3])
print()
print("| measurement | median | ratio |")
print("|---|---:|---:|")
print(f"| curl -o, {mib} MiB | {curl:.3f} s ({mib / curl:.0f} MiB/s) | |")
print(f"| pilot stage get + adler32, {mib} MiB | {pilot:.3f} s ({mib / pilot:.0f} MiB/s) | {pilot / curl:.2f}x curl's time |")
ratios = sorted(p / c for c, p in json.load(open(sys.argv[4])))
print(f"| paired runs ({len(ratios)}), pilot's time / curl's | median {statistics.median(ratios):.2f} | range {ratios[0]:.2f}-{ratios[-1]:.2f} |")
print(f"| 1 stream, rate-limited | {one:.3f} s | |")
print(f"| 4 streams, rate-limited | {four:.3f} s | {one / four:.2f}x faster |")
PY
