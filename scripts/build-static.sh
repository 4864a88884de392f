#!/usr/bin/env bash
# Builds pilot as one fully static executable (STATIC.md: route B, gold, -static-executable):
#   dist/pilot        stripped, the binary to ship
#   dist/pilot.debug  the same binary with symbols and debug info
#
# Steps: apt packages (scripts/install-deps.sh), the minimal libcurl (scripts/build-curl-min.sh),
# static/lib/ (a directory holding only the static archives that static/pkgconfig/*.pc name),
# then a release build in .build-static/ with PKG_CONFIG_PATH=static/pkgconfig.
# Fails (non-zero) unless ldd says "not a dynamic executable".
#
# Usage: scripts/build-static.sh [--skip-deps] [--clean]
#   --skip-deps  do not run install-deps.sh (setup.sh already did, or no root)
#   --clean      remove .build-static/ first (for timing a clean build)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
scratch=$repo/.build-static
dist=$repo/dist
# Debian multiarch directory of the static archives: x86_64-linux-gnu or aarch64-linux-gnu.
multiarch=/usr/lib/$(uname -m)-linux-gnu

log() { echo "build-static: $*"; }
die() { echo "build-static: error: $*" >&2; exit 1; }

skip_deps=false
clean=false
for arg in "$@"; do
    case "$arg" in
        --skip-deps) skip_deps=true ;;
        --clean) clean=true ;;
        *) echo "usage: $0 [--skip-deps] [--clean]" >&2; exit 2 ;;
    esac
done
[[ "$(uname -m)" == x86_64 || "$(uname -m)" == aarch64 ]] || die "only x86_64 and aarch64 are supported (static/lib links $multiarch)"

# --- 1. packages and the minimal libcurl --------------------------------------------------------
$skip_deps || "$repo/scripts/install-deps.sh"
start=$SECONDS
"$repo/scripts/build-curl-min.sh"
curl_s=$((SECONDS - start))

# --- 2. static/lib: only .a files, so the linker cannot pick a shared library or Debian's ------
# full libcurl.a (which needs GSSAPI, LDAP, RTMP: no static archives on bookworm).
libdir=$repo/static/lib
system_archives=(nghttp2 ssl crypto z archive nettle acl lzma zstd lz4 bz2 seccomp)
rm -rf "$libdir"
mkdir -p "$libdir"
ln -s ../curl-min/lib/libcurl.a "$libdir/libcurl.a"
for name in "${system_archives[@]}"; do
    archive=$multiarch/lib$name.a
    [[ -f "$archive" ]] || die "$archive is missing; run scripts/install-deps.sh"
    ln -s "$archive" "$libdir/lib$name.a"
done

# --- 3. the release build -----------------------------------------------------------------------
$clean && rm -rf "$scratch"
# SwiftPM does not track the .a files it links, so a rebuilt libcurl.a (a Debian security update)
# or an upgraded system archive would leave the old binary in place: record the archives' sizes
# and times, and delete the linked binary when they change so that SwiftPM links again.
libs_stamp=$(stat -L -c '%n %s %Y' "$libdir"/*.a)
if [[ "$(cat "$scratch/static-libs.stamp" 2>/dev/null || true)" != "$libs_stamp" ]]; then
    rm -f "$scratch"/*/release/pilot
fi
# -use-ld=gold: the toolchain's default today, stated so that a change of default cannot bring
# lld, which resolves archive members differently and drags in full Foundation and ICU data.
swift_flags=(-c release --product pilot --scratch-path "$scratch"
    -Xswiftc -static-executable -Xswiftc -use-ld=gold)
log "PKG_CONFIG_PATH=static/pkgconfig swift build ${swift_flags[*]}"
start=$SECONDS
# gold warns that getaddrinfo, getpwuid_r, dlopen… need glibc's shared libraries at run time:
# expected for a static glibc binary (STATIC.md section 6), so those lines are counted, not shown.
build_log=$(mktemp)
trap 'rm -f "$build_log"' EXIT
if ! PKG_CONFIG_PATH=$repo/static/pkgconfig swift build "${swift_flags[@]}" >"$build_log" 2>&1; then
    grep -v 'in statically linked applications requires at runtime' "$build_log" | tail -40 >&2
    die "swift build failed"
fi
swift_s=$((SECONDS - start))
echo "$libs_stamp" >"$scratch/static-libs.stamp"
grep -v -e 'in statically linked applications requires at runtime' -e "use of \`mktemp' is dangerous" "$build_log" | tail -3
glibc_warnings=$(grep -c 'in statically linked applications requires at runtime' "$build_log" || true)
((glibc_warnings == 0)) || log "$glibc_warnings expected glibc static-linking warnings (getaddrinfo, getpwuid_r, dlopen…)"

# --- 4. dist/ -----------------------------------------------------------------------------------
mkdir -p "$dist"
cp "$scratch/release/pilot" "$dist/pilot.debug"
strip --strip-all -o "$dist/pilot" "$dist/pilot.debug"

# --- 5. checks ----------------------------------------------------------------------------------
echo
file "$dist/pilot"
ldd_out=$(ldd "$dist/pilot" 2>&1 || true)
echo "ldd: $ldd_out"
[[ "$ldd_out" == *"not a dynamic executable"* ]] || die "dist/pilot is not fully static (ldd: $ldd_out)"
# The size traps of STATIC.md section 5: ICU data from libxml2 (libarchive's xar format) or from
# Foundation (lld, FoundationNetworking) would add 30 MB or more.
if nm "$dist/pilot.debug" | grep -E ' icudt[0-9]+_dat$' >/dev/null; then  # no -q: SIGPIPE + pipefail
    die "ICU data is linked in (libxml2 or full Foundation); see STATIC.md section 5"
fi
version=$("$dist/pilot" version) || die "dist/pilot version failed"
echo "$version"
[[ "$(head -1 <<<"$version")" == *", static)" ]] || die "dist/pilot does not report itself as static"
printf 'size: %s bytes stripped (%s MB), %s bytes with debug info\n' \
    "$(stat -c %s "$dist/pilot")" "$(awk -v b="$(stat -c %s "$dist/pilot")" 'BEGIN { printf "%.1f", b / 1e6 }')" \
    "$(stat -c %s "$dist/pilot.debug")"
log "time: curl ${curl_s}s, swift build ${swift_s}s"
