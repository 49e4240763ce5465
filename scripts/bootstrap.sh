#!/usr/bin/env bash
# Set up vfe on a fresh Debian machine: install the Debian packages it needs
# (skipped when already present), configure with CMake and build.
#   bash scripts/bootstrap.sh            # Release build in ./build
# Environment: VFE_BUILD_DIR (default build), VFE_BUILD_TYPE (default Release),
#              VFE_NO_APT=1 to skip the package step.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${VFE_BUILD_DIR:-$here/build}"

pkgs=(build-essential cmake pkg-config petsc-dev libgmsh-dev libhdf5-openmpi-dev
      openmpi-bin libopenmpi-dev libjansson-dev libyaml-dev python3-paraview python3-numpy gnuplot-nox
      libnifti2-dev libcgal-dev libgmp-dev libmpfr-dev libboost-dev)
if [ "${VFE_NO_APT:-0}" != 1 ]; then
  missing=()
  for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "bootstrap: installing ${missing[*]}"
    sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE="${VFE_BUILD_TYPE:-Release}" >/dev/null
cmake --build "$build" -j"$(nproc)"
