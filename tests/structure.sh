#!/usr/bin/env bash
# The layering of DESIGN.md, checked on the sources and the built libraries:
#   - solver/ includes no mesh, materials or Gmsh header (it depends on PETSc and util/ only);
#   - every Vfe* symbol a library needs is defined in that library or in one below it
#     (app -> postproc -> solver, mesh, materials -> util): no cycle, nothing calls upward, and no
#     library needs a symbol that only the executable defines;
#   - no test keeps a private copy of the key registry;
#   - the solver's private header (vfesolverimpl.h: VfeProblem's struct) is included only in solver/.
#   usage: structure.sh SOURCE_DIR BUILD_DIR
set -uo pipefail
src=$1 build=$2
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAILED: $*"; fail=1; }

hits=$(grep -nE '#include *[<"](vfemesh|vfematerials|gmshc?)\.h' "$src"/solver/*.c "$src"/solver/*.h "$src"/solver/cuda/* 2>/dev/null)
[ -z "$hits" ] && ok "solver/ includes no mesh, materials or Gmsh header" || bad "solver/ includes: $hits"

hits=$(grep -rlE '#include *"vfesolverimpl\.h"' "$src"/app "$src"/postproc "$src"/mesh "$src"/materials "$src"/util "$src"/tests 2>/dev/null)
[ -z "$hits" ] && ok "only solver/ includes the solver's private header (VfeProblem is opaque elsewhere)" \
  || bad "the solver's private header vfesolverimpl.h is included by: $hits"
hits=$(grep -nE 'struct _n_VfeProblem *\{' "$src"/solver/vfesolver.h)
[ -z "$hits" ] && ok "vfesolver.h does not define VfeProblem's struct" || bad "vfesolver.h defines VfeProblem: $hits"

declare -A below=(
  [util]=""
  [mesh]="util" [materials]="util" [solver]="util"
  [postproc]="solver mesh materials util"
  [app]="postproc solver mesh materials util"
)
defined() { nm --defined-only -g "$build/$1/libvfe_$1.a" 2>/dev/null | awk '$2 ~ /[TDBR]/ {print $3}' | grep '^Vfe' | sort -u; }
for lib in util mesh materials solver postproc app; do
  a="$build/$lib/libvfe_$lib.a"
  [ -f "$a" ] || { bad "$a not built"; continue; }
  have=$(for l in $lib ${below[$lib]}; do defined "$l"; done | sort -u)
  need=$(nm -u "$a" | awk '{print $2}' | grep '^Vfe' | sort -u)
  missing=$(comm -23 <(echo "$need") <(echo "$have") | grep . || true)
  [ -z "$missing" ] && ok "vfe_$lib needs only itself and {${below[$lib]}}" \
    || bad "vfe_$lib needs symbols from above it or from the executable: $(echo $missing)"
done

if grep -qE '^(PetscBool|static PetscBool) +VfeKnownKey' "$src"/tests/*.c; then bad "a test defines its own VfeKnownKey"
else ok "no test keeps a private key list"; fi
exit $fail
