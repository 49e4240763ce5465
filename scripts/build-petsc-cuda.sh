#!/usr/bin/env bash
# Build a CUDA-enabled PETSc 3.24.x into a prefix, for vfe's GPU route (docs/gpu.md).
#
#   bash scripts/build-petsc-cuda.sh [options] PETSC_SOURCE_DIR PREFIX
#
# PETSC_SOURCE_DIR is a PETSc source tree the user provides (for example tag v3.24.6 of PETSc's
# public repository, checked out anywhere outside this repository); PREFIX is where PETSc is
# installed (`make install`).  vfe is then configured with
#   cmake -S . -B build-cuda -DVFE_ENABLE_CUDA=ON -DPETSC_DIR=PREFIX
#
# What it builds: PETSc with CUDA (vectors `cuda`, matrices `aijcusparse`, GAMG on the device),
# static libraries, no debugging, -O3, 32-bit indices, real double scalars, libyaml (vfe's case
# files go through PetscOptionsInsertFileYAML).  Nothing is downloaded: BLAS/LAPACK and libyaml
# come from the system (Debian: liblapack-dev, libblas-dev, libyaml-dev); there is no
# `--download-*`, so it works on cluster nodes and CI machines without network.
#
# Why 3.24: PETSc 3.24.x is the first release that supports CUDA 13; 3.25 also needs NVML
# (nvml.h and libnvidia-ml), which not every CUDA toolkit installation carries, so the script
# refuses 3.25 or later when nvml.h is missing.  Older releases do not build with CUDA 13.
#
# Options:
#   --mpi=openmpi     (default) MPI through the system's mpicc/mpicxx (Debian: libopenmpi-dev);
#                     this is what vfe needs (it calls MPI and parallel HDF5 itself)
#   --mpi=mpiuni      no MPI (PETSc's single-process MPIUNI); for PETSc-only checks, not for vfe
#   --cuda-dir=DIR    CUDA toolkit (default: the one holding `nvcc` on PATH, else /usr/local/cuda)
#   --cuda-arch=LIST  compute capabilities, comma-separated (default 90 = H100/H200; 80,90 adds A100)
#   --jobs=N          parallel make jobs (default: number of processors)
#   --arch-name=NAME  PETSC_ARCH used inside the source tree while building (default arch-vfe-cuda)
#   --dry-run         print the configure command and stop
# Exit codes: 0 success, 1 bad arguments or unsuitable source/toolkit, 2 configure or build failed.
set -euo pipefail

die() { echo "build-petsc-cuda: error: $*" >&2; exit "${2:-1}"; }
usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }

mpi=openmpi cuda_dir="" cuda_arch=90 jobs="$(nproc)" arch_name=arch-vfe-cuda dry=0
args=()
for a in "$@"; do
  case "$a" in
    --mpi=*) mpi="${a#--mpi=}" ;;
    --cuda-dir=*) cuda_dir="${a#--cuda-dir=}" ;;
    --cuda-arch=*) cuda_arch="${a#--cuda-arch=}" ;;
    --jobs=*) jobs="${a#--jobs=}" ;;
    --arch-name=*) arch_name="${a#--arch-name=}" ;;
    --dry-run) dry=1 ;;
    -h | --help) usage; exit 0 ;;
    -*) die "unknown option '$a' (see --help)" ;;
    *) args+=("$a") ;;
  esac
done
[ ${#args[@]} -eq 2 ] || die "expected PETSC_SOURCE_DIR and PREFIX, got ${#args[@]} arguments (see --help)"
src="${args[0]}" prefix="${args[1]}"

case "$mpi" in openmpi | mpiuni) ;; *) die "--mpi must be openmpi or mpiuni, not '$mpi'" ;; esac
[[ "$cuda_arch" =~ ^[0-9]{2,3}(,[0-9]{2,3})*$ ]] || die "--cuda-arch must be a comma-separated list of compute capabilities such as 90 or 80,90, not '$cuda_arch'"
[[ "$jobs" =~ ^[1-9][0-9]*$ ]] || die "--jobs must be a positive integer, not '$jobs'"
[[ "$arch_name" =~ ^[A-Za-z0-9._-]+$ ]] || die "--arch-name may hold letters, digits, '.', '_' and '-' only, not '$arch_name'"

# the source tree: a PETSc release 3.24 or later
[ -f "$src/include/petscversion.h" ] && [ -x "$src/configure" ] || die "'$src' is not a PETSc source tree (no include/petscversion.h or configure)"
src="$(cd "$src" && pwd)"
ver() { sed -n "s/^#define PETSC_VERSION_$1 *\([0-9]*\).*/\1/p" "$src/include/petscversion.h"; }
major=$(ver MAJOR) minor=$(ver MINOR) sub=$(ver SUBMINOR)
version="$major.$minor.$sub"
if [ "$major" -ne 3 ] || [ "$minor" -lt 24 ]; then
  die "PETSc $version in '$src' does not build with CUDA 13; use 3.24.x (tag v3.24.6)"
fi

# the CUDA toolkit
if [ -z "$cuda_dir" ]; then
  if command -v nvcc >/dev/null; then cuda_dir="$(cd "$(dirname "$(command -v nvcc)")/.." && pwd)"; else cuda_dir=/usr/local/cuda; fi
fi
[ -x "$cuda_dir/bin/nvcc" ] || die "no nvcc in '$cuda_dir/bin' (give --cuda-dir=DIR of a CUDA toolkit)"
cuda_ver="$("$cuda_dir/bin/nvcc" --version | sed -n 's/.*release \([0-9.]*\),.*/\1/p')"
if [ "$minor" -ge 25 ] && [ ! -f "$cuda_dir/include/nvml.h" ]; then
  die "PETSc $version needs NVML (nvml.h), which '$cuda_dir' lacks; use 3.24.x (tag v3.24.6)"
fi

# MPI and compilers
if [ "$mpi" = openmpi ]; then
  command -v mpicc >/dev/null && command -v mpicxx >/dev/null || die "--mpi=openmpi needs mpicc and mpicxx on PATH (Debian: libopenmpi-dev)"
  compilers=(--with-cc=mpicc --with-cxx=mpicxx)
else
  compilers=(--with-mpi=0 --with-cc=gcc --with-cxx=g++)
fi

# system libraries (no download)
libdir=""
for d in /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib; do
  if [ -e "$d/liblapack.so" ] || [ -e "$d/liblapack.a" ]; then libdir=$d; break; fi
done
[ -n "$libdir" ] || die "no LAPACK found (Debian: liblapack-dev libblas-dev)"
[ -f /usr/include/yaml.h ] || die "no libyaml headers in /usr/include (Debian: libyaml-dev)"

[ -n "$prefix" ] || die "PREFIX is empty"
if [ "$dry" = 0 ]; then
  mkdir -p "$prefix" || die "cannot create the prefix '$prefix'"
  prefix="$(cd "$prefix" && pwd)"
  [ -w "$prefix" ] || die "the prefix '$prefix' is not writable"
fi
case "$prefix/" in "$src"/*) die "the prefix '$prefix' must not lie inside the source tree '$src'" ;; esac

configure=(./configure
  --prefix="$prefix" "${compilers[@]}" --with-fc=0
  --with-cuda=1 --with-cuda-dir="$cuda_dir" --with-cudac="$cuda_dir/bin/nvcc" --with-cuda-arch="$cuda_arch"
  --with-shared-libraries=0 --with-debugging=0
  COPTFLAGS=-O3 CXXOPTFLAGS=-O3 CUDAOPTFLAGS=-O3
  --with-blaslapack-lib="-L$libdir -llapack -lblas"
  --with-yaml=1 --with-yaml-include=/usr/include --with-yaml-lib="-L$libdir -lyaml"
  --with-x=0 --with-ssl=0 --with-fortran-bindings=0 --with-64-bit-indices=0 --with-scalar-type=real --with-precision=double)

echo "build-petsc-cuda: PETSc $version from $src, CUDA $cuda_ver (sm $cuda_arch) from $cuda_dir, MPI: $mpi, into $prefix"
if [ "$dry" = 1 ]; then
  printf '%q ' "${configure[@]}"; echo
  exit 0
fi

cd "$src"
export PETSC_DIR="$src" PETSC_ARCH="$arch_name"
t0=$SECONDS
echo "build-petsc-cuda: configure (log: $src/$arch_name/lib/petsc/conf/configure.log)"
"${configure[@]}" || die "configure failed; see $src/$arch_name/lib/petsc/conf/configure.log" 2
t1=$SECONDS
echo "build-petsc-cuda: make -j$jobs (log: $src/$arch_name/lib/petsc/conf/make.log)"
make PETSC_DIR="$src" PETSC_ARCH="$arch_name" MAKE_NP="$jobs" all || die "build failed; see $src/$arch_name/lib/petsc/conf/make.log" 2
t2=$SECONDS
make PETSC_DIR="$src" PETSC_ARCH="$arch_name" install || die "make install into '$prefix' failed" 2
t3=$SECONDS
echo "build-petsc-cuda: done: configure $((t1 - t0)) s, build $((t2 - t1)) s, install $((t3 - t2)) s"
echo "build-petsc-cuda: PETSc $version with CUDA is in $prefix; configure vfe with"
echo "  cmake -S . -B build-cuda -DVFE_ENABLE_CUDA=ON -DPETSC_DIR=$prefix"
