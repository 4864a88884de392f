#!/usr/bin/env python3
"""Builds the image archives the ImageStore tests unpack, from a busybox rootfs directory.

Usage: make-test-images.py ROOTFS OUTDIR SENTINEL

Well-formed images (two layers: the rootfs plus extras, then an upper layer with whiteouts):
  oci.tar           OCI image layout: gzip'd lower layer, plain upper layer, blobs out of order
  docker.tar        `docker save` layout: <id>/layer.tar, <config>.json, manifest.json (its
                    upper layer lists the opaque marker first, oci.tar's lists it last);
                    docker.tar.gz is it gzip'd whole, as `docker save | gzip` writes it
  rootfs.tar.gz     the lower layer alone, as a plain rootfs tarball (also .xz, .bz2, and .zst
                    when the zstd command is installed)
  oci-bad-digest.tar  oci.tar with the upper layer's bytes changed (same size, old digest)
Hostile archives (plain tars unless noted), aimed at SENTINEL, a directory outside the cache:
  escape.tar abs.tar symlink-climb.tar symlink-abs.tar symlink-etc.tar hardlink.tar chardev.tar
  oci-hostile.tar   lower layer: data -> SENTINEL (absolute, allowed); upper layer: data/planted
  replace-links.tar symlinks into SENTINEL, then a file and a directory at their paths: a valid
                    image whose later entries must replace the links, never write through them
Prints one JSON line with the digests of oci.tar's manifest and layers.
"""
import gzip
import hashlib
import io
import json
import lzma
import bz2
import os
import platform
import shutil
import subprocess
import sys
import tarfile

MTIME = 1_600_000_000


def info(name, kind=tarfile.REGTYPE, mode=0o644, data=b"", **extra):
    member = tarfile.TarInfo(name)
    member.type, member.mode, member.mtime, member.size = kind, mode, MTIME, len(data)
    for key, value in extra.items():
        setattr(member, key, value)
    return member, (io.BytesIO(data) if kind == tarfile.REGTYPE else None)


def tar_bytes(members, fmt=tarfile.PAX_FORMAT):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=fmt) as archive:
        for member, data in members:
            archive.addfile(member, data)
    return buffer.getvalue()


def rootfs_members(rootfs):
    """The busybox tree, then extras that the upper layer deletes, hides or keeps."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        archive.add(rootfs, arcname=".", filter=lambda m: setattr(m, "uname", "") or setattr(m, "gname", "") or m)
        for member, data in [
            info("etc/removed.txt", data=b"whiteout me\n"),
            info("etc/hostname", data=b"lower\n"),
            info("var/cache/app/", tarfile.DIRTYPE, 0o755),
            info("var/cache/app/file", data=b"whiteout my directory\n"),
            info("opt/", tarfile.DIRTYPE, 0o755),
            info("opt/data/", tarfile.DIRTYPE, 0o755),
            info("opt/data/lower.txt", data=b"lower\n"),
            info("opt/data/sub/", tarfile.DIRTYPE, 0o755),
            info("opt/data/sub/deep.txt", data=b"deep\n"),
            info("usr/share/doc/", tarfile.DIRTYPE, 0o755),
            info("usr/share/doc/readme", data=b"linked twice\n", mode=0o640, uid=1234, gid=5678),
            info("usr/share/doc/readme.link", tarfile.LNKTYPE, linkname="usr/share/doc/readme"),
            info("etc/mtab", tarfile.SYMTYPE, 0o777, linkname="/proc/mounts"),
            info("usr/local/bin/", tarfile.DIRTYPE, 0o755),
            info("usr/local/bin/suid", data=b"#!/bin/sh\n", mode=0o6755, uid=1234, gid=5678),
        ]:
            archive.addfile(member, data)
    return buffer.getvalue()


def upper_layer(upper_text=b"upper\n", marker_first=False):
    """Whiteouts of a file and a directory, an opaque directory, a file replaced by a symlink.
    The opaque marker comes before its layer's files (as the spec recommends) or after them:
    either way it clears only the lower layers' ones."""
    data = [info("opt/data/upper.txt", data=upper_text)]
    marker = [info("opt/data/.wh..wh..opq")]
    return tar_bytes([info("opt/data/", tarfile.DIRTYPE, 0o755)]
                     + (marker + data if marker_first else data + marker) + [
        info("etc/.wh.removed.txt"),
        info("var/cache/.wh.app"),
        info("etc/hostname", tarfile.SYMTYPE, 0o777, linkname="/proc/sys/kernel/hostname"),
        info("etc/added.txt", data=b"added by the upper layer\n"),
    ])


def gzip_bytes(data):
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as compressed:
        compressed.write(data)
    return buffer.getvalue()


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def architecture():
    return {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())


def write_tar(path, files):
    """An outer archive: (name, bytes) pairs as regular files, in the order given."""
    with open(path, "wb") as out:
        out.write(tar_bytes([info(name, data=data) for name, data in files], tarfile.USTAR_FORMAT))


def config_blob(diff_ids):
    return json.dumps({
        "architecture": architecture(), "os": "linux",
        "config": {"Env": ["PATH=/bin"], "Cmd": ["/bin/sh"]},
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + d for d in diff_ids]},
    }).encode()


def write_oci(path, layers, diff_ids, tamper=None):
    """layers: (bytes, media type) lowest first; tamper: replacement bytes for the last layer."""
    config = config_blob(diff_ids)
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "sha256:" + sha256(config), "size": len(config)},
        "layers": [{"mediaType": media, "digest": "sha256:" + sha256(data), "size": len(data)} for data, media in layers],
    }).encode()
    index = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:" + sha256(manifest),
                       "size": len(manifest), "platform": {"architecture": architecture(), "os": "linux"}}],
    }).encode()
    blobs = [(data, data) for data, _ in layers]
    if tamper is not None:
        blobs[-1] = (layers[-1][0], tamper)
    # Upper layers first, so the unpacker needs more than one pass; oci-layout last.
    files = [("index.json", index)]
    files += [("blobs/sha256/" + sha256(named), stored) for named, stored in reversed(blobs)]
    files += [("blobs/sha256/" + sha256(config), config), ("blobs/sha256/" + sha256(manifest), manifest)]
    files += [("oci-layout", b'{"imageLayoutVersion": "1.0.0"}')]
    write_tar(path, files)
    return {"manifest": sha256(manifest), "layers": [sha256(data) for data, _ in layers]}


def write_docker(path, layers):
    diff_ids = [sha256(data) for data in layers]
    config = config_blob(diff_ids)
    ids = [sha256(("layer%d" % number).encode() + data[:64]) for number, data in enumerate(layers)]
    files = []
    for layer_id, data in zip(ids, layers):
        files += [(layer_id + "/VERSION", b"1.0"), (layer_id + "/json", b'{"id": "%s"}' % layer_id.encode()),
                  (layer_id + "/layer.tar", data)]
    files += [(sha256(config) + ".json", config)]
    files += [("manifest.json", json.dumps([{"Config": sha256(config) + ".json", "RepoTags": ["busybox:test"],
                                             "Layers": [i + "/layer.tar" for i in ids]}]).encode())]
    files += [("repositories", json.dumps({"busybox": {"test": ids[-1]}}).encode())]
    write_tar(path, files)


def write_hostile(out, sentinel):
    cases = {
        "escape.tar": [info("bin/", tarfile.DIRTYPE, 0o755), info("../../../sentinel/escape", data=b"escaped\n")],
        "abs.tar": [info("bin/", tarfile.DIRTYPE, 0o755), info(sentinel + "/abs", data=b"absolute\n")],
        "symlink-climb.tar": [info("link", tarfile.SYMTYPE, 0o777, linkname="../../.."), info("link/sentinel/file", data=b"x\n")],
        "symlink-abs.tar": [info("link", tarfile.SYMTYPE, 0o777, linkname=sentinel), info("link/passwd", data=b"x\n")],
        "symlink-etc.tar": [info("link", tarfile.SYMTYPE, 0o777, linkname="/etc"), info("link/passwd", data=b"x\n")],
        "hardlink.tar": [info("bin/", tarfile.DIRTYPE, 0o755), info("stolen", tarfile.LNKTYPE, linkname="../../../sentinel/keep.txt")],
        "chardev.tar": [info("dev/", tarfile.DIRTYPE, 0o755), info("dev/null", tarfile.CHRTYPE, 0o666, devmajor=1, devminor=3)],
    }
    for name, members in cases.items():
        with open(os.path.join(out, name), "wb") as handle:
            handle.write(tar_bytes(members, tarfile.GNU_FORMAT))
    with open(os.path.join(out, "replace-links.tar"), "wb") as handle:
        handle.write(tar_bytes([
            info("bin/", tarfile.DIRTYPE, 0o755),
            info("victim", tarfile.SYMTYPE, 0o777, linkname=sentinel + "/keep.txt"),
            info("victim", data=b"replaced\n"),
            info("dirlink", tarfile.SYMTYPE, 0o777, linkname=sentinel),
            info("dirlink/", tarfile.DIRTYPE, 0o755),
            info("dirlink/inside", data=b"inside\n"),
        ]))
    lower = tar_bytes([info("bin/", tarfile.DIRTYPE, 0o755), info("data", tarfile.SYMTYPE, 0o777, linkname=sentinel)])
    upper = tar_bytes([info("data/planted", data=b"planted\n")])
    media = "application/vnd.oci.image.layer.v1.tar"
    write_oci(os.path.join(out, "oci-hostile.tar"), [(lower, media), (upper, media)], [sha256(lower), sha256(upper)])


def main():
    rootfs, out, sentinel = sys.argv[1], sys.argv[2], sys.argv[3]
    os.makedirs(out, exist_ok=True)
    lower, upper = rootfs_members(rootfs), upper_layer()
    layers = [(gzip_bytes(lower), "application/vnd.oci.image.layer.v1.tar+gzip"),
              (upper, "application/vnd.oci.image.layer.v1.tar")]
    digests = write_oci(os.path.join(out, "oci.tar"), layers, [sha256(lower), sha256(upper)])
    tampered = upper_layer(b"UPPER\n")
    assert len(tampered) == len(upper)
    write_oci(os.path.join(out, "oci-bad-digest.tar"), layers, [sha256(lower), sha256(upper)], tamper=tampered)
    write_docker(os.path.join(out, "docker.tar"), [lower, upper_layer(marker_first=True)])
    with open(os.path.join(out, "docker.tar"), "rb") as plain, open(os.path.join(out, "docker.tar.gz"), "wb") as handle:
        handle.write(gzip_bytes(plain.read()))
    with open(os.path.join(out, "rootfs.tar.gz"), "wb") as handle:
        handle.write(gzip_bytes(lower))
    with open(os.path.join(out, "rootfs.tar.xz"), "wb") as handle:
        handle.write(lzma.compress(lower))
    with open(os.path.join(out, "rootfs.tar.bz2"), "wb") as handle:
        handle.write(bz2.compress(lower))
    if shutil.which("zstd"):
        with open(os.path.join(out, "rootfs.tar.zst"), "wb") as handle:
            handle.write(subprocess.run(["zstd", "-q", "-c"], input=lower, stdout=subprocess.PIPE, check=True).stdout)
    write_hostile(out, sentinel)
    print(json.dumps(digests))


if __name__ == "__main__":
    main()
