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

tool=install-scipy
what="numpy and scipy"
packages=(numpy scipy)
source "$(dirname "${BASH_SOURCE[0]}")/lib/pip-venv.sh"
pip_venv_main "$@"
