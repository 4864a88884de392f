#!/usr/bin/env bash
# Installs numpy and scipy into a Python virtual environment outside the repository, for the
# validation tests (Tests/PilotTests/Validation): the chi-square and Kolmogorov-Smirnov statistics
# that pilot computes in Swift are checked against scipy's, computed independently in the test set-up.
#
# Idempotent: when the venv already imports scipy, pip is not run. With no python3 venv support it
# says so and exits 1: the cross-check tests then skip, saying why.
#
# Usage: scripts/install-scipy.sh [--check]   (--check: only report, exit 1 if not installed)
# Environment: PILOT_SCIPY_VENV (default /var/cache/pilot/scipy-venv).
set -euo pipefail

venv=${PILOT_SCIPY_VENV:-/var/cache/pilot/scipy-venv}

installed() {
    [[ -x "$venv/bin/python" ]] && "$venv/bin/python" -c 'import numpy, scipy.stats, scipy.special' 2>/dev/null
}

case "${1:-}" in
    --check) if installed; then echo "install-scipy: scipy in $venv"; exit 0; else echo "install-scipy: no scipy in $venv"; exit 1; fi ;;
    "") ;;
    *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

if installed; then
    echo "install-scipy: scipy already in $venv"
    exit 0
fi
python=$(command -v python3 || true)
if [[ -z "$python" ]] || ! "$python" -c 'import ensurepip, venv' 2>/dev/null; then
    echo "install-scipy: python3 with venv support is missing (apt-get install python3-venv)" >&2
    exit 1
fi
# Two processes (parallel test runs) must not build the same venv at once.
mkdir -p "$(dirname "$venv")"
exec 9>"$venv.lock"
flock 9
if installed; then
    echo "install-scipy: scipy already in $venv"
    exit 0
fi
echo "install-scipy: creating $venv with $python"
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check numpy scipy
if ! installed; then
    echo "install-scipy: pip finished but scipy is not importable in $venv" >&2
    exit 1
fi
echo "install-scipy: installed numpy and scipy in $venv"
