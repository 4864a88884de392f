#!/usr/bin/env bash
# One command from a fresh Debian 12 machine (as root, Swift 6.3 on PATH) to a working pilot:
#   1. apt packages                      scripts/install-deps.sh
#   2. the dev build                     swift build  (.build/, system shared libraries)
#   3. the fully static build            scripts/build-static.sh  (dist/pilot)
#   4. a first look at the node          dist/pilot version, dist/pilot detect
#   5. the main job, end to end          scripts/run-example.sh (nginx, the job server, pilot run)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
step() { printf '\n== %s\n' "$*"; }

command -v swift >/dev/null || { echo "setup: swift is not on PATH (Swift 6.3 toolchain needed)" >&2; exit 1; }

step "packages"
scripts/install-deps.sh

step "dev build (swift build)"
swift build

step "static build (dist/pilot)"
scripts/build-static.sh --skip-deps

step "dist/pilot version"
dist/pilot version

step "dist/pilot detect"
dist/pilot detect

step "the main job, end to end (scripts/run-example.sh)"
scripts/run-example.sh dist/pilot
