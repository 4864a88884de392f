#!/usr/bin/env bash
# Launch overhead of the payload runtime: `pilot exec --image ROOTFS -- /bin/true` against
# bubblewrap doing the same (PID, IPC, UTS and mount namespaces, the image read-only as /, a
# fresh /proc, a minimal /dev, tmpfs /tmp, a clean environment, and the pilot's own seccomp
# filter, exported with `pilot seccomp export`), measured by hyperfine in one run; prints the
# ratio. Target (issue 5): no worse than 1.5x bubblewrap.
#
# Both commands run through hyperfine's shell (bwrap takes the filter on a file descriptor),
# whose start-up hyperfine measures and subtracts.
#
# Usage: scripts/bench/exec.sh [PILOT_BINARY]   (default dist/pilot; run as root)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
pilot=$(realpath "${1:-$repo/dist/pilot}")
command -v hyperfine >/dev/null && command -v bwrap >/dev/null || { echo "bench: needs hyperfine and bwrap (scripts/install-deps.sh)" >&2; exit 1; }
[[ -x $pilot ]] || { echo "bench: $pilot not built (scripts/build-static.sh)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$repo/Tests/PilotTests/Scripts/make-busybox-rootfs.sh" "$work/rootfs"
"$pilot" seccomp export --output "$work/filter.bpf"

pilot_cmd="$pilot exec --runtime builtin --image $work/rootfs -- /bin/true"
bwrap_cmd="bwrap --unshare-pid --unshare-ipc --unshare-uts --ro-bind $work/rootfs / --proc /proc --dev /dev --tmpfs /tmp --clearenv --setenv PATH /bin --chdir / --seccomp 9 /bin/true 9<$work/filter.bpf"
echo "bench: $("$pilot" version | head -1); $(bwrap --version)"
hyperfine --warmup 10 --runs "${RUNS:-200}" --export-json "$work/result.json" -n pilot "$pilot_cmd" -n bwrap "$bwrap_cmd"
python3 - "$work/result.json" <<'PY'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
pilot, bwrap = results["pilot"]["mean"], results["bwrap"]["mean"]
print(f"bench: pilot exec {pilot*1000:.2f} ms, bwrap {bwrap*1000:.2f} ms, ratio {pilot/bwrap:.2f}x (target <= 1.50x)")
PY
