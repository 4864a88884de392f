#!/usr/bin/env bash
# Measures the static pilot with public tools and prints a markdown table:
#   size      stat of the stripped binary
#   startup   hyperfine --warmup 20 --runs 200, run without a shell (-N), median and mean ± σ
#   peak RSS  /usr/bin/time -v "Maximum resident set size", the highest of 5 runs
#
# Usage: scripts/bench-static.sh ['dist/pilot detect --json' ...]
#   Always measures 'dist/pilot --help' and 'dist/pilot version'; arguments add commands.
#   A command that exits non-zero (say, one not merged yet) gets a row that says so.
#   PILOT=path measures another binary; RUNS and WARMUP override hyperfine's counts.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
pilot=${PILOT:-dist/pilot}
runs=${RUNS:-200}
warmup=${WARMUP:-20}
rss_runs=5

die() { echo "bench-static: error: $*" >&2; exit 1; }
[[ -x "$pilot" ]] || die "$pilot not found; run scripts/build-static.sh first"
command -v hyperfine >/dev/null || die "hyperfine is missing; run scripts/install-deps.sh"
[[ -x /usr/bin/time ]] || die "/usr/bin/time is missing (package time); run scripts/install-deps.sh"

commands=("$pilot --help" "$pilot version" "$@")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ms() { awk -v s="$1" 'BEGIN { printf "%.2f", s * 1000 }'; }

# Peak RSS in KiB of one command over $rss_runs runs.
peak_rss() {
    local cmd=$1 peak=0 kb i
    for ((i = 0; i < rss_runs; i++)); do
        # shellcheck disable=SC2086  # the command is split into words on purpose
        /usr/bin/time -v -o "$tmp/time" $cmd >/dev/null 2>&1 || true
        kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$tmp/time")
        ((kb > peak)) && peak=$kb
    done
    echo "$peak"
}

size=$(stat -c %s "$pilot")
file_kind=$(file -b "$pilot" | sed "s/, BuildID\[[^]]*\]=[0-9a-f]*//")
linkage=$(ldd "$pilot" 2>&1 | head -1 | sed 's/^[[:space:]]*//' || true)

echo "## pilot static binary: $(uname -m), $(nproc) cores, $(date -u +%Y-%m-%d)"
echo
echo "| binary | size (bytes) | size (MB) | size (MiB) | ldd |"
echo "|---|---:|---:|---:|---|"
printf '| `%s` | %s | %s | %s | %s |\n' "$pilot" "$size" \
    "$(awk -v b="$size" 'BEGIN { printf "%.1f", b / 1e6 }')" \
    "$(awk -v b="$size" 'BEGIN { printf "%.1f", b / 1048576 }')" "$linkage"
echo
echo "$file_kind"
echo
echo "| command | median | mean ± σ | min | peak RSS (max of $rss_runs) |"
echo "|---|---:|---:|---:|---:|"
for cmd in "${commands[@]}"; do
    status=0
    # shellcheck disable=SC2086
    $cmd >/dev/null 2>&1 || status=$?
    if ((status != 0)); then
        printf '| `%s` | fails (exit %s) | | | |\n' "$cmd" "$status"
        continue
    fi
    hyperfine -N --style none --warmup "$warmup" --runs "$runs" --export-csv "$tmp/h.csv" "$cmd" >/dev/null 2>&1 \
        || die "hyperfine failed on '$cmd'"
    # CSV columns: command,mean,stddev,median,user,system,min,max (the command may hold commas).
    IFS=' ' read -r mean stddev median min < <(tail -1 "$tmp/h.csv" |
        awk -F, '{ print $(NF-6), $(NF-5), $(NF-4), $(NF-1) }')
    rss=$(peak_rss "$cmd")
    printf '| `%s` | %s ms | %s ± %s ms | %s ms | %s KiB (%s MB) |\n' "$cmd" "$(ms "$median")" \
        "$(ms "$mean")" "$(ms "$stddev")" "$(ms "$min")" "$rss" \
        "$(awk -v k="$rss" 'BEGIN { printf "%.1f", k * 1024 / 1e6 }')"
done
echo
echo "hyperfine -N --warmup $warmup --runs $runs (no shell in between); RSS from /usr/bin/time -v."
