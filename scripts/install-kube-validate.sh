#!/usr/bin/env bash
# Installs PyPI's `kubernetes-validate` (which bundles the Kubernetes API's JSON schemas, so it
# validates offline) into a virtual environment outside the repository, for the deployment tests
# that check container/kubernetes/*.yaml against the API schema
# (Tests/PilotTests/Deployment/KubernetesManifestTests.swift, Scripts/kube-manifests.py). It
# brings PyYAML, which the same tests use to read container/systemd/cloud-init.yaml.
#
# Idempotent: when the venv already holds the pinned version, pip is not run at all. The tests
# skip (saying why) when the venv is missing.
#
# Usage: scripts/install-kube-validate.sh [--check]   (--check: only report, exit 1 if not installed)
# Environment: PILOT_KUBE_VALIDATE_VENV (default /var/cache/pilot/kube-validate-venv).
set -euo pipefail

venv=${PILOT_KUBE_VALIDATE_VENV:-/var/cache/pilot/kube-validate-venv}
version=1.37.0
packages=("kubernetes-validate==$version")

installed() {
    [[ -x "$venv/bin/python" ]] || return 1
    "$venv/bin/python" - "$version" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
import kubernetes_validate, yaml  # noqa: F401  (importable, not only listed)
sys.exit(0 if version("kubernetes-validate") == sys.argv[1] else 1)
PY
}

tool=install-kube-validate
what="kubernetes-validate $version"
source "$(dirname "${BASH_SOURCE[0]}")/lib/pip-venv.sh"
pip_venv_main "$@"
