#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Fetch and unpack a Debian linux-source-V package that the machine's own
# apt sources (bookworm) do not carry, without changing the system's apt
# configuration, lists, caches or installed packages:
#
#   scripts/kernel-source.sh 7.3     print the unpacked source tree
#   scripts/kernel-source.sh --cached 7.3
#                                    the same if it is unpacked already,
#                                    else exit 1 (nothing fetched)
#
# apt runs with a sources list, lists directory and cache of its own under
# $ALLOCPROF_SRC_CACHE/apt (default $ALLOCPROF_CACHE/debian/VERSION) (the suite that holds V, e.g. trixie-backports
# for 7.3), only to `apt-get download` the .deb; `dpkg -x` unpacks it (no
# installation), and its /usr/src/linux-source-V.tar.xz is unpacked under
# $ALLOCPROF_SRC_CACHE/src.  Idempotent: a tree already unpacked is
# reused.  Every message goes to stderr; the tree's path alone to stdout.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

cached_only=0
[ "${1:-}" = --cached ] && { cached_only=1; shift; }
[ $# -eq 1 ] || die "usage: $0 [--cached] VERSION (e.g. 7.3)"
version=$1
case "$version" in
# The suite of Debian's archive that carries linux-source-V.
7.3) suite=trixie-backports ;;
*) die "no Debian suite known for linux-source-$version (known: 7.3)" ;;
esac
cache=${ALLOCPROF_SRC_CACHE:-$ALLOCPROF_CACHE/debian/$version}
apt_dir=$cache/apt
src_dir=$cache/src
exec 3>&1 1>&2

existing() { find "$src_dir" -mindepth 2 -maxdepth 2 -name Makefile -path "*/linux-source-$version*/Makefile" -printf '%h\n' 2>/dev/null | head -n 1 || true; }
tree=$(existing)
if [ -n "$tree" ] && [ -f "$tree/.allocprof-unpacked" ]; then
	# (quiet: every `scripts/kernel.sh path` of a newer kernel passes here)
	echo "$tree" >&3
	exit 0
fi

[ "$cached_only" = 0 ] || exit 1

# One fetch at a time (CI builds two kernels of this version at once):
# another run's fetch is waited for, then its tree used.
mkdir -p "$cache"
exec 9>"$cache.lock"
flock 9
tree=$(existing)
if [ -n "$tree" ] && [ -f "$tree/.allocprof-unpacked" ]; then
	echo "$tree" >&3
	exit 0
fi

# The mirror the system's apt sources use (deb.debian.org unless they say
# otherwise), so that the download goes where the machine is allowed to go.
mirror=$(grep -rhoE 'https?://[^ ]*/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/*.sources \
	/etc/apt/sources.list.d/*.list 2>/dev/null | head -n 1 | tr -d ' ' || true)
mirror=${mirror:-http://deb.debian.org/debian}
mirror=${mirror%/}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

mkdir -p "$apt_dir"/{lists/partial,cache/archives/partial,etc,debs} "$src_dir"
echo "deb [signed-by=$keyring] $mirror $suite main" >"$apt_dir/etc/sources.list"
apt_opts=(
	-o "Dir::Etc::sourcelist=$apt_dir/etc/sources.list"
	-o "Dir::Etc::sourceparts=/nonexistent"
	-o "Dir::State::Lists=$apt_dir/lists"
	-o "Dir::Cache=$apt_dir/cache"
	-o "Dir::Cache::archives=$apt_dir/cache/archives"
	-o "APT::Get::List-Cleanup=0"
	# The directories are root's, not _apt's: no sandbox warning.
	-o "APT::Sandbox::User=root"
)
step "linux-source-$version from $mirror $suite"
apt-get "${apt_opts[@]}" -q update
(cd "$apt_dir/debs" && apt-get "${apt_opts[@]}" -q download "linux-source-$version")
deb=$(ls -t "$apt_dir/debs"/linux-source-"$version"_*.deb | head -n 1)
info "downloaded $deb"

rm -rf "$apt_dir/pkg"
dpkg -x "$deb" "$apt_dir/pkg"
tarball=$apt_dir/pkg/usr/src/linux-source-$version.tar.xz
[ -f "$tarball" ] || die "$deb holds no /usr/src/linux-source-$version.tar.xz"
info "unpacking $tarball"
tar -C "$src_dir" -xf "$tarball"
rm -rf "$apt_dir/pkg"
tree=$(existing)
[ -n "$tree" ] || die "no linux-source-$version tree in $src_dir after unpacking"
# The package's version, for a cache key.
# (In one rename: a run reading it unlocked never finds it empty.)
dpkg-deb -f "$deb" Version >"$tree/.allocprof-unpacked.$$"
mv -f "$tree/.allocprof-unpacked.$$" "$tree/.allocprof-unpacked"
info "unpacked: $tree ($(cat "$tree/.allocprof-unpacked"))"
echo "$tree" >&3
