"""Check a VTKHDF file with ParaView's own reader (run with pvpython, works headless).

usage: pvpython tests/pv_check.py FILE.hdf [--point ARRAY[:NCOMP] ...] [--cell ARRAY[:NCOMP] ...]
                                  [--expect-cells N] [--expect-points N] [--range ARRAY MIN MAX ...]

Opens FILE with paraview.simple.OpenDataFile, checks that ParaView picked its VTKHDF reader
(proxy HDFReader wrapping vtkHDFReader), merges all pieces (one per MPI rank of the writer) into
one unstructured grid without merging coincident points, then checks that each named point/cell
array exists with NCOMP components (default 1), the cell and point counts, and that every value of
each --range array (all components) is finite and lies in [MIN, MAX]. Each check is printed as
PASS/FAIL; the exit status is 1 if any check failed (or the file cannot be read), 0 otherwise.

ParaView 5.11 only offers the VTKHDF reader for the ".hdf" extension, and only when the
/VTKHDF "Type" attribute is a fixed-length string of exactly len("UnstructuredGrid") bytes;
otherwise OpenDataFile fails with "No reader found".
"""
import argparse
import math
import sys


def array_spec(text):
    name, _, ncomp = text.partition(":")
    if not name:
        raise argparse.ArgumentTypeError("empty array name in %r" % text)
    try:
        n = int(ncomp) if ncomp else 1
    except ValueError:
        raise argparse.ArgumentTypeError("bad component count in %r" % text)
    if n < 1:
        raise argparse.ArgumentTypeError("bad component count in %r" % text)
    return name, n


def numpy_isfinite_all(values):
    import numpy
    return numpy.isfinite(values).all()


def check_data(args, reader, check):
    """All checks on an opened reader; returns the MergeBlocks proxy (to delete) or None."""
    from paraview import servermanager
    from paraview.simple import MergeBlocks

    xml = reader.GetXMLName()
    vtk_reader = reader.GetClientSideObject()
    if vtk_reader is not None and hasattr(vtk_reader, "GetReader"):  # vtkFileSeriesReader wrapper
        vtk_reader = vtk_reader.GetReader()
    cls = vtk_reader.GetClassName() if vtk_reader is not None else "?"
    check(xml == "HDFReader" and cls == "vtkHDFReader", "reader is the VTKHDF reader (proxy %s, class %s)" % (xml, cls))

    merged = MergeBlocks(Input=reader)
    if "MergePoints" in merged.ListProperties():
        merged.MergePoints = 0  # keep the points of every piece
    data = servermanager.Fetch(merged)
    if not check(data is not None and data.IsA("vtkUnstructuredGrid"),
                 "merged output is an unstructured grid (%s)" % (data.GetClassName() if data else None)):
        return merged
    ncells, npoints = data.GetNumberOfCells(), data.GetNumberOfPoints()
    print("info: %d points, %d cells, point arrays %s, cell arrays %s" % (
        npoints, ncells,
        [data.GetPointData().GetArrayName(i) for i in range(data.GetPointData().GetNumberOfArrays())],
        [data.GetCellData().GetArrayName(i) for i in range(data.GetCellData().GetNumberOfArrays())]))
    if args.expect_cells is not None:
        check(ncells == args.expect_cells, "cell count %d == %d" % (ncells, args.expect_cells))
    if args.expect_points is not None:
        check(npoints == args.expect_points, "point count %d == %d" % (npoints, args.expect_points))

    def lookup(name):
        for attrs in (data.GetPointData(), data.GetCellData()):
            arr = attrs.GetArray(name)
            if arr is not None:
                return arr
        return None

    for kind, attrs, n, specs in (("point", data.GetPointData(), npoints, args.point),
                                  ("cell", data.GetCellData(), ncells, args.cell)):
        for name, ncomp in specs:
            arr = attrs.GetArray(name)
            if check(arr is not None, "%s array %s exists" % (kind, name)):
                check(arr.GetNumberOfComponents() == ncomp,
                      "%s array %s has %d components (expected %d)" % (kind, name, arr.GetNumberOfComponents(), ncomp))
                check(arr.GetNumberOfTuples() == n,
                      "%s array %s has %d tuples (expected %d)" % (kind, name, arr.GetNumberOfTuples(), n))

    for name, lo, hi in args.range:
        lo, hi = float(lo), float(hi)
        arr = lookup(name)
        if not check(arr is not None, "range array %s exists" % name):
            continue
        try:
            from vtkmodules.util.numpy_support import vtk_to_numpy
            values = vtk_to_numpy(arr).ravel()
            finite = values.size > 0 and bool(numpy_isfinite_all(values))
            vmin, vmax = (float(values.min()), float(values.max())) if finite else (None, None)
        except ImportError:  # no numpy: slow path
            values = [arr.GetComponent(t, c) for t in range(arr.GetNumberOfTuples())
                      for c in range(arr.GetNumberOfComponents())]
            finite = len(values) > 0 and all(math.isfinite(v) for v in values)
            vmin, vmax = (min(values), max(values)) if finite else (None, None)
        if not check(finite, "%s is non-empty and finite" % name):
            continue
        check(lo <= vmin and vmax <= hi, "%s range [%g, %g] within [%g, %g]" % (name, vmin, vmax, lo, hi))

    return merged


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("file")
    p.add_argument("--point", action="append", default=[], type=array_spec, metavar="ARRAY[:NCOMP]")
    p.add_argument("--cell", action="append", default=[], type=array_spec, metavar="ARRAY[:NCOMP]")
    p.add_argument("--expect-cells", type=int)
    p.add_argument("--expect-points", type=int)
    p.add_argument("--range", action="append", default=[], nargs=3, metavar=("ARRAY", "MIN", "MAX"))
    # the same as one token, for negative bounds (pvpython itself takes '-20' for one of its options)
    p.add_argument("--within", action="append", default=[], metavar="ARRAY:MIN:MAX")
    args = p.parse_args(argv)
    args.range += [w.rsplit(":", 2) for w in args.within]

    failures = []

    def check(ok, what):
        print("%s: %s" % ("PASS" if ok else "FAIL", what))
        if not ok:
            failures.append(what)
        return ok

    from paraview.simple import Delete, OpenDataFile

    if not args.file.endswith(".hdf"):
        print("note: ParaView 5.11 recognizes VTKHDF files only by the .hdf extension")
    try:
        reader = OpenDataFile(args.file)
    except RuntimeError as e:
        reader = None
        print("OpenDataFile: %s" % e)
    if not check(reader is not None, "ParaView opens %s" % args.file):
        return 1
    merged = None
    try:
        merged = check_data(args, reader, check)
    finally:
        # Delete the proxies explicitly: if the vtkHDFReader is only destroyed at interpreter exit, after HDF5 has
        # shut down, ParaView 5.11 prints spurious HDF5-DIAG "H5Gclose(): not a group" errors.
        if merged is not None:
            Delete(merged)
        Delete(reader)
    print("pv_check: %s (%d failed)" % ("FAILED" if failures else "OK", len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
