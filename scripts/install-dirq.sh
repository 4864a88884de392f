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

tool=install-dirq
what="dirq $dirq_version, future and iso8601"
source "$(dirname "${BASH_SOURCE[0]}")/lib/pip-venv.sh"
pip_venv_main "$@"
