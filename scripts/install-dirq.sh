#!/usr/bin/env bash
# Installs the Python `dirq` package (PyPI, the library ssmsend reads its queue with) into a
# virtual environment outside the repository, for the accounting tests that read the pilot's
# APEL queue back exactly as ssmsend does (Tests/PilotTests/Accounting/DirqQueueTests.swift,
# Scripts/dirq-read.py). Pinned to dirq 1.8, the version ../shared/reference/APEL.md describes.
# Also `future` and `iso8601`, which APEL's own record parser imports: with an apel checkout named
# by PILOT_APEL_SOURCE, the tests run every kind of record through it (Scripts/apel-parse.py).
#
# Idempotent: when the venv already holds dirq 1.8, pip is not run at all. The tests call this
# script themselves when the venv is missing, and skip (saying why) when it cannot be made.
#
# Usage: scripts/install-dirq.sh [--check]   (--check: only report, exit 1 if not installed)
# Environment: PILOT_DIRQ_VENV (default /var/cache/pilot/dirq-venv).
set -euo pipefail

venv=${PILOT_DIRQ_VENV:-/var/cache/pilot/dirq-venv}
dirq_version=1.8
packages=("dirq==$dirq_version" future iso8601)

check_only=false
case "${1:-}" in
    --check) check_only=true ;;
    "") ;;
    *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

installed() {
    [[ -x "$venv/bin/python" ]] || return 1
    "$venv/bin/python" - "$dirq_version" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
import dirq.QueueSimple  # noqa: F401  (importable, not only listed)
import future, iso8601  # noqa: F401  (APEL's parser needs them)
sys.exit(0 if version("dirq") == sys.argv[1] else 1)
PY
}

if installed; then
    echo "install-dirq: dirq $dirq_version, future and iso8601 already in $venv"
    exit 0
fi
if $check_only; then
    echo "install-dirq: dirq $dirq_version not installed in $venv"
    exit 1
fi

# Debian's python3 (pyenv shims on PATH start slowly and may lack the venv module).
python=/usr/bin/python3
[[ -x "$python" ]] || python=$(command -v python3)
echo "install-dirq: creating $venv with $python"
mkdir -p "$(dirname "$venv")"
"$python" -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "${packages[@]}"
if ! installed; then
    echo "install-dirq: pip finished but dirq $dirq_version is not importable in $venv" >&2
    exit 1
fi
echo "install-dirq: installed dirq $dirq_version in $venv"
