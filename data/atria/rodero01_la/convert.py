"""Convert the left-atrial wall of Rodero et al. 2021 case 01 (as shipped, 2.0 mm, in the
PyPI wheel ansys-health-heart 0.16.2: ansys/health/heart/data_examples/
rodero_01_fullheart_2.0mm.vtu) to openCARP text files (la.pts in µm, la.elem with
tag 1; the mesh's LA "fiber" field is one constant vector, so no .lon is written and
the tissue is isotropic). Needs the `vtk` Python package.
Usage: python convert.py FULLHEART_2.0mm.vtu OUT_BASE"""
import sys

import vtk
from vtk.util.numpy_support import vtk_to_numpy

reader = vtk.vtkXMLUnstructuredGridReader()
reader.SetFileName(sys.argv[1])
reader.Update()
mesh = reader.GetOutput()
volume_id = vtk_to_numpy(mesh.GetCellData().GetArray("_volume-id"))
points = vtk_to_numpy(mesh.GetPoints().GetData())
tets = [
    i
    for i in range(mesh.GetNumberOfCells())
    if mesh.GetCellType(i) == vtk.VTK_TETRA and volume_id[i] == 3  # 3 = left atrium
]
used = sorted({mesh.GetCell(i).GetPointId(k) for i in tets for k in range(4)})
new_index = {old: new for new, old in enumerate(used)}
base = sys.argv[2]
with open(base + ".pts", "w") as f:
    f.write(f"{len(used)}\n")
    for old in used:
        x, y, z = 1000.0 * points[old]
        f.write(f"{x:.1f} {y:.1f} {z:.1f}\n")
with open(base + ".elem", "w") as f:
    f.write(f"{len(tets)}\n")
    for i in tets:
        ids = [new_index[mesh.GetCell(i).GetPointId(k)] for k in range(4)]
        f.write(f"Tt {ids[0]} {ids[1]} {ids[2]} {ids[3]} 1\n")
