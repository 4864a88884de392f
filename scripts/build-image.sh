#!/usr/bin/env bash
# Assembles the pilot image without a Docker engine or a base image: the final stage of
# container/Containerfile, from dist/pilot and the host's CA bundle, as an OCI image layout in a
# tar archive (what `podman load`, `skopeo copy oci-archive:…` and `pilot exec --image` take).
#
# The file tree comes from container/make-rootfs.sh, the script the Containerfile's rootfs stage
# runs; the image config (entrypoint, user, work dir, stop signal, PATH) is the Containerfile's
# final stage, written out here (Tests/PilotTests/Deployment/ContainerImageTests checks the two
# agree). One layer, gzip; every digest is SHA-256; the archive is reproducible: fixed times
# (SOURCE_DATE_EPOCH, default 0), root ownership, sorted names, `gzip -n`.
#
# Usage: scripts/build-image.sh [--pilot FILE] [--ca-bundle FILE] [--output FILE] [--tag TAG]
#   --pilot      the static binary (default dist/pilot; build it with scripts/build-static.sh)
#   --ca-bundle  default /etc/ssl/certs/ca-certificates.crt
#   --output     default dist/pilot-image-<arch>.oci.tar (<arch> from the binary's ELF header)
#   --tag        the ref name in index.json (default latest)
# Prints the archive's path and the manifest's digest on the last two lines.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
die() { echo "build-image: error: $*" >&2; exit 1; }

pilot=$repo/dist/pilot
ca_bundle=/etc/ssl/certs/ca-certificates.crt
output=
tag=latest
while (($#)); do
    case "$1" in
        --pilot) pilot=${2:?}; shift 2 ;;
        --ca-bundle) ca_bundle=${2:?}; shift 2 ;;
        --output) output=${2:?}; shift 2 ;;
        --tag) tag=${2:?}; shift 2 ;;
        *) echo "usage: $0 [--pilot FILE] [--ca-bundle FILE] [--output FILE] [--tag TAG]" >&2; exit 2 ;;
    esac
done
[[ -f "$pilot" ]] || die "$pilot not found (build it: scripts/build-static.sh)"
[[ "$tag" =~ ^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$ ]] || die "tag $tag is not a valid OCI ref name"

# --- the binary: its architecture from the ELF header, and it must be static ---------------------
[[ "$(head -c 4 "$pilot" | od -An -tx1 | tr -d ' \n')" == 7f454c46 ]] || die "$pilot is not an ELF executable"
machine=$(od -An -tu2 -j18 -N2 "$pilot" | tr -d ' ')
case "$machine" in
    62) arch=amd64 ;;
    183) arch=arm64 ;;
    *) die "$pilot is for ELF machine $machine, neither x86-64 (62) nor aarch64 (183)" ;;
esac
# A dynamic binary names its loader in a PT_INTERP segment: it could not start in this image.
if LC_ALL=C readelf -l "$pilot" 2>/dev/null | grep -q 'Requesting program interpreter'; then
    die "$pilot is dynamically linked; the image holds no libraries (use dist/pilot from scripts/build-static.sh)"
fi
output=${output:-$repo/dist/pilot-image-$arch.oci.tar}

epoch=${SOURCE_DATE_EPOCH:-0}
created=$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# --- the layer -------------------------------------------------------------------------------------
"$repo/container/make-rootfs.sh" "$work/rootfs" "$pilot" "$ca_bundle"
deterministic=(--sort=name --mtime="@$epoch" --owner=0 --group=0 --numeric-owner --format=gnu)
(cd "$work/rootfs" && tar "${deterministic[@]}" -cf "$work/layer.tar" -- *)
gzip -n -9 <"$work/layer.tar" >"$work/layer.tar.gz"

sha() { sha256sum "$1" | cut -d' ' -f1; }
size() { stat -c %s "$1"; }
blobs=$work/layout/blobs/sha256
mkdir -p "$blobs"
# Stores a file as a blob; prints its digest.
put_blob() { local d; d=$(sha "$1"); cp "$1" "$blobs/$d"; echo "$d"; }

diff_id=$(sha "$work/layer.tar")
layer_digest=$(put_blob "$work/layer.tar.gz")
layer_size=$(size "$work/layer.tar.gz")

# --- the config: container/Containerfile's final stage -----------------------------------------
cat >"$work/config.json" <<JSON
{"architecture":"$arch","os":"linux","created":"$created","config":{"User":"1000:1000","Env":["PATH=/usr/local/bin"],"Entrypoint":["/usr/local/bin/pilot","run"],"WorkingDir":"/pilot","StopSignal":"SIGTERM","Labels":{"org.opencontainers.image.title":"pilot","org.opencontainers.image.description":"PanDA worker-node pilot: one static binary, entrypoint pilot run"}},"rootfs":{"type":"layers","diff_ids":["sha256:$diff_id"]},"history":[{"created":"$created","created_by":"container/make-rootfs.sh (scripts/build-image.sh)"}]}
JSON
config_digest=$(put_blob "$work/config.json")
config_size=$(size "$work/config.json")

cat >"$work/manifest.json" <<JSON
{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:$config_digest","size":$config_size},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:$layer_digest","size":$layer_size}]}
JSON
manifest_digest=$(put_blob "$work/manifest.json")
manifest_size=$(size "$work/manifest.json")

cat >"$work/layout/index.json" <<JSON
{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:$manifest_digest","size":$manifest_size,"platform":{"architecture":"$arch","os":"linux"},"annotations":{"org.opencontainers.image.ref.name":"$tag"}}]}
JSON
echo '{"imageLayoutVersion":"1.0.0"}' >"$work/layout/oci-layout"

# --- the archive -----------------------------------------------------------------------------------
mkdir -p "$(dirname "$output")"
(cd "$work/layout" && tar "${deterministic[@]}" -cf "$work/image.tar" -- oci-layout index.json blobs)
mv "$work/image.tar" "$output"
echo "build-image: linux/$arch, layer $(numfmt --to=iec "$layer_size") gzip ($(numfmt --to=iec "$(size "$work/layer.tar")") unpacked)"
echo "$output"
echo "sha256:$manifest_digest"
