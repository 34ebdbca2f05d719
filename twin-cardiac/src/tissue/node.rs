//! Grid → node numbering and face-neighbour stepping, shared by the
//! monodomain solver, its stencil and the atrial-body analysis (a leaf
//! module, so none of them depends on another for it).

use ndarray::Array3;

/// Marker for "no tissue" in the grid → node index map.
pub const NO_NODE: u32 = u32::MAX;

/// Number the tissue voxels of `mask` in row-major order: the grid → node
/// index map ([`NO_NODE`] off tissue) and each node's voxel.
pub(crate) fn number_nodes(mask: &Array3<bool>) -> (Array3<u32>, Vec<[usize; 3]>) {
    let mut index = Array3::from_elem(mask.raw_dim(), NO_NODE);
    let mut coords = Vec::new();
    for ((i, j, k), &m) in mask.indexed_iter() {
        if m {
            index[[i, j, k]] = coords.len() as u32;
            coords.push([i, j, k]);
        }
    }
    (index, coords)
}

/// The face neighbour of voxel `c` one step (`step` = ±1) along `axis`, or
/// `None` if it lies outside a grid of `shape`.
pub(crate) fn face_neighbour(
    c: [usize; 3],
    axis: usize,
    step: isize,
    shape: [usize; 3],
) -> Option<[usize; 3]> {
    let mut q = c;
    q[axis] = c[axis].checked_add_signed(step)?;
    (q[axis] < shape[axis]).then_some(q)
}

/// The six face steps (axis, ±1) of a voxel.
pub(crate) const FACE_STEPS: [(usize, isize); 6] =
    [(0, -1), (0, 1), (1, -1), (1, 1), (2, -1), (2, 1)];
