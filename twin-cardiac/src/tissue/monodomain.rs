//! Monodomain reaction–diffusion solver on masked 2D/3D voxel grids.
//!
//! `∂V/∂t = ∇·(D ∇V) − I_ion/C_m + I_stim`, with no-flux at the tissue
//! boundary. Space: a conservative finite-difference stencil on tissue voxels
//! only (7-point in 3D / 5-point in 2D for axis-aligned fibres, plus the
//! edge-diagonal points carrying the cross terms `D_ab` when fibres are
//! oblique). Each coupling uses the mean tensor of the two voxels, so the
//! operator is symmetric and conserves charge; couplings to non-tissue voxels
//! are dropped, which is the no-flux condition.
//!
//! Time: first-order operator splitting with both operators evaluated at
//! `Vⁿ` (Godunov splitting in its explicit form): gates by Rush–Larsen (in the
//! cell model), `Vⁿ⁺¹ = Vⁿ + Δt (∇·D∇Vⁿ − I_ion(Vⁿ, yⁿ)/C_m + I_stim)`.
//!
//! Why a specialised loop rather than the generic `twin_core::pde` diffusion:
//! the cell update and the diffusion of one node are fused into a single pass
//! over memory (read `Vⁿ` of the node and its neighbours, update the node's
//! state in place, write `Vⁿ⁺¹` to a second buffer). A separate "diffuse then
//! react" pass would stream the whole field and the cell state through memory
//! twice per step and need a temporary; fused, the hot loop allocates nothing
//! and each node is independent, so the rayon split is bit-for-bit
//! deterministic for any thread count.

use ndarray::Array3;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::substrate::Substrate;
use crate::cell::CellModel;
use crate::error::{CardiacError, Result};

/// Where a stimulus is applied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Site {
    /// Voxels whose centre lies within `radius_mm` of `centre_mm`.
    Disk {
        /// Centre (mm, world coordinates).
        centre_mm: [f64; 3],
        /// Radius (mm).
        radius_mm: f64,
    },
    /// Voxels whose centre lies in the axis-aligned box `[min_mm, max_mm]`.
    Box {
        /// Lower corner (mm).
        min_mm: [f64; 3],
        /// Upper corner (mm).
        max_mm: [f64; 3],
    },
}

/// A stimulus protocol: pulses of one amplitude and duration at given times.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stimulus {
    /// Where.
    pub site: Site,
    /// Pulse onset times (ms).
    pub times_ms: Vec<f64>,
    /// Pulse duration (ms).
    pub duration_ms: f64,
    /// Added dV/dt during a pulse (model units per ms).
    pub amplitude_per_ms: f64,
}

impl Stimulus {
    /// A train of `n` pulses every `cycle_ms` starting at `start_ms` (S1 train
    /// or burst pacing).
    pub fn train(
        site: Site,
        start_ms: f64,
        cycle_ms: f64,
        n: usize,
        pulse: crate::cell::StimulusPulse,
    ) -> Self {
        Self {
            site,
            times_ms: (0..n).map(|k| start_ms + k as f64 * cycle_ms).collect(),
            duration_ms: pulse.duration_ms,
            amplitude_per_ms: pulse.amplitude_per_ms,
        }
    }
}

#[derive(Clone)]
struct ResolvedStimulus {
    nodes: Vec<u32>,
    stim: Stimulus,
    active: bool,
}

/// Monodomain simulation state (cloning copies the full state, e.g. to
/// branch a simulation into treated and control arms).
#[derive(Clone)]
pub struct Monodomain<M: CellModel> {
    models: Vec<M>,
    region: Vec<u8>,
    coords: Vec<[usize; 3]>,
    index: Array3<u32>,
    /// Position of each node in the padded dense grid.
    gidx: Vec<u32>,
    /// Constant offsets of the stencil's neighbours in the padded grid.
    deltas: Vec<isize>,
    /// Stencil offsets in grid index space.
    offsets: Vec<[isize; 3]>,
    /// Weight class per node and the table of distinct weight rows (K each).
    class: Vec<u32>,
    wtab: Vec<f64>,
    /// Membrane variable on the padded dense grid (double-buffered); voxels
    /// outside tissue stay 0 and carry zero weight.
    v: Vec<f64>,
    v_next: Vec<f64>,
    /// Split points of `v_next` matching the node chunks.
    chunk_starts: Vec<usize>,
    state: Vec<M::State>,
    stim_now: Vec<f64>,
    lesion: Vec<bool>,
    last_act: Vec<f64>,
    first_act: Vec<f64>,
    n_act: Vec<u32>,
    stimuli: Vec<ResolvedStimulus>,
    substrate: Substrate,
    threshold: f64,
    t_ms: f64,
    step_no: u64,
    dt_ms: f64,
}

/// Nodes per parallel work item.
const CHUNK: usize = 2048;

/// Per-node stencil weights, deduplicated into a table of distinct rows
/// (a uniform sheet has a handful of rows: interior, edges, corners), so the
/// hot loop streams 4 bytes of class per node instead of K weights. Lesion
/// voxels are treated as non-tissue. Returns (class per node, table, max Σ|w|).
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
    let mut seen: std::collections::HashMap<Vec<u64>, u32> = std::collections::HashMap::new();
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

/// Read-only data of one parallel work item of [`Monodomain::step`].
struct Kernel<'a> {
    v: &'a [f64],
    gidx: &'a [u32],
    deltas: &'a [isize],
    class: &'a [u32],
    wtab: &'a [f64],
    stim: &'a [f64],
    lesion: &'a [bool],
    dt: f64,
    t_next: f64,
    thr: f64,
    base: usize,
    g0: usize,
}

impl Kernel<'_> {
    /// Fused diffusion + reaction update of the nodes `base..base + st.len()`.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn run<'m, M: CellModel + 'm>(
        &self,
        model_of: impl Fn(usize) -> &'m M,
        vn: &mut [f64],
        st: &mut [M::State],
        la: &mut [f64],
        fa: &mut [f64],
        na: &mut [u32],
    ) {
        let k = self.deltas.len();
        let (v, dt, len) = (self.v, self.dt, st.len());
        let r = self.base..self.base + len;
        let nodes = self.gidx[r.clone()]
            .iter()
            .zip(&self.class[r.clone()])
            .zip(&self.stim[r.clone()])
            .zip(&self.lesion[r]);
        for (off, (s, (((&g, &c), &i_s), &lesion))) in st.iter_mut().zip(nodes).enumerate() {
            let g = g as usize;
            let vo = v[g];
            if lesion {
                vn[g - self.g0] = vo;
                continue;
            }
            let c = c as usize * k;
            let mut lap = 0.0;
            for (wk, &d) in self.wtab[c..c + k].iter().zip(self.deltas) {
                lap += wk * (v[g.wrapping_add_signed(d)] - vo);
            }
            let dvdt = model_of(self.base + off).step(vo, s, i_s, dt);
            let nv = vo + dt * (dvdt + i_s + lap);
            if vo < self.thr && nv >= self.thr {
                la[off] = self.t_next;
                if na[off] == 0 {
                    fa[off] = self.t_next;
                }
                na[off] += 1;
            }
            vn[g - self.g0] = nv;
        }
    }
}

/// Marker for "no tissue" in the grid → node index map.
pub const NO_NODE: u32 = u32::MAX;

impl<M: CellModel> Monodomain<M> {
    /// Build the solver. `models[r]` is used where `substrate.region == r`.
    /// Errors on an invalid substrate, missing models, or a time step above
    /// the explicit stability limit of the diffusion operator or the cell model.
    pub fn new(substrate: Substrate, models: Vec<M>, dt_ms: f64) -> Result<Self> {
        substrate.validate()?;
        if models.is_empty() {
            return Err(CardiacError::invalid(
                "models",
                0,
                "at least one cell model",
            ));
        }
        let max_region = substrate
            .region
            .iter()
            .zip(&substrate.domain.mask)
            .filter(|(_, m)| **m)
            .map(|(r, _)| *r)
            .max()
            .unwrap_or(0);
        if max_region as usize >= models.len() {
            return Err(CardiacError::invalid(
                "region",
                max_region,
                format!("< number of models ({})", models.len()),
            ));
        }
        let cell_dt = models
            .iter()
            .map(|m| m.max_dt_ms())
            .fold(f64::INFINITY, f64::min);
        if !(dt_ms.is_finite() && dt_ms > 0.0 && dt_ms <= cell_dt) {
            return Err(CardiacError::invalid(
                "dt_ms",
                dt_ms,
                format!("0 < dt <= {cell_dt} ms (cell model limit)"),
            ));
        }
        let g = substrate.domain.grid;
        let shape = g.shape;
        let mask = &substrate.domain.mask;
        let mut index = Array3::from_elem(shape, NO_NODE);
        let mut coords = Vec::new();
        for ((i, j, kk), &m) in mask.indexed_iter() {
            if m {
                index[[i, j, kk]] = coords.len() as u32;
                coords.push([i, j, kk]);
            }
        }
        let n = coords.len();
        let dims: Vec<usize> = (0..3).filter(|&a| shape[a] > 1).collect();
        // Axis offsets, then edge diagonals if any cross term is non-zero.
        let mut offsets: Vec<[isize; 3]> = Vec::new();
        for &a in &dims {
            for s in [-1, 1] {
                let mut o = [0; 3];
                o[a] = s;
                offsets.push(o);
            }
        }
        let oblique = coords.iter().any(|&[i, j, kk]| {
            let d = substrate.tensor(i, j, kk);
            dims.iter().any(|&a| {
                dims.iter()
                    .any(|&b| a < b && d[a][b].abs() > 1e-14 * (d[a][a] + d[b][b]))
            })
        });
        if oblique {
            for (ia, &a) in dims.iter().enumerate() {
                for &b in &dims[ia + 1..] {
                    for sa in [-1, 1] {
                        for sb in [-1, 1] {
                            let mut o = [0; 3];
                            o[a] = sa;
                            o[b] = sb;
                            offsets.push(o);
                        }
                    }
                }
            }
        }
        let lesion = vec![false; n];
        let (class, wtab, max_row) = build_weights(&substrate, &coords, &index, &offsets, &lesion);
        // Forward Euler on V' = L V is stable if Δt ρ(L) ≤ 2; Gershgorin gives
        // ρ(L) ≤ 2 max_n Σ_m |w_nm|.
        if max_row > 0.0 && dt_ms > 1.0 / max_row {
            return Err(CardiacError::invalid(
                "dt_ms",
                dt_ms,
                format!(
                    "<= {:.4} ms (explicit diffusion stability limit for this grid and conductivity)",
                    1.0 / max_row
                ),
            ));
        }
        let pad = [
            shape[0] + 2,
            shape[1] + 2,
            if shape[2] > 1 { shape[2] + 2 } else { 1 },
        ];
        let kz = usize::from(shape[2] > 1);
        let strides = [(pad[1] * pad[2]) as isize, pad[2] as isize, 1isize];
        let gidx: Vec<u32> = coords
            .iter()
            .map(|c| ((c[0] + 1) * pad[1] * pad[2] + (c[1] + 1) * pad[2] + c[2] + kz) as u32)
            .collect();
        let deltas = offsets
            .iter()
            .map(|o| o[0] * strides[0] + o[1] * strides[1] + o[2] * strides[2])
            .collect();
        let chunk_starts = (0..n)
            .step_by(CHUNK)
            .skip(1)
            .map(|c| gidx[c] as usize)
            .collect();
        let region: Vec<u8> = coords
            .iter()
            .map(|&[i, j, kk]| substrate.region[[i, j, kk]])
            .collect();
        let mut state = Vec::with_capacity(n);
        let mut v = vec![0.0; pad[0] * pad[1] * pad[2]];
        for (node, &r) in region.iter().enumerate() {
            let (v0, s0) = models[r as usize].resting();
            v[gidx[node] as usize] = v0;
            state.push(s0);
        }
        let threshold = models[0].activation_threshold();
        Ok(Self {
            v_next: v.clone(),
            v,
            state,
            stim_now: vec![0.0; n],
            lesion,
            last_act: vec![f64::NAN; n],
            first_act: vec![f64::NAN; n],
            n_act: vec![0; n],
            stimuli: Vec::new(),
            models,
            region,
            coords,
            index,
            gidx,
            deltas,
            offsets,
            class,
            wtab,
            chunk_starts,
            substrate,
            threshold,
            t_ms: 0.0,
            step_no: 0,
            dt_ms,
        })
    }

    /// Nodes (tissue voxels) whose centre lies in `site`.
    pub fn nodes_in(&self, site: &Site) -> Vec<u32> {
        let g = &self.substrate.domain.grid;
        self.coords
            .iter()
            .enumerate()
            .filter(|(_, c)| {
                let p = g.centre_mm(c[0], c[1], c[2]);
                match site {
                    Site::Disk {
                        centre_mm,
                        radius_mm,
                    } => {
                        (0..3).map(|a| (p[a] - centre_mm[a]).powi(2)).sum::<f64>()
                            <= radius_mm * radius_mm
                    }
                    Site::Box { min_mm, max_mm } => {
                        (0..3).all(|a| p[a] >= min_mm[a] - 1e-9 && p[a] <= max_mm[a] + 1e-9)
                    }
                }
            })
            .map(|(n, _)| n as u32)
            .collect()
    }

    /// Add a stimulus protocol. Errors if the site contains no tissue or the
    /// timing is invalid.
    pub fn add_stimulus(&mut self, stim: Stimulus) -> Result<()> {
        let nodes = self.nodes_in(&stim.site);
        if nodes.is_empty() {
            return Err(CardiacError::invalid(
                "stimulus.site",
                format!("{:?}", stim.site),
                "a region overlapping the tissue",
            ));
        }
        if !(stim.duration_ms.is_finite() && stim.duration_ms > 0.0) {
            return Err(CardiacError::invalid(
                "stimulus.duration_ms",
                stim.duration_ms,
                "> 0 ms",
            ));
        }
        if !stim.amplitude_per_ms.is_finite() {
            return Err(CardiacError::invalid(
                "stimulus.amplitude_per_ms",
                stim.amplitude_per_ms,
                "finite",
            ));
        }
        if let Some(t) = stim.times_ms.iter().find(|t| !t.is_finite()) {
            return Err(CardiacError::invalid(
                "stimulus.times_ms",
                t,
                "finite times",
            ));
        }
        self.stimuli.push(ResolvedStimulus {
            nodes,
            stim,
            active: false,
        });
        Ok(())
    }

    /// Remove all stimulus protocols.
    pub fn clear_stimuli(&mut self) {
        self.stimuli.clear();
        self.stim_now.iter_mut().for_each(|s| *s = 0.0);
    }

    fn update_stimuli(&mut self) {
        let t = self.t_ms + 1e-9;
        let mut changed = false;
        for s in &mut self.stimuli {
            let on = s
                .stim
                .times_ms
                .iter()
                .any(|&ts| t >= ts && t < ts + s.stim.duration_ms);
            changed |= on != s.active;
            s.active = on;
        }
        if changed {
            for s in &self.stimuli {
                for &n in &s.nodes {
                    self.stim_now[n as usize] = 0.0;
                }
            }
            for s in self.stimuli.iter().filter(|s| s.active) {
                for &n in &s.nodes {
                    self.stim_now[n as usize] += s.stim.amplitude_per_ms;
                }
            }
        }
    }

    /// Advance one time step.
    pub fn step(&mut self) {
        self.update_stimuli();
        let (dt, t_next, thr) = (self.dt_ms, self.t_ms + self.dt_ms, self.threshold);
        let (v, gidx, deltas, class, wtab, region, models, stim, lesion) = (
            &self.v,
            &self.gidx,
            &self.deltas,
            &self.class,
            &self.wtab,
            &self.region,
            &self.models,
            &self.stim_now,
            &self.lesion,
        );
        // Split the output grid at the chunk boundaries (nodes are in grid
        // order, so each chunk writes a disjoint, contiguous grid range).
        let mut out: Vec<(usize, &mut [f64])> = Vec::with_capacity(self.chunk_starts.len() + 1);
        let mut rest: &mut [f64] = &mut self.v_next;
        let mut start = 0usize;
        for &b in &self.chunk_starts {
            let (head, tail) = rest.split_at_mut(b - start);
            out.push((start, head));
            rest = tail;
            start = b;
        }
        out.push((start, rest));
        out.into_par_iter()
            .zip(self.state.par_chunks_mut(CHUNK))
            .zip(self.last_act.par_chunks_mut(CHUNK))
            .zip(self.first_act.par_chunks_mut(CHUNK))
            .zip(self.n_act.par_chunks_mut(CHUNK))
            .enumerate()
            .for_each(|(c, (((((g0, vn), st), la), fa), na))| {
                let ctx = Kernel {
                    v,
                    gidx,
                    deltas,
                    class,
                    wtab,
                    stim,
                    lesion,
                    dt,
                    t_next,
                    thr,
                    base: c * CHUNK,
                    g0,
                };
                // One model: a loop-invariant reference lets the compiler hoist
                // the model's constant arithmetic out of the node loop.
                if models.len() == 1 {
                    ctx.run(|_| &models[0], vn, st, la, fa, na);
                } else {
                    ctx.run(|n| &models[region[n] as usize], vn, st, la, fa, na);
                }
            });
        std::mem::swap(&mut self.v, &mut self.v_next);
        self.step_no += 1;
        self.t_ms = self.step_no as f64 * dt;
    }

    /// Advance by `duration_ms` (rounded to whole steps).
    pub fn run(&mut self, duration_ms: f64) {
        let n = (duration_ms / self.dt_ms).round() as u64;
        for _ in 0..n {
            self.step();
        }
    }

    /// Advance by `duration_ms`, calling `observe(self)` every `every_ms`
    /// (and once at the start). Returns an error if V became non-finite.
    pub fn run_observed(
        &mut self,
        duration_ms: f64,
        every_ms: f64,
        mut observe: impl FnMut(&Self),
    ) -> Result<()> {
        let every = ((every_ms / self.dt_ms).round() as u64).max(1);
        let n = (duration_ms / self.dt_ms).round() as u64;
        observe(self);
        for s in 1..=n {
            self.step();
            if s % every == 0 {
                if self.gidx.iter().any(|&g| !self.v[g as usize].is_finite()) {
                    return Err(CardiacError::invalid(
                        "membrane potential",
                        "non-finite",
                        "finite (reduce dt_ms)",
                    ));
                }
                observe(self);
            }
        }
        Ok(())
    }

    /// Make the voxels in `lesion_mask` non-conducting scar from now on: they
    /// are decoupled from their neighbours and held at rest.
    pub fn ablate(&mut self, lesion_mask: &Array3<bool>) -> Result<()> {
        self.substrate
            .domain
            .grid
            .check_shape("lesion_mask", lesion_mask)
            .map_err(super::substrate::core_err)?;
        for (n, c) in self.coords.iter().enumerate() {
            if lesion_mask[*c] {
                self.lesion[n] = true;
            }
        }
        let (class, wtab, _) = build_weights(
            &self.substrate,
            &self.coords,
            &self.index,
            &self.offsets,
            &self.lesion,
        );
        self.class = class;
        self.wtab = wtab;
        for n in 0..self.coords.len() {
            if self.lesion[n] {
                let (v0, s0) = self.models[self.region[n] as usize].resting();
                let g = self.gidx[n] as usize;
                self.v[g] = v0;
                self.v_next[g] = v0;
                self.state[n] = s0;
            }
        }
        Ok(())
    }

    /// Current time (ms).
    pub fn t_ms(&self) -> f64 {
        self.t_ms
    }
    /// Time step (ms).
    pub fn dt_ms(&self) -> f64 {
        self.dt_ms
    }
    /// Number of tissue nodes.
    pub fn n_nodes(&self) -> usize {
        self.coords.len()
    }
    /// Grid index of each node.
    pub fn coords(&self) -> &[[usize; 3]] {
        &self.coords
    }
    /// Grid → node map ([`NO_NODE`] outside tissue).
    pub fn index(&self) -> &Array3<u32> {
        &self.index
    }
    /// The substrate.
    pub fn substrate(&self) -> &Substrate {
        &self.substrate
    }
    /// Membrane variable per node (model units).
    pub fn v(&self) -> Vec<f64> {
        self.gidx.iter().map(|&g| self.v[g as usize]).collect()
    }
    /// Membrane variable of one node (model units).
    pub fn v_at(&self, node: usize) -> f64 {
        self.v[self.gidx[node] as usize]
    }
    /// Membrane potential per node in mV.
    pub fn v_mv(&self) -> Vec<f64> {
        self.gidx
            .iter()
            .zip(&self.region)
            .map(|(&g, &r)| self.models[r as usize].v_to_mv(self.v[g as usize]))
            .collect()
    }
    /// True where a node is ablated.
    pub fn lesion(&self) -> &[bool] {
        &self.lesion
    }
    /// Time (ms) of the most recent upward threshold crossing per node (NaN if never).
    pub fn last_activation_ms(&self) -> &[f64] {
        &self.last_act
    }
    /// Time (ms) of the first upward threshold crossing per node (NaN if never).
    pub fn first_activation_ms(&self) -> &[f64] {
        &self.first_act
    }
    /// Number of activations per node so far.
    pub fn activation_count(&self) -> &[u32] {
        &self.n_act
    }
    /// Reset the activation records (e.g. after pacing, before observing AF).
    pub fn reset_activation_records(&mut self) {
        self.last_act.iter_mut().for_each(|x| *x = f64::NAN);
        self.first_act.iter_mut().for_each(|x| *x = f64::NAN);
        self.n_act.iter_mut().for_each(|x| *x = 0);
    }
    /// Resting membrane variable and state of region 0's model.
    pub fn substrate_model_rest(&self) -> (f64, M::State) {
        self.models[0].resting()
    }
    /// Activation-detection threshold (model units).
    pub fn activation_threshold(&self) -> f64 {
        self.threshold
    }
    /// Set the activation-detection threshold (model units).
    pub fn set_activation_threshold(&mut self, threshold: f64) {
        self.threshold = threshold;
    }
    /// Node values scattered onto the grid (NaN outside tissue).
    pub fn to_grid(&self, values: &[f64]) -> Array3<f64> {
        let mut out = Array3::from_elem(self.substrate.domain.grid.shape, f64::NAN);
        for (c, &x) in self.coords.iter().zip(values) {
            out[*c] = x;
        }
        out
    }
    /// Fraction of non-lesion tissue nodes currently above the activation threshold.
    pub fn excited_fraction(&self) -> f64 {
        let (mut e, mut tot) = (0usize, 0usize);
        for (&g, &l) in self.gidx.iter().zip(&self.lesion) {
            let v = self.v[g as usize];
            if !l {
                tot += 1;
                e += (v >= self.threshold) as usize;
            }
        }
        e as f64 / tot.max(1) as f64
    }
}
