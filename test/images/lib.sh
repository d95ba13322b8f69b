# shellcheck shell=bash
# Shared by the image tests (sourced): podman kept off /etc/containers, and a cached Debian
# bookworm minbase root filesystem standing in for registry base images (no registry is
# reachable in CI, only Debian's mirror and npm).
#   ensure_podman            apt-get install podman buildah runc debootstrap when missing
#   podman_config DIR        write containers.conf/storage.conf under DIR and export
#                            CONTAINERS_CONF / CONTAINERS_STORAGE_CONF (storage in DIR)
#   debian_mirror [ARCHIVE]  that Debian archive's mirror as apt uses it (sources.list*)
#   ensure_rootfs            print the cached rootfs tarball, debootstrapping it on a miss
# Env: AETHER_TEST_CACHE (default /var/cache/aether-test).

ROOTFS_SUITE=bookworm
# Bump when the debootstrap command below changes: it names the cache directory.
ROOTFS_KEY="${ROOTFS_SUITE}-minbase-r1"

ensure_podman() {
  local missing=() p
  for p in podman buildah runc debootstrap iptables; do
    command -v "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  [[ -x /usr/lib/cni/portmap ]] || missing+=(containernetworking-plugins)
  ((${#missing[@]} == 0)) && return 0
  echo "images: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # containernetworking-plugins: podman's bridge and port publishing (-p).
  apt-get install -y -qq --no-install-recommends podman buildah runc debootstrap iptables \
    containernetworking-plugins uidmap >/dev/null
}

# crun (podman's default) fails on cgroup v1/hybrid hosts, and podman's default ulimits may
# exceed the hard limits (no CAP_SYS_RESOURCE): runc, and explicit limits below them (podman
# itself lowers its own nproc to 32768, so containers cannot get more than that).
podman_config() {
  local dir=$1 nofile
  nofile=$(ulimit -Hn)
  [[ $nofile == unlimited || $nofile -gt 65536 ]] && nofile=65536
  mkdir -p "$dir/storage" "$dir/run" "$dir/tmp"
  cat >"$dir/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=4096:4096"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
image_copy_tmp_dir = "$dir/tmp"
EOF
  cat >"$dir/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$dir/storage"
runroot = "$dir/run"
EOF
  export CONTAINERS_CONF=$dir/containers.conf CONTAINERS_STORAGE_CONF=$dir/storage.conf
  export TMPDIR=$dir/tmp
}

# debian_mirror [debian|debian-security]: that archive's URL as apt on this host has it.
debian_mirror() {
  local archive=${1:-debian} url
  url=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources \
    2>/dev/null | grep -v '^[[:space:]]*#' | grep -Eo "https?://[^ ]+/$archive/?( |\$)" |
    head -n1 | tr -d ' ')
  echo "${url:-http://deb.debian.org/$archive}"
}

ensure_rootfs() {
  local cache=${AETHER_TEST_CACHE:-/var/cache/aether-test}/debian-$ROOTFS_KEY
  local tarball=$cache/rootfs.tar.gz
  if [[ -s $tarball ]]; then
    echo "$tarball"
    return 0
  fi
  local stage="$cache.staging.$$" mirror
  mirror=$(debian_mirror)
  rm -rf "$stage"
  mkdir -p "$stage"
  echo "images: debootstrap $ROOTFS_SUITE minbase from $mirror (cached in $cache)" >&2
  if ! debootstrap --variant=minbase --include=ca-certificates "$ROOTFS_SUITE" \
    "$stage/rootfs" "$mirror" >"$stage/debootstrap.log" 2>&1; then
    echo "images: debootstrap failed; last lines of its log:" >&2
    tail -n 20 "$stage/debootstrap.log" >&2
    rm -rf "$stage"
    return 1
  fi
  # As in Debian's images: the suite, its updates and security (debootstrap writes only the
  # suite), so an `apt-get upgrade` inside gets the patches. Apt lists are not kept.
  printf 'deb %s %s main\ndeb %s %s-updates main\ndeb %s %s-security main\n' \
    "$mirror" "$ROOTFS_SUITE" "$mirror" "$ROOTFS_SUITE" \
    "$(debian_mirror debian-security)" "$ROOTFS_SUITE" >"$stage/rootfs/etc/apt/sources.list"
  rm -rf "$stage/rootfs/var/lib/apt/lists/"* "$stage/rootfs/var/cache/apt/"*.bin
  tar -C "$stage/rootfs" --numeric-owner -c . | gzip -1 >"$stage/rootfs.tar.gz"
  rm -rf "$stage/rootfs"
  mkdir -p "$(dirname "$cache")"
  rm -rf "$cache"
  mv "$stage" "$cache"  # only a complete tarball ever has the cache's name
  echo "$tarball"
}
