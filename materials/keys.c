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
