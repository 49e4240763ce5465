#!/usr/bin/env python3
"""Generated bad-input corpus for vfe (issue 8, B.8), and its runner.

usage: badinput_corpus.py VFE MSH_CONVERT WORKDIR [--jobs N] [--timeout S] [--only SUBSTRING] [--list]

Every input is a command line (plus the files it needs) that vfe must refuse.  For each one the
runner asserts: no signal (exit code < 128), no hang (a timeout), the expected exit code, exactly
one "vfe: error:" line on stderr and that it names the key or file, and no summary.json in the
output directory.  Inputs run several at a time (a bounded pool), on a tiny mesh: the simple
geometry at mesh_size_mm 5, or a mesh file made from it once and reused.

Classes: malformed YAML, unknown keys, empty values, NaN / inf / huge / non-numeric values of every
numeric key, duplicate keys, NUL bytes, deep nesting, corrupted and truncated mesh files (MSH 2.2
and 4.1, ASCII and binary), long keys and paths, bad output directories, inapplicable keys.

PENDING lists inputs whose fix has not landed yet (empty now: every entry counts).  A pending entry
runs, but is reported as "pending" (with "now passes" when it already would), never as pass or
fail; its reason is removed when the fix lands.
"""
import argparse
import concurrent.futures as cf
import os
import resource
import shutil
import struct
import subprocess
import sys
import time

# reason -> predicate on the entry name; see the module doc
PENDING = {}

NUMERIC_BAD = [("nan", "nan"), ("inf", "inf"), ("1e308", "huge"), ("abc", "text"), ("", "empty")]


def pending_reason(name):
    for prefix, reason in PENDING.items():
        if name.startswith(prefix):
            return reason
    return None


class Entry:
    def __init__(self, name, args, pattern, code=1, files=None, forbid=None):
        self.name, self.args, self.pattern, self.code, self.files = name, args, pattern, code, files or {}
        self.forbid = forbid  # text that must not appear anywhere in stderr (e.g. a file's contents)


def yaml_case(body):
    return ("case_version: 1\nmesh: {geometry: simple, size_mm: 5}\n" + body).encode()


# ---------- CT images (NIfTI-1, written here: 348-byte header, 4-byte extension flag, data) ----------

def nifti1(shape=(8, 8, 8), dtype="u1", values=None, pixdim=(1.0, 1.0, 1.0), offset=(0.0, 0.0, 0.0), dim0=3,
           extra=1, datatype=None):
    """a NIfTI-1 file (.nii) with a qform of pixdim scaling and offset; values: a function (i, j, k) -> number"""
    codes = {"u1": (2, 8, "B"), "f4": (16, 32, "f"), "c8": (32, 64, "ff")}
    code, bitpix, fmt = codes[dtype]
    dims = [dim0, shape[0], shape[1], shape[2], extra, 1, 1, 1]
    h = bytearray(348)
    struct.pack_into("<i", h, 0, 348)
    struct.pack_into("<8h", h, 40, *dims)
    struct.pack_into("<hh", h, 70, datatype or code, bitpix)
    struct.pack_into("<8f", h, 76, 1.0, pixdim[0], pixdim[1], pixdim[2], 1, 1, 1, 1)
    struct.pack_into("<f", h, 108, 352.0)
    struct.pack_into("<hh", h, 252, 1, 0)
    struct.pack_into("<6f", h, 256, 0, 0, 0, offset[0], offset[1], offset[2])
    h[344:348] = b"n+1\0"
    data = bytearray()
    for t in range(extra):
        for k in range(shape[2]):
            for j in range(shape[1]):
                for i in range(shape[0]):
                    v = values(i, j, k) if values else 0
                    data += struct.pack("<" + fmt, *([v] * len(fmt)))
    return bytes(h) + b"\0\0\0\0" + bytes(data)


def ct_case(body=""):
    return ("case_version: 1\nmesh: {geometry: ct, size_mm: 2}\nct: {mask: mask.nii, mesher: voxel, labels: {body: [1]}}\n"
            + body).encode()


def ct_box(i, j, k):
    """label 1 in a 4 x 4 x 4 box of the 8^3 grid"""
    return 1 if 2 <= i < 6 and 2 <= j < 6 and 2 <= k < 6 else 0


# ---------- mesh-file corruptions ----------

def msh_sections(data):
    """byte offsets of the section markers ($Nodes, $EndNodes, ...) of an MSH file"""
    out, i = {}, 0
    while True:
        j = data.find(b"\n$", i)
        if j < 0:
            return out
        k = data.find(b"\n", j + 1)
        out.setdefault(data[j + 1:k].decode("latin-1"), j + 1)
        i = j + 1


def corrupt_variants(tag, data):
    """corruptions of one mesh file that no valid mesh can come out of: (name, bytes)"""
    s = msh_sections(data)
    end = s["$EndElements"]
    out = []
    for f in [0.0005, 0.1, 0.5, 0.9, 0.999]:
        out.append(("trunc%g" % f, data[:max(1, int(end * f))]))
    for m in ["$EndMeshFormat", "$EndNodes", "$Elements", "$EndElements"]:
        if m in s:
            p = s[m] + 2
            out.append(("marker_" + m[1:], data[:p] + b"X" + data[p + 1:]))
    binary = b"\n4.1 1 8" in data[:40] or b"\n2.2 1 8" in data[:40]
    v41 = b"\n4.1 " in data[:40]
    nodes = s["$Nodes"] + len("$Nodes\n")
    elems = s["$Elements"] + len("$Elements\n")
    if binary and v41:
        # header: numBlocks numNodes minTag maxTag (size_t each)
        for i, v in [(0, 2**40), (1, 2**62), (1, 0), (3, 2**50)]:
            out.append(("nodehdr%d_%d" % (i, v % 1000), data[:nodes + 8 * i] + struct.pack("<Q", v) +
                        data[nodes + 8 * i + 8:]))
        nb, n = struct.unpack("<QQ", data[elems:elems + 16])
        out.append(("elemcount_plus1", data[:elems + 8] + struct.pack("<Q", n + 1) + data[elems + 16:]))
        blk = elems + 32  # first block: dim, entity, type (int) numElements (size_t)
        out.append(("elemblock_entity", data[:blk + 4] + struct.pack("<i", 99999) + data[blk + 8:]))
        out.append(("elemblock_type", data[:blk + 8] + struct.pack("<i", 77) + data[blk + 12:]))
        out.append(("elemblock_count", data[:blk + 12] + struct.pack("<Q", 2**33) + data[blk + 20:]))
        ref = blk + 20 + 8  # first node of the first element
        for v in [0, 10**9, 2**63 + 5]:
            out.append(("noderef_%d" % (v % 997), data[:ref] + struct.pack("<Q", v) + data[ref + 8:]))
        out.append(("nodetag_zero", data[:nodes + 32 + 20] + struct.pack("<Q", 0) + data[nodes + 32 + 28:]))
    elif binary:
        nl = data.index(b"\n", nodes)
        out.append(("nodecount_huge", data[:nodes] + b"999999999" + data[nl:]))
        out.append(("nodecount_plus1", data[:nodes] + b"%d" % (int(data[nodes:nl]) + 1) + data[nl:]))
        el = data.index(b"\n", elems)
        out.append(("elemcount_plus1", data[:elems] + b"%d" % (int(data[elems:el]) + 1) + data[el:]))
        blk = el + 1  # type, count, ntags (int)
        out.append(("elemblock_type", data[:blk] + struct.pack("<i", 77) + data[blk + 4:]))
        out.append(("elemblock_count", data[:blk + 4] + struct.pack("<i", 2**30) + data[blk + 8:]))
        out.append(("elemblock_ntags", data[:blk + 8] + struct.pack("<i", -3) + data[blk + 12:]))
        ntags = struct.unpack("<i", data[blk + 8:blk + 12])[0]
        ref = blk + 12 + 4 + 4 * ntags
        for v in [0, 10**9, -7]:
            out.append(("noderef_%d" % (v % 997), data[:ref] + struct.pack("<i", v) + data[ref + 4:]))
    else:
        lines = data.split(b"\n")
        li = {l: i for i, l in reversed(list(enumerate(lines))) if l.startswith(b"$")}
        def with_line(i, text):
            c = list(lines)
            c[i] = text
            return b"\n".join(c)
        ni, ei = li[b"$Nodes"] + 1, li[b"$Elements"] + 1
        hdr = lines[ni].split()
        out.append(("nodecount_huge", with_line(ni, b" ".join([hdr[0], b"99999999999"] + hdr[2:]) if v41 else b"99999999999")))
        out.append(("nodecount_text", with_line(ni, b"many nodes")))
        ehdr = lines[ei].split()
        out.append(("elemcount_plus1", with_line(ei, b" ".join(ehdr[:1] + [b"%d" % (int(ehdr[1]) + 1)] + ehdr[2:])
                                                 if v41 else b"%d" % (int(ehdr[0]) + 1))))
        # the first tetrahedron's last node -> a node that does not exist, 0, a word
        ti = next(i for i in range(ei + 1, li[b"$EndElements"]) if (v41 and lines[i].split()[2:3] == [b"4"]) or
                  (not v41 and lines[i].split()[1:2] == [b"4"]))
        t = lines[ti + 1] if v41 else lines[ti]
        ti = ti + 1 if v41 else ti
        for v in [b"999999999", b"0", b"x"]:
            out.append(("noderef_" + v.decode(), with_line(ti, b" ".join(t.split()[:-1] + [v]))))
        out.append(("coord_nan", with_line(ni + (3 if v41 else 1), b"1 nan 0 0" if not v41 else b"nan 0 0")))
    return [("msh%s_%s" % (tag, n), d) for n, d in out]


def tri_not_face(data):
    """an MSH 2.2 ASCII file whose first surface triangle takes a corner of a far triangle: a surface
    element that is no face of the tetrahedra (the structure is intact)"""
    lines = data.split(b"\n")
    e0 = lines.index(b"$Elements") + 2
    e1 = lines.index(b"$EndElements")
    tris = [i for i in range(e0, e1) if lines[i].split()[1:2] == [b"2"]]
    first = lines[tris[0]].split()
    far = next(lines[i].split() for i in reversed(tris) if not set(lines[i].split()[-3:]) & set(first[-3:]))
    lines[tris[0]] = b" ".join(first[:-1] + far[-1:])
    return b"\n".join(lines)


def build_entries(variants):
    """every corpus input; variants: the tiny mesh as MSH 4.1/2.2, binary/ASCII (41b, 41a, 22b, 22a)"""
    E = []
    base_msh = variants["41b"]
    base = ["-mesh_file", "base.msh"]
    bfiles = {"base.msh": base_msh}

    # --- numeric keys of the segment mesher (checked before any meshing: fast) ---
    seg_keys = ["segment_L2_body_width", "segment_L2_body_depth", "segment_L2_body_height", "segment_L1_disc_height",
                "segment_L2_nucleus_fraction", "segment_L2_shell_thickness", "segment_L2_endplate_thickness",
                "segment_L2_endplate_concavity", "segment_L2_endplate_concavity_sup",
                "segment_L2_endplate_concavity_inf", "segment_facet_gap_mm", "segment_facet_cartilage_mm", "segment_facet_tip_gap_mm",
                "segment_L2_pedicle_width", "segment_L3_facet_angle_deg", "fracture_wedge", "mesh_size_mm", "mesh_threads",
                "mesh_max_elements", "cement_fill_ratio", "cement_offset_mm", "cement_diffuse_fraction",
                "cement_leak_volume_ml"]
    for k in seg_keys:
        for i, (v, tag) in enumerate(NUMERIC_BAD):
            via = "_cli" if i % 2 == 0 else "_yaml"
            e = Entry("segkey_%s_%s" % (k, tag), ["run", "case.yaml", "-mesh_geometry", "segment"], k,
                      files={"case.yaml": yaml_case("")})
            if via == "_cli":
                e.args += ["-" + k] + ([v] if v else [])
            else:
                e.files = {"case.yaml": yaml_case('%s: "%s"\n' % (k, v))}
            E.append(e)
    for k, v in [("mesh_size_mm", "0.3"), ("mesh_size_mm", "0.1"), ("cement_offset_mm", "1e6"),
                 ("cement_offset_mm", "-1"), ("segment_L2_body_width", "1e300"), ("mesh_threads", "0"),
                 ("mesh_threads", "99999999999"), ("mesh_verbose", "maybe"), ("cement_fused", "2"),
                 ("segment_posterior_elements", "perhaps"), ("segment_treated", ""), ("segment_levels", ""),
                 ("mesh_volume_mesher", ""), ("cement_pattern", ""), ("cement_leak", ""), ("segment_levels", "L9-L1"),
                 ("mesh_order", "3")]:
        E.append(Entry("segval_%s_%s" % (k, v or "empty"), ["run", "case.yaml", "-mesh_geometry", "segment", "-" + k] +
                       ([v] if v else []), k, files={"case.yaml": yaml_case("")}))
    # posterior elements: impossible morphometry (one-line errors before any geometry is built)
    for k, v in [("segment_facet_gap_mm", "3.5"), ("segment_facet_tip_gap_mm", "4"), ("segment_L2_pedicle_width", "14"),
                 ("segment_L1_pedicle_height", "22"),
                 ("segment_L3_transverse_span", "40")]:
        E.append(Entry("segpost_%s_%s" % (k, v), ["run", "case.yaml", "-mesh_geometry", "segment",
                                                  "-segment_posterior_elements", "true", "-" + k, v], k,
                       files={"case.yaml": yaml_case("")}))

    # --- material keys (checked after the mesh is read: use the prepared mesh file) ---
    for mat in ["cancellous", "pmma"]:
        for field in ["E", "nu", "strength", "yield_strain"]:
            k = "material_%s_%s" % (mat, field)
            for i, (v, tag) in enumerate(NUMERIC_BAD[:5]):
                e = Entry("matkey_%s_%s" % (k, tag), ["run", "case.yaml"] + base, k,
                          files=dict(bfiles, **{"case.yaml": yaml_case("")}))
                if i % 2 == 0:
                    e.args += ["-" + k] + ([v] if v else [])
                else:
                    e.files["case.yaml"] = yaml_case('%s: "%s"\n' % (k, v))
                E.append(e)
    for k, v, pat in [("material_cancellous_strength", "0", "material_cancellous_strength"),
                      ("material_cancellous_yield_strain", "2", "material_cancellous_yield_strain"),
                      ("material_pmma_E", "-3000", "material_pmma_E"), ("material_annulus_nu", "0.5", "material_annulus_nu"),
                      ("cement_material", "", "cement_material"), ("bone_density", "", "bone_density"),
                      ("bone_density", "nan", "bone_density"), ("bone_density", "1e9", "bone_density"),
                      ("material_" + "m" * 130 + "_E", "5", "is too long"),
                      ("material_" + "q" * 300 + "_strength", "5", "is too long"),
                      ("material_" + "n" * 63 + "_nu", "0.3", "material_" + "n" * 63)]:
        E.append(Entry("matval_%s_%s" % (k[:40], v or "empty"), ["run", "case.yaml"] + base + ["-" + k] + ([v] if v else []),
                       pat, files=dict(bfiles, **{"case.yaml": yaml_case("")})))

    # --- the osteoligamentous model's keys (fibres, ligaments, facet contact, active set; issue 10) ---
    for k in ["ligament_ALL_E1", "ligament_CL_strain_t", "ligament_SSL_area", "fibre_angle_deg", "fibre_volume_fraction",
              "model_facet_penalty", "model_ligament_radius_mm", "vfe_active_set_rtol", "vfe_active_set_max_it"]:
        for i, (v, tag) in enumerate(NUMERIC_BAD):
            e = Entry("structkey_%s_%s" % (k, tag), ["run", "case.yaml"] + base, k,
                      files=dict(bfiles, **{"case.yaml": yaml_case("")}))
            if i % 2 == 0:
                e.args += ["-" + k] + ([v] if v else [])
            else:
                e.files["case.yaml"] = yaml_case('%s: "%s"\n' % (k, v))
            E.append(e)
    for k, v, pat in [("ligament_ALL_E1", "-7.8", "ligament_ALL_E1"), ("ligament_LF_E2", "0", "ligament_LF_E2"),
                      ("ligament_ITL_strain_t", "1.5", "ligament_ITL_strain_t"), ("ligament_ISL_area", "0", "ligament_ISL_area"),
                      ("ligament_XYZ_E1", "5", "ligament_XYZ_E1"), ("ligament_ALL_E3", "5", "ligament_ALL_E3"),
                      ("fibre_angle_deg", "120", "fibre_angle_deg"), ("fibre_volume_fraction", "1", "fibre_volume_fraction"),
                      ("model_fibres", "perhaps", "model_fibres"), ("model_ligaments", "2", "model_ligaments"),
                      ("model_facet_penalty", "-1", "model_facet_penalty"), ("vfe_active_set_max_it", "0", "vfe_active_set_max_it")]:
        E.append(Entry("structval_%s_%s" % (k, v or "empty"), ["run", "case.yaml"] + base + ["-" + k] + ([v] if v else []),
                       pat, files=dict(bfiles, **{"case.yaml": yaml_case("")})))

    # --- keys the driver and the load model read (pending: driver) ---
    for k in ["load_axial_N", "load_moment_Nm", "fracture_cancellous_factor", "mesh_order"]:
        for v, tag in NUMERIC_BAD[:3]:
            prefix = "driverkey" if k in ("load_axial_N", "mesh_order") else "drivervalue"  # the latter pass today
            E.append(Entry("%s_%s_%s" % (prefix, k, tag), ["run", "case.yaml"] + base + ["-" + k, v], k,
                           files=dict(bfiles, **{"case.yaml": yaml_case("")})))

    # --- unknown keys ---
    for k in ["mesh_sise_mm", "segment_L9_body_width", "segment_L2_body_widht", "cement_colour", "material_steel_E",
              "material_cancellous_G", "bc_fixd", "segment_T11_body_height", "x", "segment_levels_extra"]:
        E.append(Entry("unknown_" + k, ["run", "case.yaml"] + base + ["-" + k, "1"], k,
                       files=dict(bfiles, **{"case.yaml": yaml_case("")})))

    # --- malformed YAML ---
    yamls = {
        "unclosed_brace": b"case_version: 1\nmesh: {geometry: simple, size_mm: 5\n",
        "unclosed_list": b"case_version: 1\nmesh: {geometry: simple}\nsegment: {treated: [L2\n",
        "tab_indent": b"case_version: 1\nmesh:\n\tgeometry: simple\n",
        "bad_indent": b"case_version: 1\nmesh:\n  geometry: simple\n size_mm: 5\n",
        "scalar_top": b"just a string\n",
        "list_top": b"- case_version: 1\n- mesh: simple\n",
        "unclosed_quote": b"case_version: 1\nmesh: {geometry: \"simple}\n",
        "colon_garbage": b"case_version: 1\n: : :\n",
        "binary_garbage": bytes(range(1, 256)) * 4,
        "anchor_missing": b"case_version: 1\nmesh: *nothing\n",
        "directive_only": b"%YAML 9.9\n---\ncase_version: 1\n",
        "two_docs_bad": b"case_version: 1\n---\n{\n",
        "bom_garbage": b"\xef\xbb\xbf\xff\xfe{[\n",
        "flow_in_key": b"case_version: 1\n{a: b}: c\n",
        "mapping_value_error": b"case_version: 1\nmesh: geometry: simple\n",
    }
    for n, y in yamls.items():
        E.append(Entry("yaml_" + n, ["run", "case.yaml"], "case.yaml", files={"case.yaml": y}))
    E.append(Entry("yaml_empty_file", ["run", "case.yaml"], "case.yaml", files={"case.yaml": b""}))
    E.append(Entry("yaml_no_version", ["run", "case.yaml"], "case.yaml",
                   files={"case.yaml": b"mesh: {geometry: simple, size_mm: 5}\n"}))
    E.append(Entry("driverkey_case_version_nan", ["run", "case.yaml"], "case_version",
                   files={"case.yaml": b"case_version: nan\nmesh: {geometry: simple, size_mm: 5}\n"}))
    E.append(Entry("yaml_missing_file", ["run", "nothere.yaml"], "nothere.yaml"))
    E.append(Entry("yaml_directory", ["run", "adir"], "adir", files={"adir/keep": b""}))

    # --- duplicate keys, NUL bytes, deep nesting, '--' (the case is read: its bad load is named) ---
    for i, body in enumerate([b"mesh: {size_mm: 5, size_mm: 6}\n", b"load: {axial_N: 100}\nload: {axial_N: 200}\n",
                              b"case_version: 1\n"]):
        E.append(Entry("dupkey_%d" % i, ["run", "case.yaml"], "case.yaml",
                       files={"case.yaml": b"case_version: 1\nmesh: {geometry: simple, size_mm: 5}\n" + body}))
    for i, body in enumerate([b"case_version: 1\x00\nmesh: {geometry: simple, size_mm: 5}\n",
                              b"case_version: 1\nmesh: {geometry: simple, size_mm: 5}\n\x00load: {axial_N: nan}\n",
                              b"case_version: 1\nmesh: {geometry: sim\x00ple, size_mm: 5}\n"]):
        E.append(Entry("nul_%d" % i, ["run", "case.yaml"], "case.yaml", files={"case.yaml": body}))
    for i, depth in enumerate([40, 4000]):
        E.append(Entry("nest_%d" % depth, ["run", "case.yaml"], "case.yaml",
                       files={"case.yaml": b"case_version: 1\nmesh: {geometry: simple, size_mm: 5}\nx: " +
                              b"[" * depth + b"]" * depth + b"\n"}))
    E.append(Entry("dashdash", ["run", "--", "case.yaml"], "load_axial_N",
                   files={"case.yaml": b"case_version: 1\nmesh: {geometry: simple, size_mm: 5}\nload: {axial_N: nan}\n"}))

    # --- keys that do not apply to the simple geometry; simple mesh sizes ---
    for k, v in [("segment_L2_body_width", "45"), ("cement_fill_ratio", "0.2"), ("cement_offset_mm", "inf"),
                 ("fracture_wedge", "0.2"), ("mesh_volume_mesher", "delaunay")]:
        E.append(Entry("simple_geomkey_" + k, ["run", "case.yaml", "-" + k, v], k, files={"case.yaml": yaml_case("")}))
    for v in ["1e-3", "nan", "inf", ""]:
        E.append(Entry("simple_size_" + (v or "empty"), ["run", "case.yaml", "-mesh_size_mm"] + ([v] if v else []),
                       "mesh_size_mm", files={"case.yaml": yaml_case("")}))
    E.append(Entry("meshfile_empty", ["run", "case.yaml", "-mesh_file", ""], "mesh_file",
                   files={"case.yaml": yaml_case("")}))

    # --- long keys and paths ---
    E.append(Entry("long_unknown_key", ["run", "case.yaml", "-" + "k" * 5000, "1"], "kkkk",
                   files={"case.yaml": yaml_case("")}))
    E.append(Entry("long_mesh_path", ["run", "case.yaml", "-mesh_file", "d/" * 1500 + "m.msh"], "mesh file",
                   files={"case.yaml": yaml_case("")}))
    E.append(Entry("long_mesh_value", ["run", "case.yaml", "-mesh_file", "m" * 5000], "mesh_file",
                   files={"case.yaml": yaml_case("")}))
    E.append(Entry("long_outdir_value", ["run", "case.yaml", "-output_dir", "o" * 6200], "ooo", 3,
                   files={"case.yaml": yaml_case("")}))
    E.append(Entry("long_material_value", ["run", "case.yaml", "-cement_material", "c" * 9000], "cement_material",
                   files={"case.yaml": yaml_case("")}))
    E.append(Entry("long_missing_case", ["run", "c" * 3000 + ".yaml"], "case file"))
    E.append(Entry("long_level_key", ["run", "case.yaml", "-mesh_geometry", "segment",
                                      "-segment_L2_" + "w" * 200, "3"], "segment_L2_www",
                   files={"case.yaml": yaml_case("")}))
    E.append(Entry("long_treated", ["run", "case.yaml", "-mesh_geometry", "segment", "-segment_treated", "L" * 500],
                   "segment_treated", files={"case.yaml": yaml_case("")}))
    E.append(Entry("longcmd", ["run", "case.yaml"] + base + ["-load_axial_N", "100"] * 1200 + ["-load_axial_N", "nan"],
                   "load_axial_N", files=dict(bfiles, **{"case.yaml": yaml_case("")})))

    # --- bad output directories ---
    E.append(Entry("outdir_is_file", ["run", "case.yaml", "-output_dir", "afile"], "afile", 3,
                   files={"case.yaml": yaml_case(""), "afile": b"x"}))
    E.append(Entry("outdir_dev_null", ["run", "case.yaml", "-output_dir", "/dev/null"], "/dev/null", 3,
                   files={"case.yaml": yaml_case("")}))
    E.append(Entry("outdir_under_file", ["run", "case.yaml", "-output_dir", "afile/sub"], "afile", 3,
                   files={"case.yaml": yaml_case(""), "afile": b"x"}))
    E.append(Entry("outdir_long_path", ["run", "case.yaml", "-output_dir", "/".join(["o" * 250] * 17)], "ooo", 3,
                   files={"case.yaml": yaml_case("")}))
    # --- file-naming PETSc options in a case file (B.4): refused naming the key; the command line may ---
    for n, body in [("log_view", "log_view: ':../stolen.txt'"), ("ksp_view", "ksp_view: ':stolen.txt'"),
                    ("ksp_view_nested", "ksp: {view: ':stolen.txt'}"), ("mat_view", "mat_view: ascii:stolen.txt"),
                    ("ksp_monitor", "ksp_monitor: 'ascii:stolen.txt'"), ("dm_view", "dm_view: hdf5:stolen.h5"),
                    ("ksp_converged_reason", "ksp_converged_reason: ':stolen.txt'"),
                    ("log_trace", "log_trace: stolen.txt"), ("options_file", "options_file: /etc/passwd"),
                    ("options_file_yaml", "options_file_yaml: other.yaml"), ("history", "history: stolen.txt"),
                    ("viewer_binary_filename", "viewer_binary_filename: stolen.bin"),
                    ("malloc_dump", "malloc_dump: stolen.txt"), ("objects_dump", "objects_dump: stolen.txt")]:
        key = n.replace("_nested", "")
        E.append(Entry("viewer_" + n, ["run", "case.yaml"], "key '%s'" % key,
                       files={"case.yaml": yaml_case(body + "\n")}))
    # an options file that is not one: named, exit 1, its first line not echoed
    E.append(Entry("viewer_cli_options_file_passwd", ["run", "case.yaml", "-options_file", "/etc/passwd"],
                   "/etc/passwd", files={"case.yaml": yaml_case("")}, forbid="root:"))
    E.append(Entry("viewer_cli_options_file_secret", ["run", "case.yaml", "-options_file", "secret.txt"],
                   "secret.txt", files={"case.yaml": yaml_case(""), "secret.txt": b"s3cr3t-token line\n"},
                   forbid="s3cr3t"))

    # --- CT route (mesh_geometry ct): images, labels, grids, keys ---
    good_mask = nifti1(values=ct_box)
    good_img = nifti1(dtype="f4", values=lambda i, j, k: 200.0)
    for n, args, pat, files in [
            ("ct_mask_text", [], "mask.nii", {"mask.nii": b"not an image\n"}),
            ("ct_mask_missing", ["-ct_mask", "nothere.nii.gz"], "nothere.nii.gz", {}),
            ("ct_mask_empty", [], "mask.nii", {"mask.nii": nifti1()}),
            ("ct_mask_not_labels", [], "mask.nii", {"mask.nii": nifti1(dtype="f4", values=lambda i, j, k: 1.5)}),
            ("ct_mask_4d", [], "mask.nii", {"mask.nii": nifti1(values=ct_box, dim0=4, extra=2)}),
            ("ct_mask_complex", [], "mask.nii", {"mask.nii": nifti1(dtype="c8", values=ct_box)}),
            ("ct_mask_pixdim0", [], "mask.nii", {"mask.nii": nifti1(values=ct_box, pixdim=(1.0, 0.0, 1.0))}),
            ("ct_mask_truncated", [], "mask.nii", {"mask.nii": good_mask[:500]}),
            ("ct_image_nan", ["-ct_image", "image.nii"], "image.nii",
             {"mask.nii": good_mask, "image.nii": nifti1(dtype="f4", values=lambda i, j, k: float("nan") if i == 3 else 1.0)}),
            ("ct_image_inf", ["-ct_image", "image.nii"], "image.nii",
             {"mask.nii": good_mask, "image.nii": nifti1(dtype="f4", values=lambda i, j, k: float("inf") if k == 7 else 1.0)}),
            ("ct_grid_dims", ["-ct_image", "image.nii"], "image.nii",
             {"mask.nii": good_mask, "image.nii": nifti1(shape=(8, 8, 9), dtype="f4", values=lambda i, j, k: 200.0)}),
            ("ct_grid_offset", ["-ct_image", "image.nii"], "image.nii",
             {"mask.nii": good_mask, "image.nii": nifti1(dtype="f4", values=lambda i, j, k: 200.0, offset=(0.5, 0, 0))}),
            ("ct_grid_cement", ["-ct_image", "image.nii", "-ct_cement_image", "post.nii"], "post.nii",
             {"mask.nii": good_mask, "image.nii": good_img, "post.nii": nifti1(dtype="f4", pixdim=(2.0, 1.0, 1.0))}),
            ("ct_label_absent", ["-ct_labels_body", "1,7"], "ct_labels_body", {"mask.nii": good_mask}),
            ("ct_label_posterior_absent", ["-ct_labels_posterior", "4"], "ct_labels_posterior", {"mask.nii": good_mask}),
            ("ct_label_twice", ["-ct_labels_cement", "1"], "label 1", {"mask.nii": good_mask}),
            ("ct_labels_text", ["-ct_labels_body", "a,b"], "ct_labels_body", {"mask.nii": good_mask}),
            ("ct_labels_negative", ["-ct_labels_body", "-1"], "ct_labels_body", {"mask.nii": good_mask}),
            ("ct_no_mask", ["-ct_mask", ""], "ct_mask", {}),
            ("ct_mesher_bad", ["-ct_mesher", "gmsh"], "ct_mesher", {"mask.nii": good_mask}),
            ("ct_level_bad", ["-ct_level", "L9"], "ct_level", {"mask.nii": good_mask}),
            ("ct_cortex_nan", ["-ct_cortex_mm", "nan"], "ct_cortex_mm", {"mask.nii": good_mask}),
            ("ct_plate_huge", ["-ct_plate_mm", "1e9"], "ct_plate_mm", {"mask.nii": good_mask}),
            ("ct_threshold_text", ["-ct_cement_image", "post.nii", "-ct_cement_threshold", "high"],
             "ct_cement_threshold", {"mask.nii": good_mask, "post.nii": good_img}),
            ("ct_threshold_none_above", ["-ct_cement_image", "post.nii", "-ct_cement_threshold", "5000"],
             "ct_cement_threshold", {"mask.nii": good_mask, "post.nii": good_img}),
            ("ct_threshold_no_image", ["-ct_cement_threshold", "otsu"], "ct_cement_threshold", {"mask.nii": good_mask}),
            ("ct_segment_key", ["-segment_levels", "L1-L3"], "segment_levels", {"mask.nii": good_mask}),
            ("ct_size_huge", ["-ct_mesher", "cgal", "-mesh_size_mm", "60"], "mesh_size_mm", {"mask.nii": good_mask}),
            ("ct_size_tiny", ["-ct_mesher", "cgal", "-mesh_size_mm", "0.001"], "mesh_size_mm", {"mask.nii": good_mask}),
    ]:
        E.append(Entry(n, ["run", "case.yaml"] + args, pat, files=dict(files, **{"case.yaml": ct_case()})))
    E.append(Entry("ct_key_on_segment", ["run", "case.yaml", "-mesh_geometry", "segment", "-ct_mask", "m.nii"], "ct_mask",
                   files={"case.yaml": yaml_case("")}))
    E.append(Entry("ct_key_on_simple", ["run", "case.yaml", "-ct_plates", "false"], "ct_plates",
                   files={"case.yaml": yaml_case("")}))

    # --- mesh files ---
    for tag, data in variants.items():
        for n, d in corrupt_variants(tag, data):
            E.append(Entry(n, ["run", "case.yaml", "-mesh_file", "bad.msh"], "bad.msh",
                           files={"case.yaml": yaml_case(""), "bad.msh": d}))
    for n, d in [("empty", b""), ("text", b"hello\n"), ("format_only", b"$MeshFormat\n4.1 0 8\n$EndMeshFormat\n"),
                 ("version3", b"$MeshFormat\n3.0 0 8\n$EndMeshFormat\n"), ("nul", b"\x00" * 4096),
                 ("random", bytes((i * 7919) % 256 for i in range(20000))),
                 ("format_bad_size", b"$MeshFormat\n4.1 1 4\n$EndMeshFormat\n"),
                 ("periodic", variants["41a"] + b"$Periodic\n0\n$EndPeriodic\n"),
                 ("long_physname", variants["41a"].replace(b'"L2.body"', b'"' + b"L" * 200 + b'"')),
                 ("tri_not_face", tri_not_face(variants["22a"])),
                 ("physname_twice", variants["41a"].replace(b'"L2L3.disc"', b'"L1L2.disc"')),
                 ("physname_reserved", variants["41a"].replace(b'"L2.cement"', b'"vfe_region"')),
                 ("physnames_section_twice", variants["41a"] + b"$PhysicalNames\n0\n$EndPhysicalNames\n")]:
        E.append(Entry("mshmisc_" + n, ["run", "case.yaml", "-mesh_file", "bad.msh"], "bad.msh",
                       files={"case.yaml": yaml_case(""), "bad.msh": d}))
    E.append(Entry("mshmisc_directory", ["run", "case.yaml", "-mesh_file", "adir"], "adir",
                   files={"case.yaml": yaml_case(""), "adir/keep": b""}))
    E.append(Entry("mshmisc_missing", ["run", "case.yaml", "-mesh_file", "nope.msh"], "nope.msh",
                   files={"case.yaml": yaml_case("")}))
    return E


def run_entry(vfe, work, e, timeout):
    d = os.path.join(work, e.name)
    os.makedirs(d, exist_ok=True)
    for fn, content in e.files.items():
        p = os.path.join(d, fn)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(content)
    args = list(e.args)
    if not any(a == "-output_dir" for a in args):
        args += ["-output_dir", "out"]
    out = [a for i, a in enumerate(args) if i and args[i - 1] == "-output_dir"][0]
    t0 = time.time()
    try:
        p = subprocess.run([vfe] + args, cwd=d, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=timeout)
        rc, err = p.returncode, p.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        rc, err = None, ""
    lines = [l for l in err.splitlines() if l.startswith("vfe: error")]
    problems = []
    if rc is None:
        problems.append("hang (no exit within %g s)" % timeout)
    elif rc < 0 or rc >= 128:
        problems.append("signal (exit %d)" % (rc if rc >= 0 else 128 - rc))
    elif rc != e.code:
        problems.append("exit %d, want %d" % (rc, e.code))
    if rc is not None and len(lines) != 1:
        problems.append("%d error lines, want 1" % len(lines))
    elif lines and e.pattern not in lines[0]:
        problems.append("error line does not name '%s'" % e.pattern[:60])
    if e.forbid and e.forbid in err:
        problems.append("stderr shows '%s'" % e.forbid)
    stolen = [n for w in (d, work) for n in os.listdir(w) if n.startswith("stolen")]
    if stolen:
        problems.append("wrote %s" % stolen[0])
    if os.path.isdir(os.path.join(d, out)) and os.path.exists(os.path.join(d, out, "summary.json")):
        problems.append("complete-looking output (summary.json)")
    shown = lines[0] if lines else (err.strip().splitlines() or ["<no stderr>"])[-1]
    return e, problems, shown, time.time() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("vfe")
    ap.add_argument("msh_convert")
    ap.add_argument("work")
    ap.add_argument("--jobs", type=int, default=4)
    ap.add_argument("--timeout", type=float, default=30)
    ap.add_argument("--pending-timeout", type=float, default=5)
    ap.add_argument("--only", default="")
    ap.add_argument("--list", action="store_true")
    a = ap.parse_args()
    vfe = os.path.abspath(a.vfe)
    # one-process MPI start-up without network transports (ess_singleton_isolated would save more, but
    # made MPI_Init abort now and then under load)
    for k, v in [("OMPI_MCA_plm", "isolated"), ("OMPI_MCA_btl", "self"), ("OMPI_MCA_pml", "ob1")]:
        os.environ.setdefault(k, v)
    work = os.path.abspath(a.work)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    # the tiny mesh every mesh-file input starts from, in all four encodings
    base = os.path.join(work, "_base")
    subprocess.run([vfe, "mesh", "-mesh_geometry", "simple", "-mesh_size_mm", "8", "-output_dir", base],
                   check=True, stdout=subprocess.DEVNULL, env=dict(os.environ, VFE_CASE=""))
    variants = {"41b": open(os.path.join(base, "mesh.msh"), "rb").read()}
    for tag, ver, binary in [("41a", "4.1", "0"), ("22a", "2.2", "0"), ("22b", "2.2", "1")]:
        p = os.path.join(base, "m%s.msh" % tag)
        subprocess.run([a.msh_convert, os.path.join(base, "mesh.msh"), p, ver, binary], check=True)
        variants[tag] = open(p, "rb").read()
    # control: the same harness on good input must succeed, so a refusal below is about the input
    with open(os.path.join(base, "case.yaml"), "wb") as f:
        f.write(yaml_case(""))
    good = subprocess.run([vfe, "run", "case.yaml", "-mesh_file", "mesh.msh", "-output_dir", "good"], cwd=base,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if good.returncode or not os.path.exists(os.path.join(base, "good", "summary.json")):
        print("FAILED: the control run on good input: exit %d: %s" % (good.returncode, good.stderr.decode()[-300:]))
        return 1
    entries = [e for e in build_entries(variants) if a.only in e.name]
    names = [e.name for e in entries]
    assert len(names) == len(set(names)), "duplicate corpus entry names"
    if a.list:
        for e in entries:
            print(e.name, "(pending)" if pending_reason(e.name) else "")
        return 0
    t0 = time.time()
    npass, fails, pend, flip = 0, [], [], []
    with cf.ThreadPoolExecutor(max_workers=a.jobs) as pool:
        futs = [pool.submit(run_entry, vfe, work, e, a.pending_timeout if pending_reason(e.name) else a.timeout)
                for e in entries]
        for f in cf.as_completed(futs):
            e, problems, line, dt = f.result()
            reason = pending_reason(e.name)
            if reason:
                pend.append(e.name)
                if not problems:
                    flip.append(e.name)
                print("pending: %s [%s]%s" % (e.name, reason, " (now passes)" if not problems else ""))
            elif problems:
                fails.append(e.name)
                print("FAILED: %s: %s; vfe %s -> %s" % (e.name, "; ".join(problems), " ".join(e.args)[:300], line[:300]))
            else:
                npass += 1
                print("ok: %s (%.1f s): %s" % (e.name, dt, line[:160]))
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    print("bad-input corpus: %d inputs in %.0f s (%.0f CPU s in vfe): %d passed, %d failed, %d pending (%d of them "
          "already pass)" % (len(entries), time.time() - t0, ru.ru_utime + ru.ru_stime, npass, len(fails), len(pend),
                             len(flip)))
    if flip:
        print("pending entries that already pass: " + " ".join(sorted(flip)))
    if fails:
        print("failed: " + " ".join(sorted(fails)))
    if not fails:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
