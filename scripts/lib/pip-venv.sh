# Shared by scripts/install-*.sh (sourced, not run): a Python virtual environment outside the
# repository holding pinned PyPI packages for one test lane, made only when it is missing, so a
# CI rerun costs well under a second.
#
# The caller sets `tool` (the log prefix), `venv`, `what` (e.g. "dirq 1.8") and `packages=(...)`,
# defines `installed` (true when the venv is usable as it is), and may define `pick_python`
# (sets `python`; false: no suitable Python here, the lane skips itself and the script exits 0)
# and set `soft_fail=true` (pip failing also skips the lane rather than failing the script).
# Then it calls `pip_venv_main "$@"`, which takes `--check` (only report; exit 1 if missing).

pip_venv_main() {
    local check_only=false
    case "${1:-}" in
        --check) check_only=true ;;
        "") ;;
        *) echo "usage: $0 [--check]" >&2; exit 2 ;;
    esac
    if installed; then
        echo "$tool: $what already in $venv"
        exit 0
    fi
    if $check_only; then
        echo "$tool: $what not installed in $venv"
        exit 1
    fi
    python=
    if declare -F pick_python >/dev/null; then
        pick_python || exit 0
    else
        # Debian's python3 (pyenv shims on PATH start slowly and may lack the venv module).
        python=/usr/bin/python3
        [[ -x "$python" ]] || python=$(command -v python3 || true)
    fi
    if [[ -z "$python" ]] || ! "$python" -c 'import ensurepip, venv' 2>/dev/null; then
        echo "$tool: python3 with venv support is missing (apt-get install python3-venv)" >&2
        exit 1
    fi
    # Two processes (parallel test runs) must not build the same venv at once.
    mkdir -p "$(dirname "$venv")"
    exec 9>"$venv.lock"
    flock 9
    if installed; then
        echo "$tool: $what already in $venv"
        exit 0
    fi
    echo "$tool: creating $venv with $python"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    if ! "$venv/bin/pip" install --quiet --disable-pip-version-check "${packages[@]}"; then
        rm -rf "$venv"
        if ${soft_fail:-false}; then
            echo "$tool: pip could not install ${packages[*]}; the test lane will be skipped"
            exit 0
        fi
        echo "$tool: pip could not install ${packages[*]}" >&2
        exit 1
    fi
    if ! installed; then
        echo "$tool: pip finished but $what is not usable in $venv" >&2
        exit 1
    fi
    echo "$tool: installed $what in $venv"
}
