#!/usr/bin/env bash
# The device check of issue 12, as one script for a machine with an NVIDIA GPU (docs/gpu.md).
#
#   bash scripts/gpu-device-check.sh [--bundle=DIR] [--out=DIR] [--budget=SECONDS] [--no-bench] [--p1-mm=H] [--p2-mm=H]
#
# Runs, in this order, and stops starting new steps when the time budget (default 450 s) is spent:
#   1. unpacks the bundle of scripts/gpu-bundle.sh (default .gpu-bundle/) into a temporary directory and finds the
#      CUDA libraries vfe needs on this machine: the driver's libcuda.so.1 and CUDA's libraries (libcudart,
#      libcublas, libcusparse, libcusolver, ...) from the loader cache (ldconfig -p), a CUDA toolkit
#      (/usr/local/cuda*), or Python packages that carry them (site-packages/nvidia/...); fails with one line naming
#      what is missing;
#   2. the gpu tests (tests/gpu_agree.sh verify, simple, segment: device against CPU to 1e-8);
#   3. the timings: the default segment (fibres off, no baseline: one linear solve) at about 1M unknowns, P1 and P2,
#      on the GPU (one rank, -vfe_device cuda) and on this machine's CPUs (mpiexec on every core, Open MPI from the
#      bundle; one rank if mpiexec does not start);
#   4. writes OUT/gpu-table.md: GPU, driver, PETSc, and per run the unknowns, assembly, solver set-up, solve,
#      iterations and the ratio to the CPU run, ready for docs/performance.md; OUT/gpu-check.log has everything.
# OUT defaults to $OUT when set (the device machine's return folder), else out/gpu-check.
# Exit codes: 0 all tests passed and the timings ran; 1 missing libraries or a bad bundle; 2 a test failed;
# 3 the budget ran out before everything ran (the table says what).
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bundle="$here/.gpu-bundle" out="${OUT:-$here/out/gpu-check}" budget=450 bench=1
P1_SIZE_MM=0.79 P2_SIZE_MM=1.75 # default segment: 980340 (P1, 1958618 tets) and 971529 (P2) unknowns, docs/gpu.md
for a in "$@"; do
  case "$a" in
    --bundle=*) bundle="${a#--bundle=}" ;;
    --out=*) out="${a#--out=}" ;;
    --budget=*) budget="${a#--budget=}" ;;
    --no-bench) bench=0 ;;
    --p1-mm=*) P1_SIZE_MM="${a#--p1-mm=}" ;;
    --p2-mm=*) P2_SIZE_MM="${a#--p2-mm=}" ;;
    *) echo "gpu-device-check: error: unknown argument '$a' (see the head of $0)" >&2; exit 1 ;;
  esac
done
[[ "$budget" =~ ^[0-9]+$ ]] || { echo "gpu-device-check: error: --budget must be whole seconds, not '$budget'" >&2; exit 1; }
for v in "$P1_SIZE_MM" "$P2_SIZE_MM"; do
  [[ "$v" =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "gpu-device-check: error: a mesh size must be a number of mm, not '$v'" >&2; exit 1; }
done
mkdir -p "$out" || exit 1
log="$out/gpu-check.log"
exec > >(tee "$log") 2>&1
die() { echo "gpu-device-check: error: $*"; exit "${2:-1}"; }
left() { echo $((budget - SECONDS)); }
say() { echo "gpu-device-check: [$SECONDS s] $*"; }

# ---- 1. the bundle and the CUDA libraries
[ -f "$bundle/vfe-bundle.tar.xz" ] && [ -f "$bundle/MANIFEST" ] || die "no bundle in '$bundle' (make it with scripts/gpu-bundle.sh BUILD_DIR on the build machine and carry it)"
B="$(mktemp -d /tmp/vfe-bundle.XXXXXX)"
tar -xJf "$bundle/vfe-bundle.tar.xz" -C "$B" || die "cannot unpack $bundle/vfe-bundle.tar.xz"
say "bundle: $(head -1 "$bundle/MANIFEST")"
read -r -a needed <<<"$(sed -n 's/^cuda-needed: //p' "$bundle/MANIFEST")"
needed+=(libcuda.so.1) # the driver: CUDA's runtime opens it at run time, so no executable names it
cache="$(ldconfig -p 2>/dev/null)"

dirs=(/usr/local/nvidia/lib64 /usr/local/nvidia/lib /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib)
for d in /usr/local/cuda-*/lib64 /usr/local/cuda-*/targets/x86_64-linux/lib; do [ -d "$d" ] && dirs+=("$d"); done
for py in python3 /opt/torch/.venv/bin/python3; do
  command -v "$py" >/dev/null || continue
  while read -r sp; do
    [ -d "$sp/nvidia" ] || continue
    while read -r d; do dirs+=("$d"); done < <(find "$sp/nvidia" -maxdepth 3 -type d -name lib 2>/dev/null)
  done < <("$py" -c 'import site; print("\n".join(site.getsitepackages() + [site.getusersitepackages()]))' 2>/dev/null)
done
ldp=() missing=()
for so in "${needed[@]}"; do
  if grep -q "^[[:space:]]*$so (libc6,x86-64" <<<"$cache"; then continue; fi
  found=""
  for d in "${dirs[@]}"; do
    if [ -e "$d/$so" ]; then found="$d"; break; fi
  done
  if [ -n "$found" ]; then
    [[ " ${ldp[*]} " == *" $found "* ]] || ldp+=("$found")
  else
    missing+=("$so")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  die "this machine lacks ${missing[*]} (looked in the loader cache and ${dirs[*]}); libcuda.so.1 comes with the NVIDIA driver, the others with a CUDA 13 toolkit or the Python packages nvidia-cuda-runtime, nvidia-cublas, nvidia-cusparse, nvidia-cusolver, nvidia-cufft, nvidia-curand, nvidia-nvjitlink"
fi
libpath="$B/lib"
for d in "${ldp[@]}"; do libpath="$libpath:$d"; done
grep -q "libstdc++.so.6 (libc6,x86-64" <<<"$cache" || libpath="$libpath:$B/lib/fallback"
export LD_LIBRARY_PATH="$libpath${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
say "CUDA libraries from: ${ldp[*]:-the loader cache}"
unresolved="$(ldd "$B/bin/vfe" "$B/bin/test_verify" | grep 'not found' | sort -u)"
[ -z "$unresolved" ] || die "vfe's libraries do not all resolve here: $(echo "$unresolved" | awk '{print $1}' | tr '\n' ' ')"

# Open MPI and PMIx from the bundle (relocated), no network transports, root allowed
export OPAL_PKGLIBDIR="$B/openmpi/lib/openmpi3" OPAL_PKGDATADIR="$B/openmpi/share/openmpi" OPAL_SYSCONFDIR="$B/openmpi/etc"
export OPAL_BINDIR="$B/bin" OPAL_LIBDIR="$B/lib"
export OMPI_MCA_mca_base_component_path="$B/openmpi/lib/openmpi3" OMPI_MCA_mca_base_component_show_load_errors=0
export PMIX_PKGLIBDIR="$B/pmix/lib/pmix" PMIX_PKGDATADIR="$B/pmix/share/pmix" PMIX_MCA_mca_base_component_path="$B/pmix/lib/pmix"
export OMPI_MCA_ess_singleton_isolated=1 OMPI_MCA_pml=ob1 OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=none
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
vfe="$B/bin/vfe" tv="$B/bin/test_verify"
version="$("$vfe" --version)" || die "vfe does not start here: $("$vfe" --version 2>&1 | head -1)"
gpu="$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | head -1)"
say "$version; GPU: ${gpu:-none reported by nvidia-smi}; $(nproc) cores"
ncpu=$(nproc)
[ "$ncpu" -gt 16 ] && ncpu=16
if timeout 60 "$B/bin/mpiexec" -n 2 --bind-to none "$vfe" --version >/dev/null 2>"$out/mpiexec.err"; then
  cpu_run=("$B/bin/mpiexec" -n "$ncpu" --bind-to none "$vfe") cpu_ranks=$ncpu cpu_mpi=("$B/bin/mpiexec" "$ncpu")
else
  say "mpiexec from the bundle does not start ($(head -1 "$out/mpiexec.err")): the CPU runs use one rank"
  cpu_run=("$vfe") cpu_ranks=1 cpu_mpi=()
fi
petsc_version="$(sed -n 's/.*PETSc \([0-9.]*\).*/\1/p' <<<"$version")"

# ---- 2. the gpu tests
status=0
declare -A test_rc
for mode in verify simple segment; do
  if [ "$(left)" -lt 60 ]; then say "gpu test $mode: not run (budget)"; test_rc[$mode]=budget; status=3; continue; fi
  say "gpu test $mode"
  timeout "$(left)" bash "$here/tests/gpu_agree.sh" "$mode" "$vfe" "$tv" "/tmp/gpu_agree_$mode" "${cpu_mpi[@]}" >"$out/gpu_agree_$mode.log" 2>&1
  rc=$?
  tail -n 12 "$out/gpu_agree_$mode.log"
  case $rc in 0) test_rc[$mode]=passed ;; 77) test_rc[$mode]=skipped; status=2 ;; 124) test_rc[$mode]=timeout; status=3 ;; *) test_rc[$mode]="FAILED (rc $rc)"; status=2 ;; esac
  say "gpu test $mode: ${test_rc[$mode]}"
done

# ---- 3. timings
rows=()
ratio() { python3 -c 'import sys
try: print("%.3f" % (float(sys.argv[1]) / float(sys.argv[2])))
except Exception: print("—")' "$1" "$2"; }
json() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); t=d["manifest"]["timings_s"]; print(d["mesh"]["dofs"], "%.3f %.3f %.3f" % (t["assembly"], t["solver_setup"], t["solve"]), d["solver"]["iterations"], d["manifest"].get("petsc_version","?"))' "$1"; }
if [ "$bench" = 1 ]; then
  for order in 1 2; do
    size=$P1_SIZE_MM
    [ "$order" = 2 ] && size=$P2_SIZE_MM
    w="/tmp/gpu-bench-p$order"
    rm -rf "$w" && mkdir -p "$w"
    if [ "$(left)" -lt 90 ]; then say "P$order timings: not run (budget)"; rows+=("| P$order | — | not run: time budget | | | | | | |"); status=3; continue; fi
    common=(run "$here/cases/default.yaml" -mesh_order "$order" -model_fibres false -baseline false -vfe_write_fields false)
    gline="" cline="" meshopt=(-mesh_size_mm "$size" -mesh_threads "$ncpu")
    say "P$order: GPU run (it meshes the default segment at $size mm; the CPU run reuses that mesh)"
    if timeout "$(left)" "$vfe" "${common[@]}" "${meshopt[@]}" -vfe_device cuda -device_enable eager -output_dir "$w/gpu" >"$w/gpu.log" 2>&1; then
      gline="$(json "$w/gpu/summary.json")"
      meshopt=(-mesh_file "$w/gpu/mesh.msh")
    else
      say "P$order: GPU run failed: $(tail -1 "$w/gpu.log")"; status=2
    fi
    if [ "$(left)" -gt 30 ]; then
      say "P$order: CPU run ($cpu_ranks ranks)"
      if timeout "$(left)" "${cpu_run[@]}" "${common[@]}" "${meshopt[@]}" -output_dir "$w/cpu" >"$w/cpu.log" 2>&1; then
        cline="$(json "$w/cpu/summary.json")"
      else
        say "P$order: CPU run failed or ran out of time: $(tail -1 "$w/cpu.log")"; status=3
      fi
    fi
    read -r gd ga gs gv gi _ <<<"${gline:-- - - - - -}"
    read -r cd ca cs cv ci _ <<<"${cline:-- - - - - -}"
    gt=$(python3 -c 'import sys
try: print("%.3f" % sum(map(float, sys.argv[1:])))
except Exception: print("—")' "$ga" "$gs" "$gv")
    ct=$(python3 -c 'import sys
try: print("%.3f" % sum(map(float, sys.argv[1:])))
except Exception: print("—")' "$ca" "$cs" "$cv")
    rows+=("| P$order | $gd | GPU, 1 rank | $ga | $gs | $gv | $gi | $gt | $(ratio "$gt" "$ct") |")
    rows+=("| P$order | $cd | CPU, $cpu_ranks ranks | $ca | $cs | $cv | $ci | $ct | 1 |")
  done
fi

# ---- 4. the table
{
  echo "Measured $(date -u +%Y-%m-%d) by scripts/gpu-device-check.sh: GPU ${gpu:-? (nvidia-smi gave nothing)}; $(nproc) CPU cores; PETSc ${petsc_version:-?}; ${version}."
  echo "Default segment (cases/default.yaml), fibres off, no baseline: one CG solve (P1: GAMG; P2: p-multigrid), -ksp_rtol 1e-8."
  echo "gpu tests: verify ${test_rc[verify]:-?}, simple ${test_rc[simple]:-?}, segment ${test_rc[segment]:-?}."
  echo
  echo "| order | unknowns | where | assembly s | solver set-up s | solve s | iterations | total s | ratio to CPU |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
  printf '%s\n' "${rows[@]}"
} >"$out/gpu-table.md"
cat "$out/gpu-table.md"
say "done (status $status); table in $out/gpu-table.md, log in $log"
exit $status
