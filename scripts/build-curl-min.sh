#!/usr/bin/env bash
# Builds the minimal static libcurl that the fully static pilot links (STATIC.md §4, route B):
# Debian's own curl source, configured for HTTP(S) only with OpenSSL, zlib and nghttp2, so that
# none of the libraries without a static archive on bookworm (gssapi/krb5, ldap, rtmp, psl…)
# are needed.
#
#   source  -> static/curl-src/   (apt-get source curl; gitignored)
#   install -> static/curl-min/   (lib/libcurl.a, include/curl/*.h; gitignored)
#
# Idempotent: nothing is done when static/curl-min/ already holds a build of the wanted Debian
# version with the same configure flags (recorded in static/curl-min/BUILD-INFO).
# The wanted version is that of the installed libcurl4-openssl-dev, so a Debian security update
# of curl triggers a rebuild; override with CURL_DEB_VERSION=7.88.1-10+deb12u15.
#
# Needs root only to enable deb-src in the apt sources the first time.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
src_root=$repo/static/curl-src
prefix=$repo/static/curl-min
jobs=${JOBS:-$(nproc)}

log() { echo "build-curl-min: $*"; }
die() { echo "build-curl-min: error: $*" >&2; exit 1; }

configure_flags=(
    --disable-shared --enable-static --with-pic --disable-dependency-tracking
    --with-openssl --with-zlib --with-nghttp2
    --without-brotli --without-zstd --without-libpsl --without-libidn2 --without-librtmp
    --without-libssh2 --without-libssh --without-gssapi
    --disable-ldap --disable-ldaps --disable-dict --disable-gopher --disable-imap --disable-mqtt
    --disable-pop3 --disable-rtsp --disable-smb --disable-smtp --disable-telnet --disable-tftp
    --disable-ftp --disable-manual
    # Debian's layout; pilot probes other distributions' paths at run time (STATIC.md §6).
    --with-ca-bundle=/etc/ssl/certs/ca-certificates.crt --with-ca-path=/etc/ssl/certs
)

wanted=${CURL_DEB_VERSION:-$(dpkg-query -W -f='${Version}' libcurl4-openssl-dev 2>/dev/null || true)}
[[ -n "$wanted" ]] || die "libcurl4-openssl-dev is not installed and CURL_DEB_VERSION is unset; run scripts/install-deps.sh"
upstream=${wanted#*:}
upstream=${upstream%%-*}
stamp="debian-version=$wanted configure-flags=$(printf '%s ' "${configure_flags[@]}" | sha256sum | cut -c1-16)"

if [[ -f "$prefix/lib/libcurl.a" && -f "$prefix/BUILD-INFO" && "$(cat "$prefix/BUILD-INFO")" == "$stamp" ]]; then
    log "up to date: $prefix/lib/libcurl.a (curl $wanted)"
    exit 0
fi
log "building curl $wanted into $prefix"

# --- 1. deb-src in the apt sources, so that `apt-get source` finds the package --------------
has_source() {
    local versions
    versions=$(apt-cache showsrc curl 2>/dev/null | sed -n 's/^Version: //p')
    grep -qxF "$wanted" <<<"$versions"
}
ensure_deb_src() {
    has_source && return
    local sources=/etc/apt/sources.list.d/debian.sources
    ((EUID == 0)) || die "deb-src is not enabled for curl $wanted; run as root once so it can be added to $sources"
    [[ -f "$sources" ]] || die "$sources not found; add deb-src lines to your apt sources by hand"
    log "enabling deb-src in $sources"
    # Adds deb-src to every `Types:` line that lacks it; rerunning changes nothing.
    sed -i '/^Types:/{/deb-src/!s/$/ deb-src/}' "$sources"
    apt-get update
    has_source && return
    # The mirror moved on (a security update) since libcurl4-openssl-dev was installed. The static
    # build uses its own headers and library, so the newest source apt has serves as well.
    local newest
    newest=$(apt-cache showsrc curl 2>/dev/null | sed -n 's/^Version: //p' | sort -V | tail -1)
    [[ -n "$newest" ]] || die "apt has no source for curl even with deb-src enabled"
    log "curl $wanted is no longer on the mirror; building $newest instead"
    wanted=$newest
    upstream=${wanted#*:}
    upstream=${upstream%%-*}
    stamp="debian-version=$wanted configure-flags=$(printf '%s ' "${configure_flags[@]}" | sha256sum | cut -c1-16)"
}

# --- 2. the source tree ----------------------------------------------------------------------
src_dir=$src_root/curl-$upstream
if [[ -f "$src_root/curl_$wanted.dsc" && -x "$src_dir/configure" ]]; then
    log "source already present: $src_dir"
else
    ensure_deb_src
    src_dir=$src_root/curl-$upstream  # the version may have moved on (ensure_deb_src)
    rm -rf "$src_root"
    mkdir -p "$src_root"
    apt_opts=(-q)
    # As root, apt drops to the _apt user to download, which cannot write into our tree:
    # download as root instead (the files are checked against the signed Sources index anyway).
    ((EUID == 0)) && apt_opts+=(-o APT::Sandbox::User=root)
    log "apt-get source curl=$wanted (log: $src_root/source.log)"
    (cd "$src_root" && apt-get "${apt_opts[@]}" source "curl=$wanted") >"$src_root/source.log" 2>&1 \
        || { tail -20 "$src_root/source.log" >&2; die "apt-get source failed"; }
    [[ -x "$src_dir/configure" ]] || die "apt-get source did not unpack $src_dir"
fi
# Notes on the Debian patches, which dpkg-source applied:
# - 90_gnutls.patch and 99_nss.patch rename the library in lib/Makefile.am for Debian's other
#   flavours. Automake is not rerun (configure.ac has AM_MAINTAINER_MODE, off by default), so the
#   upstream lib/Makefile.in is used and the result is libcurl.a, as for Debian's OpenSSL flavour.
# - Patches to configure.ac (LDAP, GSSAPI link flags) only take effect after autoreconf; both
#   features are disabled here, so the shipped configure script is enough. All C fixes apply.

# --- 3. configure, build, install --------------------------------------------------------------
build_dir=$src_root/build
rm -rf "$build_dir" "$prefix"
mkdir -p "$build_dir"
cd "$build_dir"
log "configure (log: $build_dir/configure.log)"
"$src_dir/configure" "${configure_flags[@]}" --prefix="$prefix" \
    CFLAGS="${CFLAGS:--O2 -g0}" >configure.log 2>&1 \
    || { tail -30 configure.log >&2; die "configure failed (see $build_dir/configure.log)"; }
log "make -j$jobs"
make -s -j"$jobs" -C lib >make.log 2>&1 || { tail -30 make.log >&2; die "make failed (see $build_dir/make.log)"; }
make -s -C lib install >>make.log 2>&1
make -s -C include install >>make.log 2>&1
# libcurl.pc is what a plain pkg-config would use; pilot's own is static/pkgconfig/libcurl.pc.
make -s install-pkgconfigDATA >>make.log 2>&1 || true

[[ -f "$prefix/lib/libcurl.a" ]] || die "no $prefix/lib/libcurl.a after install"
rm -f "$prefix"/lib/*.la
echo "$stamp" >"$prefix/BUILD-INFO"
log "done: $(du -h "$prefix/lib/libcurl.a" | cut -f1) $prefix/lib/libcurl.a"
grep -E '^ *(SSL|Protocols|Features):' configure.log | sed 's/^ */build-curl-min:   /' || true
