#!/usr/bin/env bash
# Builds a small container image from Debian's busybox-static: DIR/bin/busybox, one symlink per
# applet, /etc/passwd and /etc/group, and empty /proc /dev /tmp /srv /cvmfs /sys for mount points.
# The payload runtime's tests and benchmark use it as "an OS image".
#
# Usage: make-busybox-rootfs.sh DIR   (DIR must not exist, or be empty)
set -euo pipefail
dir=${1:?usage: make-busybox-rootfs.sh DIR}
busybox=/bin/busybox
[[ -x $busybox ]] || { echo "make-busybox-rootfs: $busybox missing (apt-get install busybox-static)" >&2; exit 1; }
file -L "$busybox" | grep -q 'statically linked' || { echo "make-busybox-rootfs: $busybox is not static" >&2; exit 1; }

mkdir -p "$dir"/{bin,sbin,usr/bin,usr/sbin,etc,proc,dev,tmp,srv,cvmfs,sys,root,home,var/tmp}
cp "$busybox" "$dir/bin/busybox"
for applet in $("$busybox" --list); do
    [[ $applet == busybox ]] && continue
    ln -sf busybox "$dir/bin/$applet"
done
chmod 1777 "$dir/tmp" "$dir/var/tmp"
cat >"$dir/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/sh
PASSWD
cat >"$dir/etc/group" <<'GROUP'
root:x:0:
nogroup:x:65534:
GROUP
echo "PRETTY_NAME=\"busybox test image\"" >"$dir/etc/os-release"
