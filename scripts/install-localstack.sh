#!/usr/bin/env bash
# Installs LocalStack's S3 (which, unlike moto, checks presigned SigV4 signatures) and boto3 (to sign
# URLs as Rucio does) into a Python 3.13 virtual environment outside the repository, for the S3 test
# lane (Tests/PilotTests/Staging/StageS3Tests.swift). LocalStack 2026.3.0 needs Python 3.13: it runs
# `from warnings import deprecated` (../shared/reference/RUCIO.md §1).
#
# Idempotent: when the venv already holds the pinned LocalStack and boto3, pip is not run at all, so
# a CI rerun costs well under a second. With no python3.13 on the machine it says so and exits 0:
# the lane then skips itself (LocalStackS3.isUsable is false).
#
# Usage: scripts/install-localstack.sh [--check]   (--check: only report, exit 1 if not installed)
# Environment: PILOT_LOCALSTACK_VENV (default /var/cache/pilot/localstack-venv).
set -euo pipefail

venv=${PILOT_LOCALSTACK_VENV:-/var/cache/pilot/localstack-venv}
localstack_version=2026.3.0
# The pins that make localstack-core 2026.3.0 start and serve S3 (RUCIO.md §1, STAGING.md §6).
packages=(
    "localstack-core[runtime]==$localstack_version"
    'cbor2<6' 'pyopenssl==25.1.0' 'cryptography>=45,<46' service_identity
    boto3
)

installed() {
    [[ -x "$venv/bin/python" ]] || return 1
    "$venv/bin/python" - "$localstack_version" <<'EOF' 2>/dev/null
import sys
from importlib.metadata import version
sys.exit(0 if version("localstack-core") == sys.argv[1] and version("boto3") else 1)
EOF
}

# A pyenv shim on PATH can exist without a 3.13 behind it, so try each candidate until one runs.
pick_python() {
    for candidate in "$(command -v python3.13 || true)" /root/.pyenv/versions/3.13*/bin/python3.13; do
        if [[ -x "$candidate" ]] && "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 13)' 2>/dev/null; then
            python=$candidate
            return 0
        fi
    done
    echo "install-localstack: no python3.13 found (on PATH or /root/.pyenv/versions/3.13*);" \
        "LocalStack needs it, so the S3 test lane will be skipped"
    return 1
}

tool=install-localstack
what="localstack-core $localstack_version and boto3"
source "$(dirname "${BASH_SOURCE[0]}")/lib/pip-venv.sh"
pip_venv_main "$@"
