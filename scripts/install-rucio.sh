#!/usr/bin/env bash
# Installs a real Rucio server (PyPI `rucio`, run under gunicorn on SQLite) into a Python virtual
# environment outside the repository, for the Rucio test lane (Tests/PilotTests/Rucio/,
# Tests/PilotTests/Support/RucioServer.swift). Its S3 RSE is LocalStack (scripts/install-localstack.sh),
# which lives in a venv of its own: the pins conflict (../shared/reference/RUCIO.md §1).
#
# Idempotent: when the venv already holds the pinned rucio and gunicorn, pip is not run at all, so a
# CI rerun costs well under a second. With no usable Python (3.11, 3.12 or 3.13) or no way to install,
# it says so and exits 0: the lane then skips itself (RucioServer.isUsable is false).
#
# Usage: scripts/install-rucio.sh [--check]   (--check: only report, exit 1 if not installed)
# Environment: PILOT_RUCIO_VENV (default /var/cache/pilot/rucio-venv).
set -euo pipefail

venv=${PILOT_RUCIO_VENV:-/var/cache/pilot/rucio-venv}
rucio_version=41.5.1
# gunicorn serves the Flask app; boto3 is what Rucio signs S3 URLs with (core/credential.py).
# oic (a Rucio dependency) pinned: the test OIDC provider (oidc-provider.py) patches one of its methods.
packages=("rucio==$rucio_version" gunicorn boto3 "oic==1.7.0")

installed() {
    [[ -x "$venv/bin/python" && -x "$venv/bin/gunicorn" && -f "$venv/rucio/tools/bootstrap.py" ]] || return 1
    "$venv/bin/python" - "$rucio_version" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
sys.exit(0 if version("rucio") == sys.argv[1] and version("gunicorn") and version("boto3") and version("oic") == "1.7.0" else 1)
PY
}

# The server was tried on 3.11, 3.12 and 3.13 (RUCIO.md §1); a pyenv shim can exist without its
# version behind it, so each candidate is run before it is used.
pick_python() {
    for candidate in "$(command -v python3.11 || true)" /root/.pyenv/versions/3.11*/bin/python3.11 \
        "$(command -v python3.12 || true)" /root/.pyenv/versions/3.12*/bin/python3.12 \
        "$(command -v python3.13 || true)" /root/.pyenv/versions/3.13*/bin/python3.13 "$(command -v python3 || true)"; do
        if [[ -x "$candidate" ]] && "$candidate" -c 'import sys, venv; assert (3, 11) <= sys.version_info[:2] <= (3, 13)' 2>/dev/null; then
            python=$candidate
            return 0
        fi
    done
    echo "install-rucio: no python 3.11-3.13 with venv found; the Rucio test lane will be skipped"
    return 1
}

tool=install-rucio
what="rucio $rucio_version, gunicorn, boto3 and oic 1.7.0"
soft_fail=true
source "$(dirname "${BASH_SOURCE[0]}")/lib/pip-venv.sh"
pip_venv_main "$@"
