/*
 * keys.c - the keys the materials component reads (materials.c), declared once (util/vfekeys.h).
 */
#include "vfematerials.h"
#include "vfekeys.h"

static const VfeKey materials_keys[] = {
    {"cement_material", VFE_KEY_STRING, "", 0, 0, 0, NULL, "`pmma`",
     "`pmma`, `pmma_low_modulus`, `cpc`, `ha_composite` or a user material"},
    {"bone_density", VFE_KEY_STRING, "", 0, 0, 0, NULL, "`normal`",
     "`normal`, `osteopenic`, `osteoporotic`, or a QCT BMD in mg/cm³ (20–300; Kopperdahl 2002 density laws, see "
     "theory.md)"},
    {"ct_density_unit", VFE_KEY_STRING, "", 0, 0, 0, "mg_cm3|hu", "`mg_cm3`",
     "CT route: the image's values are a calibrated density in mg/cm³ (`mg_cm3`) or Hounsfield units (`hu`, with "
     "`ct_density_slope` and `ct_density_intercept`)"},
    {"ct_density_slope", VFE_KEY_REAL, "HU per mg/cm³", VFE_KEY_MIN | VFE_KEY_MIN_OPEN | VFE_KEY_MAX, 0, 100, NULL, "—",
     "CT route, `hu`: phantom calibration HU = intercept + slope · ρ, its slope σ"},
    {"ct_density_intercept", VFE_KEY_REAL, "HU", VFE_KEY_MIN | VFE_KEY_MAX, -5000, 5000, NULL, "—",
     "CT route, `hu`: the calibration's intercept β"},
    {"ct_density_species", VFE_KEY_STRING, "", 0, 0, 0, "k2hpo4|cha", "`k2hpo4`",
     "CT route: the phantom material of the density (K2HPO4 or calcium hydroxyapatite equivalent), named in the "
     "outputs"},
    {"ct_density_law", VFE_KEY_STRING, "", 0, 0, 0, "kopperdahl_linear|kopperdahl_power|morgan2003",
     "`kopperdahl_linear`",
     "CT route: density-modulus law of every bone element: `kopperdahl_linear` E = −34.7 + 3230 ρ, "
     "`kopperdahl_power` E = 2980 ρ^1.05, `morgan2003` E = 4730 ρ^1.56 (MPa, ρ in g/cm³; sources in "
     "materials/library.yaml)"},
    {"ct_modulus_min", VFE_KEY_REAL, "MPa", VFE_KEY_MIN | VFE_KEY_MIN_OPEN | VFE_KEY_MAX, 0, 1e4, NULL, "1",
     "CT route: least modulus of a bone element (the linear law is negative below 10.7 mg/cm³)"},
    {"material_<name>_E", VFE_KEY_REAL, "MPa", VFE_KEY_MIN | VFE_KEY_MIN_OPEN | VFE_KEY_MAX, 0, 1e6, NULL, "library",
     "Young's modulus of a material: override one or define a new one (`material_mycement_E: 1500`, then "
     "`cement_material: mycement`)"},
    {"material_<name>_nu", VFE_KEY_REAL, "", VFE_KEY_MIN | VFE_KEY_MIN_OPEN | VFE_KEY_MAX | VFE_KEY_MAX_OPEN, -1, 0.5,
     NULL, "library", "Poisson's ratio of a material"},
    {"material_<name>_strength", VFE_KEY_REAL, "MPa", VFE_KEY_MIN | VFE_KEY_MIN_OPEN | VFE_KEY_MAX, 0, 1e4, NULL,
     "library", "strength of a material (factor of risk = stress / strength)"},
    {"material_<name>_yield_strain", VFE_KEY_REAL, "", VFE_KEY_MIN | VFE_KEY_MIN_OPEN | VFE_KEY_MAX | VFE_KEY_MAX_OPEN,
     0, 1, NULL, "library", "compressive yield strain of a material (endplate yield fraction)"},
    {"fibre_angle_deg", VFE_KEY_REAL, "°", VFE_KEY_MIN | VFE_KEY_MAX, 0, 90, NULL, "30",
     "annulus fibres: angle of the two families to the transverse plane (Shirazi-Adl 1986)"},
    {"fibre_volume_fraction", VFE_KEY_REAL, "", VFE_KEY_MIN | VFE_KEY_MAX | VFE_KEY_MAX_OPEN, 0, 1, NULL, "0.16",
     "annulus fibres: volume fraction of the annulus taken by both families (Shirazi-Adl 1984)"},
    {"ligament_<name>_E1", VFE_KEY_REAL, "MPa", VFE_KEY_MIN | VFE_KEY_MIN_OPEN | VFE_KEY_MAX, 0, 1e4, NULL, "library",
     "ligament <name> (ALL, PLL, LF, CL, ITL, ISL, SSL): modulus below the transition strain"},
    {"ligament_<name>_E2", VFE_KEY_REAL, "MPa", VFE_KEY_MIN | VFE_KEY_MIN_OPEN | VFE_KEY_MAX, 0, 1e4, NULL, "library",
     "ligament modulus above the transition strain"},
    {"ligament_<name>_strain_t", VFE_KEY_REAL, "", VFE_KEY_MIN | VFE_KEY_MAX, 0, 1, NULL, "library",
     "ligament transition strain"},
    {"ligament_<name>_area", VFE_KEY_REAL, "mm²", VFE_KEY_MIN | VFE_KEY_MIN_OPEN | VFE_KEY_MAX, 0, 1000, NULL,
     "library", "ligament cross-section area"},
};

const VfeKeyTable VfeMaterialsKeys = {"materials", materials_keys, sizeof materials_keys / sizeof materials_keys[0]};
