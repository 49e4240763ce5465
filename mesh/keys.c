/*
 * keys.c - the keys the mesh component reads (segment.c, cement.c, shapes.c), declared once
 * (util/vfekeys.h).  Checks that involve several keys or the geometry stay in segment.c and
 * cement.c.
 */
#include "vfemesh.h"
#include "vfekeys.h"

#define POS (VFE_KEY_MIN | VFE_KEY_MIN_OPEN)
#define FRAC (VFE_KEY_MIN | VFE_KEY_MIN_OPEN | VFE_KEY_MAX | VFE_KEY_MAX_OPEN)

static const VfeKey mesh_keys[] = {
    {"mesh_size_mm", VFE_KEY_REAL, "mm", POS, 0, 0, NULL, "1.5 (ct: 1, surfaces: 2)",
     "target element size (finer at endplates and cement); the segment allows 0.3..10 mm, the CT mesher (0, 50] mm "
     "(`ct_mesher voxel` ignores it: one voxel, six tetrahedra)"},
    {"mesh_max_elements", VFE_KEY_REAL, "", VFE_KEY_MIN | VFE_KEY_MAX, 1, 1e9, NULL, "5e6",
     "refuse a mesh size whose predicted tetrahedron count exceeds this (raise it to allow a finer mesh)"},
    {"mesh_order", VFE_KEY_INT, "", VFE_KEY_MIN | VFE_KEY_MAX, 1, 2, NULL, "1",
     "1: P1 (4-node) tetrahedra (quick looks: locks in the nucleus and is too stiff in the thin shell), 2: P2 "
     "(10-node, locking-free; every file in cases/ uses it)"},
    {"mesh_volume_mesher", VFE_KEY_STRING, "", 0, 0, 0, "hxt|delaunay", "`hxt`",
     "`hxt`, or `delaunay` (Gmsh's Delaunay 3D: also reproducible, slower, slightly lower minimum quality; vfe falls "
     "back to it when HXT fails)"},
    {"mesh_verbose", VFE_KEY_BOOL, "", 0, 0, 0, NULL, "false",
     "print Gmsh's (and CGAL's) own messages while meshing (to diagnose a failed mesh)"},
    {"mesh_threads", VFE_KEY_INT, "", VFE_KEY_MIN | VFE_KEY_MAX, 1, 256, NULL, "2",
     "threads of the geometry booleans and of the HXT volume mesher (surfaces are meshed on one thread). The same case "
     "with the same `mesh_threads` gives the same mesh (hash in the report) in every run and process, whatever the "
     "load "
     "(for a given build and CPU type: libm and OpenCASCADE may round differently elsewhere); another thread count "
     "gives another, equally valid mesh"},
    {"ct_mask", VFE_KEY_STRING, "", 0, 0, 0, NULL, "—",
     "`mesh_geometry ct`: label image of the vertebra (NIfTI-1/2, `.nii` or `.nii.gz`; integer labels, 0 background)"},
    {"ct_image", VFE_KEY_STRING, "", 0, 0, 0, NULL, "—",
     "the CT image (calibrated density or HU, NIfTI) on the mask's grid; the bone moduli are mapped from it"},
    {"ct_labels_body", VFE_KEY_LIST, "", 0, 0, 0, NULL, "1,2",
     "mask labels of the vertebral body (cortex and endplate layers are assigned by distance, not from labels)"},
    {"ct_labels_posterior", VFE_KEY_LIST, "", 0, 0, 0, NULL, "none",
     "mask labels of the posterior elements (region `<lvl>.posterior`)"},
    {"ct_labels_cement", VFE_KEY_LIST, "", 0, 0, 0, NULL, "none",
     "mask labels of pre-segmented cement inside the body (region `<lvl>.cement`)"},
    {"ct_level", VFE_KEY_STRING, "", 0, 0, 0, "T12|L1|L2|L3|L4|L5", "`L2`", "the vertebra's level: names the regions"},
    {"ct_mesher", VFE_KEY_STRING, "", 0, 0, 0, "cgal|voxel", "`cgal`",
     "`cgal` (CGAL Mesh_3 on the label image, `mesh_size_mm`), `voxel` (six tetrahedra per voxel: the verification "
     "path)"},
    {"ct_cortex_mm", VFE_KEY_REAL, "mm", VFE_KEY_MIN | VFE_KEY_MIN_OPEN | VFE_KEY_MAX, 0, 5, NULL, "0.5",
     "body tetrahedra whose centroid lies this close to the body surface form `<lvl>.cortical` (clinical CT does not "
     "resolve the shell; docs/theory.md)"},
    {"ct_endplate_mm", VFE_KEY_REAL, "mm", VFE_KEY_MIN | VFE_KEY_MIN_OPEN | VFE_KEY_MAX, 0, 5, NULL, "0.5",
     "the same for `<lvl>.endplate_sup` / `_inf`, measured to the superior / inferior endplate surface"},
    {"ct_plates", VFE_KEY_BOOL, "", 0, 0, 0, NULL, "true",
     "embed the body between a `load_plate` and a `base_plate` that fill up to its endplates (axial compression as "
     "in QCT-FE benchmarks); false: `load_top` / `fixed_bottom` are the body's own top and bottom faces"},
    {"ct_plate_mm", VFE_KEY_REAL, "mm", VFE_KEY_MIN | VFE_KEY_MIN_OPEN | VFE_KEY_MAX, 0, 20, NULL, "2",
     "plate thickness beyond the body's extreme voxel (rounded to whole voxels, at least one)"},
    {"ct_plate_embed_mm", VFE_KEY_REAL, "mm", VFE_KEY_MIN | VFE_KEY_MAX, 0, 50, NULL, "5",
     "how deep a plate embeds the body's end, from its extreme voxel: columns whose body ends deeper (the waist, the "
     "lateral walls below the rim) get no plate, so that the plates load the endplates, not the sides"},
    {"ct_cement_image", VFE_KEY_STRING, "", 0, 0, 0, NULL, "—",
     "post-operative image (NIfTI, the mask's grid): cement = voxels of the body above `ct_cement_threshold`"},
    {"ct_cement_threshold", VFE_KEY_STRING, "", 0, 0, 0, NULL, "`otsu`",
     "`otsu` (Otsu's threshold of the values inside the body), `halfmax` ((median + maximum) / 2 inside the body), or "
     "a number in the image's units (HU)"},
    {"ct_leak_mm", VFE_KEY_REAL, "mm", VFE_KEY_MIN | VFE_KEY_MIN_OPEN | VFE_KEY_MAX, 0, 30, NULL, "5",
     "cement leakage = above-threshold voxels outside the body within this distance of it (reported, not meshed)"},
    {"surfaces_dir", VFE_KEY_STRING, "", 0, 0, 0, NULL, "—",
     "`mesh_geometry surfaces`: a folder laid out like lumbar-artisynth: `stl_mm/<LVL>_vertebral_body.stl` (closed "
     "STL, binary or ASCII) per level and `discs_mm/<L12>_disc_hex_mm.vtk` (legacy VTK hex8, cell data `part`: 0 "
     "nucleus, 1..4 annulus) per disc; mm, x anterior, y left, z superior (right-handed)"},
    {"surfaces_voxel_mm", VFE_KEY_REAL, "mm", VFE_KEY_MIN | VFE_KEY_MIN_OPEN | VFE_KEY_MAX, 0, 5, NULL, "0.5",
     "voxel size of the label image the surfaces are rasterised into (then meshed by CGAL)"},
    {"surfaces_cortex_mm", VFE_KEY_REAL, "mm", VFE_KEY_MIN | VFE_KEY_MIN_OPEN | VFE_KEY_MAX, 0, 5, NULL, "0.5",
     "body tetrahedra whose centroid lies this close to the body surface form `<lvl>.cortical`"},
    {"surfaces_endplate_mm", VFE_KEY_REAL, "mm", VFE_KEY_MIN | VFE_KEY_MIN_OPEN | VFE_KEY_MAX, 0, 5, NULL, "0.5",
     "the same for `<lvl>.endplate_sup` / `_inf`, measured to the body faces towards the discs (and the plate)"},
    {"surfaces_plate_mm", VFE_KEY_REAL, "mm", VFE_KEY_MIN | VFE_KEY_MIN_OPEN | VFE_KEY_MAX, 0, 20, NULL, "2",
     "`load_plate` thickness above the top body (whole voxels, at least one)"},
    {"surfaces_plate_embed_mm", VFE_KEY_REAL, "mm", VFE_KEY_MIN | VFE_KEY_MAX, 0, 50, NULL, "15",
     "how deep the load plate embeds the top body's superior end (a potting: the real top endplate is tilted): columns "
     "whose body ends deeper get no plate"},
    {"surfaces_posterior_elements", VFE_KEY_BOOL, "", 0, 0, 0, NULL, "false",
     "posterior elements from whole-vertebra surfaces `stl_mm/<LVL>_vertebra.stl` (the vertebra less its body, region "
     "`<lvl>.posterior`), facet joints where neighbouring vertebrae meet (a gap of `surfaces_facet_gap_mm`, surfaces "
     "`<D>.facet_<side>_upper` / `_lower`) and the attachment points of all seven ligaments; the run adds facet "
     "contact and the ligaments (docs/theory.md)"},
    {"surfaces_facet_gap_mm", VFE_KEY_REAL, "mm", VFE_KEY_MIN | VFE_KEY_MIN_OPEN | VFE_KEY_MAX, 0, 5, NULL, "1",
     "with surfaces_posterior_elements: the gap cut between the posterior elements of neighbouring vertebrae (where "
     "their surfaces overlap or touch: the facet joints) and between a vertebra's posterior elements and the other "
     "bodies, discs and the load plate (at least two voxels)"},
    {"segment_levels", VFE_KEY_STRING, "", 0, 0, 0, NULL, "`L1-L3`", "contiguous range within T12..L5"},
    {"segment_treated", VFE_KEY_LIST, "", 0, 0, 0, NULL, "middle level", "treated level(s), comma list"},
    {"segment_posterior_elements", VFE_KEY_BOOL, "", 0, 0, 0, NULL,
     "true under a moment or with `fracture_wedge` > 0, else false",
     "posterior elements and facet joints (regions `<lvl>.posterior`, `<lvl>.facet_sup`, `<lvl>.facet_inf`; facet "
     "surfaces and ligament attachment points; docs/theory.md); the run adds frictionless facet contact and the seven "
     "ligaments (`model_facet_contact`, `model_ligaments`). Unset, they are on where they carry load (a moment, a "
     "wedge "
     "fracture; in a sweep: in every case once one case has them) and off under a compressive load alone, where they "
     "carry almost none of it at 1.7x the run time (docs/validation.md); the log and summary.json say which"},
    {"segment_facet_gap_mm", VFE_KEY_REAL, "mm", VFE_KEY_MIN | VFE_KEY_MIN_OPEN | VFE_KEY_MAX, 0, 3, NULL, "0.5",
     "gap between the two cartilage layers of a facet joint"},
    {"segment_facet_cartilage_mm", VFE_KEY_REAL, "mm", VFE_KEY_MIN | VFE_KEY_MIN_OPEN | VFE_KEY_MAX, 0, 3, NULL, "1.0",
     "facet cartilage thickness on each articular process"},
    {"segment_facet_tip_gap_mm", VFE_KEY_REAL, "mm", VFE_KEY_MIN | VFE_KEY_MIN_OPEN | VFE_KEY_MAX, 0, 5, NULL,
     "1.5 (less over a thin disc)",
     "gap between the tip of each inferior articular process and the lamina below it, where the tip bears in "
     "extension (surfaces `<D>.facet_tip_<side>_upper` / `<D>.facet_tip_lower`); at most the clearance under the "
     "cartilage less 0.5 mm"},
    {"segment_<LVL>_pedicle_width", VFE_KEY_REAL, "mm", VFE_KEY_MIN | VFE_KEY_MAX, 4, 20, NULL, "T12 7.5, L1..L5 8",
     "pedicle width (x); canal_width/2 + pedicle_width + 1 must fit the cancellous half-width"},
    {"segment_<LVL>_pedicle_height", VFE_KEY_REAL, "mm", VFE_KEY_MIN | VFE_KEY_MAX, 8, 25, NULL,
     "T12 15.5, L1 15, L2 15, L3 14.5, L4 14, L5 14", "pedicle height (z) (Panjabi 1992)"},
    {"segment_<LVL>_canal_width", VFE_KEY_REAL, "mm", VFE_KEY_MIN | VFE_KEY_MAX, 10, 35, NULL, "T12 18, L1..L5 22",
     "spinal canal width (between the pedicles) (Panjabi 1991, 1992)"},
    {"segment_<LVL>_canal_depth", VFE_KEY_REAL, "mm", VFE_KEY_MIN | VFE_KEY_MAX, 8, 30, NULL,
     "T12 17, L1 17, L2 16.5, L3 16, L4 16.5, L5 17", "spinal canal depth (body to lamina) (Panjabi 1992)"},
    {"segment_<LVL>_transverse_span", VFE_KEY_REAL, "mm", VFE_KEY_MIN | VFE_KEY_MAX, 30, 120, NULL,
     "T12 60, L1 70, L2 78, L3 88, L4 82, L5 88", "distance between the transverse process tips (Panjabi 1992)"},
    {"segment_<LVL>_spinous_length", VFE_KEY_REAL, "mm", VFE_KEY_MIN | VFE_KEY_MAX, 10, 50, NULL,
     "T12 28, L1 30, L2 30, L3 30, L4 28, L5 25", "spinous process length behind the lamina (Panjabi 1992)"},
    {"segment_<LVL>_facet_angle_deg", VFE_KEY_REAL, "deg", VFE_KEY_MIN | VFE_KEY_MAX, 0, 75, NULL,
     "T12 20, L1 25, L2 30, L3 37, L4 45, L5 50",
     "facet joint *below* the level (so L5S1 for L5, not modelled): angle of the facet plane from the sagittal "
     "plane, about z (Masharawi 2004)"},
    {"segment_<LVL>_body_width", VFE_KEY_REAL, "mm", VFE_KEY_MIN | VFE_KEY_MIN_OPEN | VFE_KEY_MAX, 0, 100, NULL, "42",
     "per-level body width (Lavecchia 2018)"},
    {"segment_<LVL>_body_depth", VFE_KEY_REAL, "mm", VFE_KEY_MIN | VFE_KEY_MAX, 10, 80, NULL, "33.5",
     "per-level body depth (Lavecchia 2018)"},
    {"segment_<LVL>_body_height", VFE_KEY_REAL, "mm", VFE_KEY_MIN | VFE_KEY_MAX, 8, 60, NULL, "25",
     "per-level body height (Lavecchia 2018)"},
    {"segment_<LVL>_disc_height", VFE_KEY_REAL, "mm", VFE_KEY_MIN | VFE_KEY_MAX, 2, 30, NULL,
     "T12L1 8, L1L2 9, L2L3 11, L3L4 13, L4L5 13", "height of the disc *below* the level"},
    {"segment_<LVL>_nucleus_fraction", VFE_KEY_REAL, "", VFE_KEY_MIN | VFE_KEY_MAX, 0.1, 0.7, NULL, "0.45",
     "nucleus area / disc area"},
    {"segment_<LVL>_shell_thickness", VFE_KEY_REAL, "mm", POS, 0, 0, NULL, "0.8",
     "cortical shell thickness (FE models use 0.5–1 mm)"},
    {"segment_<LVL>_endplate_thickness", VFE_KEY_REAL, "mm", POS, 0, 0, NULL, "0.8",
     "endplate thickness (FE models use 0.5–1 mm)"},
    {"segment_<LVL>_endplate_concavity", VFE_KEY_REAL, "mm", 0, 0, 0, NULL, "0.7 / 1.5",
     "endplate dome depth of both endplates (Wang 2012)"},
    {"segment_<LVL>_endplate_concavity_sup", VFE_KEY_REAL, "mm", 0, 0, 0, NULL, "0.7",
     "superior endplate dome depth (Wang 2012)"},
    {"segment_<LVL>_endplate_concavity_inf", VFE_KEY_REAL, "mm", 0, 0, 0, NULL, "1.5",
     "inferior endplate dome depth (Wang 2012)"},
    {"fracture_wedge", VFE_KEY_REAL, "", VFE_KEY_MIN | VFE_KEY_MAX, 0, 0.5, NULL, "0",
     "anterior height loss of the treated body, 0..0.5"},
    {"cement_pattern", VFE_KEY_STRING, "", 0, 0, 0, "none|compact|bipedicular|unipedicular|endplate_bridging|diffuse",
     "`bipedicular`", "cement distribution in the treated body (table below)"},
    {"cement_fill_ratio", VFE_KEY_REAL, "", FRAC, 0, 1, NULL, "0.25",
     "cement volume / vertebral body volume, measured on the final mesh (±0.5 pt)"},
    {"cement_fused", VFE_KEY_BOOL, "", 0, 0, 0, NULL, "false", "bipedicular boluses fused into an H"},
    {"cement_offset_mm", VFE_KEY_REAL, "mm", VFE_KEY_MIN, 0, 0, NULL, "—", "lateral offset of the unipedicular bolus"},
    {"cement_diffuse_fraction", VFE_KEY_REAL, "", VFE_KEY_MIN | VFE_KEY_MIN_OPEN | VFE_KEY_MAX, 0, 1, NULL, "0.8",
     "cement volume fraction of the diffuse composite region"},
    {"cement_leak", VFE_KEY_STRING, "", 0, 0, 0, "none|intradiscal|anterior", "`none`",
     "`intradiscal`, `anterior` (region `<lvl>.cement_leak`)"},
    {"cement_leak_volume_ml", VFE_KEY_REAL, "ml", VFE_KEY_MIN | VFE_KEY_MIN_OPEN | VFE_KEY_MAX, 0, 3, NULL, "0.3",
     "leak volume"},
};

const VfeKeyTable VfeMeshKeys = {"mesh", mesh_keys, sizeof mesh_keys / sizeof mesh_keys[0]};
