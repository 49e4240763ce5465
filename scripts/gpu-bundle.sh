#!/usr/bin/env bash
# Pack a CUDA build of vfe for a GPU machine that has the NVIDIA driver and CUDA's libraries but not vfe's Debian
# dependencies (docs/gpu.md, "Running on a machine without the build's packages").
#
#   bash scripts/gpu-bundle.sh BUILD_DIR [OUT_DIR]      (OUT_DIR default: .gpu-bundle in the repository root)
#
# BUILD_DIR is a build of vfe with -DVFE_ENABLE_CUDA=ON against a static CUDA-enabled PETSc
# (scripts/build-petsc-cuda.sh), so PETSc is inside the executables.  OUT_DIR receives
#   vfe-bundle.tar.xz   bin/vfe, bin/test_verify, bin/mpiexec (Open MPI's launcher), lib/ (every shared library the
#                       executables and Open MPI's plugins need, except the C library and CUDA's own), lib/fallback/
#                       (libstdc++, libgcc_s: used only where the machine has none), openmpi/ and pmix/ (Open MPI's
#                       and PMIx's plugins and help files, relocated by environment variables)
#   MANIFEST            what is in it, and the CUDA libraries (sonames) the GPU machine must provide
# scripts/gpu-device-check.sh unpacks it and finds the CUDA libraries there.  The bundle is a build output: OUT_DIR
# is ignored by git (.gitignore) and travels to the device machine as a carried path.
# Exit codes: 0 success, 1 bad arguments or an unsuitable build.
set -euo pipefail
die() { echo "gpu-bundle: error: $*" >&2; exit 1; }
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[ $# -ge 1 ] && [ $# -le 2 ] || die "usage: gpu-bundle.sh BUILD_DIR [OUT_DIR]"
build="$1" out="${2:-$here/.gpu-bundle}"
vfe="$build/app/vfe" tv="$build/tests/test_verify"
[ -x "$vfe" ] || die "no vfe executable in '$build/app' (build first)"
[ -x "$tv" ] || die "no test_verify in '$build/tests' (build with testing on)"
version="$("$vfe" --version)" || die "'$vfe --version' failed (missing libraries? run it to see)"
case "$version" in *"with CUDA"*) ;; *) die "'$vfe' is not linked with a CUDA-enabled PETSc: $version" ;; esac
readelf -d "$vfe" | grep 'NEEDED.*libpetsc' >/dev/null && die "'$vfe' links PETSc as a shared library; build against the static PETSc of scripts/build-petsc-cuda.sh"

# the C library and the dynamic loader come from the machine; so do the driver and CUDA's libraries
system_re='^(libc|libm|libdl|libpthread|librt|libresolv|libutil|ld-linux-x86-64)\.so'
cuda_re='^(libcuda|libcudart|libcublas|libcublasLt|libcusparse|libcusolver|libcufft|libcurand|libnvtx3interop|libnvJitLink|libnvrtc)\.so'
fallback_re='^(libstdc\+\+|libgcc_s)\.so'

mpi_plugins=/usr/lib/x86_64-linux-gnu/openmpi/lib/openmpi3
pmix_root=/usr/lib/x86_64-linux-gnu/pmix2
orterun="$(readlink -f "$(command -v mpiexec)")"
[ -d "$mpi_plugins" ] && [ -d "$pmix_root/lib/pmix" ] && [ -x "$orterun" ] || die "Debian's Open MPI 4.1 layout not found ($mpi_plugins, $pmix_root, mpiexec)"

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/lib/fallback" "$stage/openmpi/lib" "$stage/openmpi/share" "$stage/openmpi/etc" "$stage/pmix/lib" "$stage/pmix/share"
cp "$vfe" "$tv" "$stage/bin/"
cp "$orterun" "$stage/bin/mpiexec"
cp -r "$mpi_plugins" "$stage/openmpi/lib/"
cp -r /usr/share/openmpi "$stage/openmpi/share/"
cp /etc/openmpi/openmpi-mca-params.conf "$stage/openmpi/etc/"
cp -r "$pmix_root/lib/pmix" "$stage/pmix/lib/"
[ -d "$pmix_root/share/pmix" ] && cp -r "$pmix_root/share/pmix" "$stage/pmix/share/"

# the shared libraries of the executables and of the plugins (ldd: the whole closure, as resolved here)
objs=("$vfe" "$tv" "$orterun" "$mpi_plugins"/*.so "$pmix_root"/lib/pmix/*.so)
cuda_needed=()
while read -r name path; do
  if [[ "$name" =~ $system_re ]]; then continue; fi
  if [[ "$name" =~ $cuda_re ]]; then cuda_needed+=("$name"); continue; fi
  [ -n "$path" ] && [ -f "$path" ] || die "ldd cannot resolve $name here; fix the build machine first"
  if [[ "$name" =~ $fallback_re ]]; then cp -L "$path" "$stage/lib/fallback/$name"; else cp -L "$path" "$stage/lib/$name"; fi
done < <(for o in "${objs[@]}"; do ldd "$o" 2>/dev/null; done | awk '$2 == "=>" {print $1, ($3 == "not" ? "" : $3)}' | sort -u)
# the cuda libraries vfe needs directly (readelf: the sonames as the executable names them)
mapfile -t cuda_direct < <(readelf -d "$vfe" | sed -n 's/.*NEEDED.*\[\(.*\)\]/\1/p' | grep -E "$cuda_re" | sort -u)
strip --strip-unneeded "$stage"/bin/vfe "$stage"/bin/test_verify "$stage"/lib/*.so* 2>/dev/null || true

mkdir -p "$out"
rm -f "$out/vfe-bundle.tar.xz" "$out/MANIFEST"
{
  echo "vfe-bundle: $version"
  echo "built: $(date -u +%Y-%m-%dT%H:%MZ) on $(. /etc/os-release && echo "$PRETTY_NAME"), glibc $(ldd --version | head -1 | awk '{print $NF}')"
  echo "cuda-direct: ${cuda_direct[*]}"
  echo "cuda-needed: $(printf '%s\n' "${cuda_needed[@]}" "${cuda_direct[@]}" | sort -u | tr '\n' ' ')"
  echo "files: $(cd "$stage" && find . -type f | wc -l)"
  echo "unpacked-bytes: $(du -sb "$stage" | cut -f1)"
} >"$out/MANIFEST"
tar -C "$stage" -cf - . | xz -T1 -9 >"$out/vfe-bundle.tar.xz" # one thread, 64 MiB window: vfe and test_verify share most bytes
echo "gpu-bundle: $out/vfe-bundle.tar.xz ($(du -m "$out/vfe-bundle.tar.xz" | cut -f1) MiB; unpacked $(($(du -sb "$stage" | cut -f1) / 1048576)) MiB)"
cat "$out/MANIFEST"
