#!/usr/bin/env bash
# Lays out the pilot image's whole file tree in DEST: the one list of what the final image holds,
# used by the Containerfile's rootfs stage and by scripts/build-image.sh alike, so that the image
# tested here without a Docker engine is the image the Containerfile builds.
#
#   /usr/local/bin/pilot                  the fully static binary (the entrypoint, `pilot run`)
#   /etc/ssl/certs/ca-certificates.crt    the CA bundle, where the static libcurl looks first
#   /etc/passwd, /etc/group               root, pilot (1000:1000, home /pilot), nobody
#   /etc/nsswitch.conf                    files and dns: what a static glibc resolves with
#   /tmp, /pilot (both 1777)              scratch and the work dir (emptyDirs in a pod); any uid
#                                         may run the image (OpenShift-style arbitrary uids)
#   /cvmfs, /etc/pilot, /etc/panda-auth,
#   /run/pilot-notice                     empty mount points (CVMFS, config, credentials, notice)
#   /var/spool/apel/outgoing (1777)       the APEL dirq queue (shared with an ssmsend sidecar)
#
# No shell, no package manager, no libraries: the binary needs none, and the payload runs in its
# own image. /proc, /sys and /dev come from the container runtime.
#
# Usage: container/make-rootfs.sh DEST PILOT_BINARY [CA_BUNDLE]
#   CA_BUNDLE defaults to /etc/ssl/certs/ca-certificates.crt (Debian's ca-certificates).
# Every file is meant to be owned by root (the layer's tar records 0:0); nothing needs a chown, so
# neither this script nor scripts/build-image.sh needs root.
set -euo pipefail

die() { echo "make-rootfs: error: $*" >&2; exit 1; }

(($# == 2 || $# == 3)) || { echo "usage: $0 DEST PILOT_BINARY [CA_BUNDLE]" >&2; exit 2; }
dest=$1
pilot=$2
ca_bundle=${3:-/etc/ssl/certs/ca-certificates.crt}
pilot_uid=1000
pilot_gid=1000

[[ -f "$pilot" && -x "$pilot" ]] || die "$pilot is not an executable file (build it: scripts/build-static.sh)"
[[ -s "$ca_bundle" ]] || die "$ca_bundle is missing or empty (apt-get install ca-certificates)"
grep -q -- '-----BEGIN CERTIFICATE-----' "$ca_bundle" || die "$ca_bundle holds no PEM certificate"
if [[ -e "$dest" ]] && [[ -n "$(ls -A "$dest")" ]]; then die "$dest exists and is not empty"; fi

umask 022
mkdir -p "$dest"
cd "$dest"
mkdir -p usr/local/bin etc/ssl/certs etc/pilot etc/panda-auth cvmfs pilot run/pilot-notice var/spool/apel/outgoing tmp
install -m 0755 "$pilot" usr/local/bin/pilot
install -m 0644 "$ca_bundle" etc/ssl/certs/ca-certificates.crt
chmod 1777 tmp pilot var/spool/apel/outgoing

cat >etc/passwd <<PASSWD
root:x:0:0:root:/root:/sbin/nologin
pilot:x:$pilot_uid:$pilot_gid:PanDA pilot:/pilot:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
PASSWD
cat >etc/group <<GROUP
root:x:0:
pilot:x:$pilot_gid:
nogroup:x:65534:
GROUP
# glibc's static NSS has files and dns built in; anything else here would be ignored.
cat >etc/nsswitch.conf <<'NSS'
passwd: files
group: files
hosts: files dns
NSS
chmod 0644 etc/passwd etc/group etc/nsswitch.conf

