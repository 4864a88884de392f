#!/usr/bin/env bash
# Installs, with apt, every Debian 12 package that the dev build, the fully static build
# (scripts/build-static.sh), the tests and the benchmarks need. The Swift toolchain itself is not
# a Debian package and must already be on PATH.
#
# Idempotent: when dpkg-query says every package is installed, apt is not touched at all, so a CI
# rerun costs a fraction of a second and needs no root.
#
# Usage: scripts/install-deps.sh [--check]   (--check: only report what is missing, exit 1 if any)
set -euo pipefail

packages=(
    # Compilers, linkers and tools used by SwiftPM and the curl build (gold comes with binutils).
    build-essential binutils pkg-config git ca-certificates
    libc6-dev libgcc-12-dev libstdc++-12-dev
    # `apt-get source curl` (dpkg-source) for the minimal static libcurl.
    dpkg-dev
    # The C libraries pilot links: headers for the dev build, static archives (.a) for the static one.
    libcurl4-openssl-dev libarchive-dev libseccomp-dev
    libssl-dev zlib1g-dev libnghttp2-dev
    nettle-dev libacl1-dev libxml2-dev liblzma-dev libbz2-dev libicu-dev libzstd-dev liblz4-dev
    # Inspecting and measuring the static binary.
    file time hyperfine
    # The CVMFS tests' double: a FUSE file system in Python that serves the magic xattrs.
    fuse3 python3-fusepy attr
    # The payload runtime's tests: a busybox rootfs as the image, bubblewrap as the benchmark's
    # yardstick and under the stand-in apptainer, newuidmap for the unprivileged runs.
    busybox-static bubblewrap uidmap strace zstd
    python3-venv  # accounting tests: scripts/install-dirq.sh makes a venv with PyPI's dirq (what ssmsend reads with)
    nginx openssl curl  # staging tests: nginx with secure_link, dav and ssl; a self-signed certificate; curl drives them
    # Deployment kit tests: the pod's seccomp profile loaded by libseccomp's own bindings, the
    # systemd unit checked by systemd-analyze.
    python3-seccomp systemd
)

check_only=false
case "${1:-}" in
    --check) check_only=true ;;
    "") ;;
    *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

missing=()
for pkg in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)
    [[ "$status" == ii* ]] || missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
    echo "install-deps: all ${#packages[@]} packages already installed"
    exit 0
fi

echo "install-deps: missing: ${missing[*]}"
if $check_only; then
    exit 1
fi
if ((EUID != 0)); then
    echo "install-deps: must run as root to install them (apt-get)" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${missing[@]}"
echo "install-deps: installed ${#missing[@]} packages"
