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

check_only=false
case "${1:-}" in
    --check) check_only=true ;;
    "") ;;
    *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

installed() {
    [[ -x "$venv/bin/python" ]] || return 1
    "$venv/bin/python" - "$version" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
import kubernetes_validate, yaml  # noqa: F401  (importable, not only listed)
sys.exit(0 if version("kubernetes-validate") == sys.argv[1] else 1)
PY
}

if installed; then
    echo "install-kube-validate: kubernetes-validate $version already in $venv"
    exit 0
fi
if $check_only; then
    echo "install-kube-validate: kubernetes-validate $version not installed in $venv"
    exit 1
fi

# Debian's python3 (pyenv shims on PATH start slowly and may lack the venv module).
python=/usr/bin/python3
[[ -x "$python" ]] || python=$(command -v python3)
echo "install-kube-validate: creating $venv with $python"
mkdir -p "$(dirname "$venv")"
"$python" -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "kubernetes-validate==$version"
if ! installed; then
    echo "install-kube-validate: pip finished but kubernetes-validate $version is not importable in $venv" >&2
    exit 1
fi
echo "install-kube-validate: installed kubernetes-validate $version in $venv"
