//! The discrete diffusion operator of the monodomain solver: per-node stencil
//! weights (deduplicated into a small table) and the node *segments* the
//! kernels iterate over.
//!
//! A segment is a run of nodes that are consecutive both in node order and in
//! the padded grid, and share one weight row, one cell model and lesion
//! status. On a uniform sheet a 400-node grid row is three segments (edge,
//! interior, edge), so the hot loop reads each weight row once per segment and
//! addresses neighbours by constant offsets, with no per-node index or class
//! lookups; on fibrotic tissue segments are shorter but the kernel is the same.

use std::collections::HashMap;
use std::ops::Range;

use ndarray::Array3;

use super::node::NO_NODE;
use super::substrate::Substrate;

/// Nodes per parallel work item (chunks are cut at segment boundaries).
pub(crate) const CHUNK: usize = 4096;

/// See the module docs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Segment {
    /// Position of the first node in the padded grid.
    pub g0: usize,
    /// Index of the first node.
    pub n0: usize,
    /// Number of nodes.
    pub len: usize,
    /// Row of the weight table.
    pub class: usize,
    /// Cell-model (region) index.
    pub model: usize,
    /// Lesion: decoupled and held at its value.
    pub frozen: bool,
}

/// The assembled operator: stencil offsets, weight table, segments and the
/// fixed partition into parallel chunks.
#[derive(Debug, Clone)]
pub(crate) struct Stencil {
    /// Stencil offsets in grid index space.
    pub offsets: Vec<[isize; 3]>,
    /// The same offsets in the padded, flattened grid.
    pub deltas: Vec<isize>,
    /// Distinct weight rows, `K = offsets.len()` each (1/ms).
    pub wtab: Vec<f64>,
    pub segments: Vec<Segment>,
    /// Segment ranges of the parallel chunks. The partition depends only on
    /// the geometry, never on the thread count, so results (including the
    /// chunked sums of the implicit solver) are bit-identical for any number
    /// of threads.
    pub chunks: Vec<Range<usize>>,
    /// Gershgorin bound on the row sums `max_n Σ_m |w_nm|` (1/ms).
    pub max_row: f64,
}

impl Stencil {
    /// Assemble the operator for the nodes `coords` (grid order) with padded
    /// grid positions `gidx`, regions and lesion flags.
    #[allow(clippy::too_many_arguments)]
    pub fn build(
        sub: &Substrate,
        coords: &[[usize; 3]],
        index: &Array3<u32>,
        gidx: &[u32],
        region: &[u8],
        lesion: &[bool],
        offsets: Vec<[isize; 3]>,
        strides: [isize; 3],
    ) -> Self {
        let (class, wtab, max_row) = build_weights(sub, coords, index, &offsets, lesion);
        let mut segments: Vec<Segment> = Vec::new();
        for n in 0..coords.len() {
            let (g, c, m, f) = (
                gidx[n] as usize,
                class[n] as usize,
                region[n] as usize,
                lesion[n],
            );
            match segments.last_mut() {
                Some(s) if s.g0 + s.len == g && s.class == c && s.model == m && s.frozen == f => {
                    s.len += 1
                }
                _ => segments.push(Segment {
                    g0: g,
                    n0: n,
                    len: 1,
                    class: c,
                    model: m,
                    frozen: f,
                }),
            }
        }
        let mut chunks = Vec::new();
        let (mut start, mut nodes) = (0, 0);
        for (s, seg) in segments.iter().enumerate() {
            nodes += seg.len;
            if nodes >= CHUNK {
                chunks.push(start..s + 1);
                start = s + 1;
                nodes = 0;
            }
        }
        if start < segments.len() {
            chunks.push(start..segments.len());
        }
        let deltas = offsets
            .iter()
            .map(|o| o[0] * strides[0] + o[1] * strides[1] + o[2] * strides[2])
            .collect();
        Self {
            offsets,
            deltas,
            wtab,
            segments,
            chunks,
            max_row,
        }
    }

    /// Number of stencil neighbours.
    pub fn k(&self) -> usize {
        self.offsets.len()
    }

    /// First node and first padded-grid position of each chunk (the first
    /// chunk owns the grid from 0 so that the chunks tile the whole grid).
    pub fn chunk_starts(&self) -> (Vec<usize>, Vec<usize>) {
        let first = |r: &Range<usize>| self.segments[r.start];
        let nodes = self.chunks.iter().map(|r| first(r).n0).collect();
        let mut grid: Vec<usize> = self.chunks.iter().map(|r| first(r).g0).collect();
        if let Some(g) = grid.first_mut() {
            *g = 0;
        }
        (nodes, grid)
    }
}

/// Split `s` at the (increasing, first = 0) `starts` into consecutive pieces.
pub(crate) fn split_at_starts<'a, T>(mut s: &'a mut [T], starts: &[usize]) -> Vec<&'a mut [T]> {
    let mut out = Vec::with_capacity(starts.len());
    for w in starts.windows(2) {
        let (head, tail) = s.split_at_mut(w[1] - w[0]);
        out.push(head);
        s = tail;
    }
    out.push(s);
    out
}

/// Per-node stencil weights (1/ms), deduplicated into a table of distinct
/// rows (a uniform sheet has a handful: interior, edges, corners). Each
/// coupling uses the mean tensor of the two voxels, so the operator is
/// symmetric and conserves charge; couplings to non-tissue or lesion voxels
/// are dropped (no-flux). Returns (class per node, table, max Σ|w|).
fn build_weights(
    sub: &Substrate,
    coords: &[[usize; 3]],
    index: &Array3<u32>,
    offsets: &[[isize; 3]],
    lesion: &[bool],
) -> (Vec<u32>, Vec<f64>, f64) {
    let shape = sub.domain.grid.shape;
    let h = sub.domain.grid.spacing_mm;
    let k = offsets.len();
    let mut table: Vec<f64> = Vec::new();
    let mut seen: HashMap<Vec<u64>, u32> = HashMap::new();
    let mut class = Vec::with_capacity(coords.len());
    let mut max_row = 0.0f64;
    let mut row = vec![0.0; k];
    for (node, &[i, j, kk]) in coords.iter().enumerate() {
        row.iter_mut().for_each(|x| *x = 0.0);
        if !lesion[node] {
            let dn = sub.tensor(i, j, kk);
            for (slot, o) in offsets.iter().enumerate() {
                let p = [i as isize + o[0], j as isize + o[1], kk as isize + o[2]];
                if (0..3).any(|a| p[a] < 0 || p[a] >= shape[a] as isize) {
                    continue;
                }
                let p = [p[0] as usize, p[1] as usize, p[2] as usize];
                let m = index[p];
                if m == NO_NODE || lesion[m as usize] {
                    continue;
                }
                let dm = sub.tensor(p[0], p[1], p[2]);
                let nz: Vec<usize> = (0..3).filter(|&a| o[a] != 0).collect();
                row[slot] = if nz.len() == 1 {
                    let a = nz[0];
                    0.5 * (dn[a][a] + dm[a][a]) / (h[a] * h[a])
                } else {
                    let (a, b) = (nz[0], nz[1]);
                    (o[a] * o[b]) as f64 * 0.5 * (dn[a][b] + dm[a][b]) / (2.0 * h[a] * h[b])
                };
            }
        }
        max_row = max_row.max(row.iter().map(|x| x.abs()).sum());
        let key: Vec<u64> = row.iter().map(|x| x.to_bits()).collect();
        let next = seen.len() as u32;
        let id = *seen.entry(key).or_insert_with(|| {
            table.extend_from_slice(&row);
            next
        });
        class.push(id);
    }
    (class, table, max_row)
}
