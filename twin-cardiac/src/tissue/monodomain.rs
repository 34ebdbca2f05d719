//! Monodomain reaction–diffusion solver on masked 2D/3D voxel grids.
//!
//! `∂V/∂t = ∇·(D ∇V) − I_ion/C_m + I_stim`, with no-flux at the tissue
//! boundary. Space: a conservative finite-difference stencil on tissue voxels
//! only (7-point in 3D / 5-point in 2D for axis-aligned fibres, plus the
//! edge-diagonal points carrying the cross terms `D_ab` when fibres are
//! oblique). Each coupling uses the mean tensor of the two voxels, so the
//! operator is symmetric and conserves charge; couplings to non-tissue voxels
//! are dropped, which is the no-flux condition. A diagonal coupling needs both
//! face neighbours bridging it (a complete 2 × 2 quad): a lone cross-term
//! weight can be negative, i.e. anti-diffusive, and it made a voxel touching
//! the tissue only at its corners diverge. With the rule no positive
//! eigenvalue of the operator was found on ragged 2D and 3D masks (see
//! `stencil.rs`).
//!
//! Time: first-order operator splitting with both operators evaluated at
//! `Vⁿ` (Godunov splitting in its explicit form): gates by Rush–Larsen (in the
//! cell model), `Vⁿ⁺¹ = Vⁿ + Δt (∇·D∇Vⁿ − I_ion(Vⁿ, yⁿ)/C_m + I_stim)`.
//! [`DiffusionScheme::SemiImplicit`] instead follows the cell update with a
//! θ-scheme diffusion solve (backward Euler or Crank–Nicolson, CG), which is
//! stable above the explicit limit.
//!
//! Why a specialised loop rather than the generic `twin_core::pde` diffusion:
//! the cell update and the diffusion of one node are fused into a single pass
//! over memory (read `Vⁿ` of the node and its neighbours, update the node's
//! state in place, write `Vⁿ⁺¹` to a second buffer), so the hot loop streams
//! the field once per step and allocates nothing. Nodes are processed in
//! *segments* (see `stencil.rs`): runs of grid-consecutive nodes sharing
//! one weight row and cell model, over which the stencil is a fixed set of
//! shifted slices and the update vectorises across nodes. Each node's update
//! depends only on `Vⁿ`, and the parallel chunks are fixed by the geometry,
//! so results are bit-for-bit identical for any thread count.
//!
//! Activations: an upward crossing of the activation threshold counts only if
//! the node has repolarised below a re-arm level since its last counted
//! activation (halfway from the resting value to the threshold). Without this
//! hysteresis an action potential whose notch and dome straddle the threshold
//! counted as two activations (a paced Courtemanche cell's notch dipped to
//! −20.3 mV and its dome crossed −20 mV again ~30 ms after the upstroke), and
//! the pacing protocol of the inducibility test read the second as re-entry.
//!
//! Cost (Mitchell–Schaeffer, 9-point anisotropic stencil, 2-core AMD EPYC
//! VM): about 4–7 ns per node and step, i.e. 1 s of activity on a 400 × 400
//! sheet at dt 0.1 ms in about 7 s (bench `tissue`).

use ndarray::Array3;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::implicit::{CgWork, Operator, SolveStats, solve_theta};
pub use super::node::NO_NODE;
use super::node::number_nodes;
use super::stencil::{Stencil, split_at_starts, stencil_offsets};
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

/// How the diffusion term is integrated in time.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub enum DiffusionScheme {
    /// Forward Euler fused with the cell update; `dt` must respect the
    /// explicit stability limit `1 / max_n Σ_m |w_nm|` (≈ dx²/(4D) in 2D).
    #[default]
    Explicit,
    /// Godunov splitting: the cell update, then the θ-scheme
    /// `(I − θΔt L) Vⁿ⁺¹ = (I + (1−θ)Δt L) V*` solved by preconditioned CG.
    /// Unconditionally stable for θ ≥ ½, so `dt` is limited only by the cell
    /// model.
    SemiImplicit {
        /// 1 = backward Euler (first order, strongly damping), 0.5 =
        /// Crank–Nicolson (second order); allowed 0.5 ≤ θ ≤ 1.
        theta: f64,
        /// CG stops when the residual 2-norm has fallen by this factor
        /// (0 < rel_tol < 1).
        rel_tol: f64,
        /// CG iteration cap per step (≥ 1).
        max_iter: usize,
    },
}

impl DiffusionScheme {
    /// Crank–Nicolson with CG tolerance 1e-8 and at most 500 iterations.
    pub fn crank_nicolson() -> Self {
        Self::SemiImplicit {
            theta: 0.5,
            rel_tol: 1e-8,
            max_iter: 500,
        }
    }

    /// Backward Euler with CG tolerance 1e-8 and at most 500 iterations.
    pub fn backward_euler() -> Self {
        Self::SemiImplicit {
            theta: 1.0,
            rel_tol: 1e-8,
            max_iter: 500,
        }
    }

    fn validate(&self) -> Result<()> {
        if let Self::SemiImplicit {
            theta,
            rel_tol,
            max_iter,
        } = *self
        {
            if !(0.5..=1.0).contains(&theta) {
                return Err(CardiacError::invalid(
                    "scheme.theta",
                    theta,
                    "0.5 <= theta <= 1 (unconditionally stable)",
                ));
            }
            if !(rel_tol > 0.0 && rel_tol < 1.0) {
                return Err(CardiacError::invalid(
                    "scheme.rel_tol",
                    rel_tol,
                    "0 < rel_tol < 1",
                ));
            }
            if max_iter == 0 {
                return Err(CardiacError::invalid("scheme.max_iter", max_iter, ">= 1"));
            }
        }
        Ok(())
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
    /// Strides of the padded grid.
    strides: [isize; 3],
    /// The diffusion operator and its segment/chunk layout.
    stencil: Stencil,
    /// First node and first padded-grid position of each parallel chunk.
    chunk_nodes: Vec<usize>,
    chunk_grid: Vec<usize>,
    /// Membrane variable on the padded dense grid (double-buffered); voxels
    /// outside tissue stay 0 and carry zero weight.
    v: Vec<f64>,
    v_next: Vec<f64>,
    state: Vec<M::State>,
    stim_now: Vec<f64>,
    lesion: Vec<bool>,
    last_act: Vec<f64>,
    first_act: Vec<f64>,
    n_act: Vec<u32>,
    /// True where a node has been below `rearm` since its last counted activation.
    armed: Vec<bool>,
    stimuli: Vec<ResolvedStimulus>,
    substrate: Substrate,
    threshold: f64,
    /// Re-arm level of the activation records: halfway from rest to `threshold`.
    rearm: f64,
    t_ms: f64,
    step_no: u64,
    dt_ms: f64,
    scheme: DiffusionScheme,
    /// CG work vectors (semi-implicit scheme only).
    cg: Option<CgWork>,
    last_solve: SolveStats,
}

/// Per-step constants of the fused kernel.
#[derive(Clone, Copy)]
struct StepConsts {
    dt: f64,
    t_next: f64,
    thr: f64,
    rearm: f64,
}

/// Activation records of a node range.
struct Records<'a> {
    last: &'a mut [f64],
    first: &'a mut [f64],
    count: &'a mut [u32],
    armed: &'a mut [bool],
}

/// Fused diffusion + reaction update of one segment (nodes sharing a weight
/// row `w` and a cell model, consecutive in the grid from `g0`). `K` is a
/// compile-time constant so the stencil loop unrolls; the neighbours are
/// addressed as `K` shifted slices of the grid, so there are no per-node
/// index lookups. Not inlined: `model` is then a `noalias` argument and the
/// model's constant arithmetic (reciprocal time constants) is hoisted out of
/// the node loop.
#[inline(never)]
#[allow(clippy::too_many_arguments)]
fn fused_segment<M: CellModel, const K: usize>(
    model: &M,
    w: &[f64; K],
    deltas: &[isize; K],
    v: &[f64],
    g0: usize,
    vn: &mut [f64],
    st: &mut [M::State],
    stim: &[f64],
    rec: Records<'_>,
    c: StepConsts,
) {
    let len = vn.len();
    let centre = &v[g0..g0 + len];
    let nb: [&[f64]; K] = std::array::from_fn(|k| {
        let s = g0.wrapping_add_signed(deltas[k]);
        &v[s..s + len]
    });
    let (st, stim) = (&mut st[..len], &stim[..len]);
    let armed = &mut rec.armed[..len];
    // The arithmetic pass has no conditional stores, so the compiler
    // vectorises it across nodes; the rare threshold crossings (only at a
    // wavefront) are recorded in a second pass over the segment.
    let mut crossed = false;
    for i in 0..len {
        let vo = centre[i];
        armed[i] |= vo < c.rearm;
        let mut lap = 0.0;
        for k in 0..K {
            lap += w[k] * (nb[k][i] - vo);
        }
        let i_s = stim[i];
        let nv = model.advance_node(vo, &mut st[i], i_s, lap, c.dt);
        crossed |= (vo < c.thr) & (nv >= c.thr);
        vn[i] = nv;
    }
    if crossed {
        record_crossings(centre, vn, rec, c);
    }
}

/// The re-arm level of the activation records, halfway from `rest` to `threshold`.
fn rearm_level(rest: f64, threshold: f64) -> f64 {
    0.5 * (rest + threshold)
}

/// Record the activations `centre[i] → vn[i]` of a node range: upward
/// threshold crossings of armed nodes (re-armed here too, which the fused pass
/// has already done, so the semi-implicit path needs no other pass).
fn record_crossings(centre: &[f64], vn: &[f64], rec: Records<'_>, c: StepConsts) {
    let it = centre
        .iter()
        .zip(vn)
        .zip(rec.last)
        .zip(rec.first)
        .zip(rec.count)
        .zip(rec.armed);
    for (((((&vo, &nv), last), first), count), armed) in it {
        *armed |= vo < c.rearm;
        if *armed && vo < c.thr && nv >= c.thr {
            *armed = false;
            *last = c.t_next;
            if *count == 0 {
                *first = c.t_next;
            }
            *count += 1;
        }
    }
}

impl<M: CellModel> Monodomain<M> {
    /// Build the solver with explicit diffusion. `models[r]` is used where
    /// `substrate.region == r`. Errors on an invalid substrate, missing models,
    /// or a time step above the explicit stability limit of the diffusion
    /// operator or the cell model.
    pub fn new(substrate: Substrate, models: Vec<M>, dt_ms: f64) -> Result<Self> {
        Self::with_scheme(substrate, models, dt_ms, DiffusionScheme::Explicit)
    }

    /// Build the solver with the given diffusion scheme (the semi-implicit
    /// one allows `dt_ms` above the explicit diffusion limit; the cell-model
    /// limit still applies).
    pub fn with_scheme(
        substrate: Substrate,
        models: Vec<M>,
        dt_ms: f64,
        scheme: DiffusionScheme,
    ) -> Result<Self> {
        substrate.validate()?;
        scheme.validate()?;
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
        let (index, coords) = number_nodes(mask);
        let n = coords.len();
        let dims: Vec<usize> = (0..3).filter(|&a| shape[a] > 1).collect();
        let oblique = coords.iter().any(|&[i, j, kk]| {
            let d = substrate.tensor(i, j, kk);
            dims.iter().any(|&a| {
                dims.iter()
                    .any(|&b| a < b && d[a][b].abs() > 1e-14 * (d[a][a] + d[b][b]))
            })
        });
        let offsets = stencil_offsets(&dims, oblique);
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
        let region: Vec<u8> = coords
            .iter()
            .map(|&[i, j, kk]| substrate.region[[i, j, kk]])
            .collect();
        let lesion = vec![false; n];
        let stencil = Stencil::build(
            &substrate, &coords, &index, &gidx, &region, &lesion, offsets, strides,
        );
        // Forward Euler on V' = L V is stable if Δt ρ(L) ≤ 2; Gershgorin gives
        // ρ(L) ≤ 2 max_n Σ_m |w_nm|.
        let max_row = stencil.max_row;
        // `validate` rules out non-finite weights; checked anyway because a
        // NaN would make the comparison below false and skip the limit.
        if !max_row.is_finite() {
            return Err(CardiacError::invalid(
                "diffusion stencil row sum",
                max_row,
                "finite (finite diffusivities, unit fibres and spacing)",
            ));
        }
        if scheme == DiffusionScheme::Explicit && max_row > 0.0 && dt_ms > 1.0 / max_row {
            return Err(CardiacError::StepAboveStabilityLimit {
                dt_ms,
                limit_ms: 1.0 / max_row,
            });
        }
        let (chunk_nodes, chunk_grid) = stencil.chunk_starts();
        let mut state = Vec::with_capacity(n);
        let mut v = vec![0.0; pad[0] * pad[1] * pad[2]];
        for (node, &r) in region.iter().enumerate() {
            let (v0, s0) = models[r as usize].resting();
            v[gidx[node] as usize] = v0;
            state.push(s0);
        }
        let threshold = models[0].activation_threshold();
        let rearm = rearm_level(models[0].resting().0, threshold);
        Ok(Self {
            v_next: v.clone(),
            state,
            stim_now: vec![0.0; n],
            lesion,
            last_act: vec![f64::NAN; n],
            first_act: vec![f64::NAN; n],
            n_act: vec![0; n],
            armed: vec![true; n],
            stimuli: Vec::new(),
            models,
            region,
            coords,
            index,
            gidx,
            strides,
            stencil,
            chunk_nodes,
            chunk_grid,
            substrate,
            threshold,
            rearm,
            t_ms: 0.0,
            step_no: 0,
            dt_ms,
            cg: match scheme {
                DiffusionScheme::Explicit => None,
                DiffusionScheme::SemiImplicit { .. } => Some(CgWork::new(v.len())),
            },
            v,
            scheme,
            last_solve: SolveStats {
                iterations: 0,
                relative_residual: 0.0,
            },
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
        match self.stencil.k() {
            // A single voxel (1 × 1 × 1 grid) has no neighbours: a lone cell.
            0 => self.step_k::<0>(),
            2 => self.step_k::<2>(),
            4 => self.step_k::<4>(),
            6 => self.step_k::<6>(),
            8 => self.step_k::<8>(),
            18 => self.step_k::<18>(),
            k => unreachable!("a 0D/1D/2D/3D stencil has 0, 2, 4, 6, 8 or 18 points, not {k}"),
        }
        std::mem::swap(&mut self.v, &mut self.v_next);
        self.step_no += 1;
        self.t_ms = self.step_no as f64 * self.dt_ms;
    }

    fn step_k<const K: usize>(&mut self) {
        let c = StepConsts {
            dt: self.dt_ms,
            t_next: self.t_ms + self.dt_ms,
            thr: self.threshold,
            rearm: self.rearm,
        };
        let DiffusionScheme::SemiImplicit {
            theta,
            rel_tol,
            max_iter,
        } = self.scheme
        else {
            self.fused_pass::<K>(c, true);
            return;
        };
        // Reaction: V* = Vⁿ + Δt (I_ion + I_stim) into v_next (no crossing
        // records yet), then the implicit diffusion solve in place.
        self.fused_pass::<K>(
            StepConsts {
                thr: f64::INFINITY,
                ..c
            },
            false,
        );
        let op = Operator {
            stencil: &self.stencil,
            chunk_grid: &self.chunk_grid,
        };
        if let Some(work) = self.cg.as_mut() {
            self.last_solve = solve_theta(
                &op,
                work,
                &mut self.v_next,
                theta * c.dt,
                c.dt,
                rel_tol,
                max_iter,
            );
        }
        self.record_pass(c);
    }

    /// Record threshold crossings `v → v_next` on all nodes.
    fn record_pass(&mut self, c: StepConsts) {
        let (v, vn, sten) = (&self.v, &self.v_next, &self.stencil);
        let cn = &self.chunk_nodes;
        let la = split_at_starts(&mut self.last_act, cn);
        let fa = split_at_starts(&mut self.first_act, cn);
        let na = split_at_starts(&mut self.n_act, cn);
        let ar = split_at_starts(&mut self.armed, cn);
        la.into_par_iter()
            .zip(fa)
            .zip(na)
            .zip(ar)
            .enumerate()
            .for_each(|(ci, (((la, fa), na), ar))| {
                for seg in &sten.segments[sten.chunks[ci].clone()] {
                    let (n, g, len) = (seg.n0 - cn[ci], seg.g0, seg.len);
                    let rec = Records {
                        last: &mut la[n..n + len],
                        first: &mut fa[n..n + len],
                        count: &mut na[n..n + len],
                        armed: &mut ar[n..n + len],
                    };
                    record_crossings(&v[g..g + len], &vn[g..g + len], rec, c);
                }
            });
    }

    /// One fused cell (+ explicit diffusion if `diffuse`) pass `Vⁿ → v_next`,
    /// chunks in parallel.
    fn fused_pass<const K: usize>(&mut self, c: StepConsts, diffuse: bool) {
        let deltas: [isize; K] = std::array::from_fn(|k| self.stencil.deltas[k]);
        let (v, sten, models, stim) = (&self.v, &self.stencil, &self.models, &self.stim_now);
        let (cn, cg) = (&self.chunk_nodes, &self.chunk_grid);
        let vn = split_at_starts(&mut self.v_next, cg);
        let st = split_at_starts(&mut self.state, cn);
        let la = split_at_starts(&mut self.last_act, cn);
        let fa = split_at_starts(&mut self.first_act, cn);
        let na = split_at_starts(&mut self.n_act, cn);
        let ar = split_at_starts(&mut self.armed, cn);
        vn.into_par_iter()
            .zip(st)
            .zip(la)
            .zip(fa)
            .zip(na)
            .zip(ar)
            .enumerate()
            .for_each(|(ci, (((((vn, st), la), fa), na), ar))| {
                for seg in &sten.segments[sten.chunks[ci].clone()] {
                    let (g, n, len) = (seg.g0 - cg[ci], seg.n0 - cn[ci], seg.len);
                    let out = &mut vn[g..g + len];
                    if seg.frozen {
                        out.copy_from_slice(&v[seg.g0..seg.g0 + len]);
                        continue;
                    }
                    let w: [f64; K] = std::array::from_fn(|k| {
                        if diffuse {
                            sten.wtab[seg.class * K + k]
                        } else {
                            0.0
                        }
                    });
                    let rec = Records {
                        last: &mut la[n..n + len],
                        first: &mut fa[n..n + len],
                        count: &mut na[n..n + len],
                        armed: &mut ar[n..n + len],
                    };
                    fused_segment(
                        &models[seg.model],
                        &w,
                        &deltas,
                        v,
                        seg.g0,
                        out,
                        &mut st[n..n + len],
                        &stim[seg.n0..seg.n0 + len],
                        rec,
                        c,
                    );
                }
            });
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
                self.check_finite()?;
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
        self.stencil = Stencil::build(
            &self.substrate,
            &self.coords,
            &self.index,
            &self.gidx,
            &self.region,
            &self.lesion,
            std::mem::take(&mut self.stencil.offsets),
            self.strides,
        );
        (self.chunk_nodes, self.chunk_grid) = self.stencil.chunk_starts();
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
    /// The diffusion scheme.
    pub fn scheme(&self) -> DiffusionScheme {
        self.scheme
    }
    /// Convergence of the last semi-implicit diffusion solve (zeros for the
    /// explicit scheme).
    pub fn last_solve(&self) -> SolveStats {
        self.last_solve
    }
    /// Explicit diffusion stability limit of this grid and conductivity (ms;
    /// infinite without coupling).
    pub fn explicit_dt_limit_ms(&self) -> f64 {
        1.0 / self.stencil.max_row
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
    /// Set the membrane variable of every node (model units), e.g. an initial
    /// condition. Errors on a length mismatch or non-finite values.
    pub fn set_v(&mut self, v: &[f64]) -> Result<()> {
        if v.len() != self.n_nodes() {
            return Err(CardiacError::invalid(
                "v.len",
                v.len(),
                format!("= number of nodes {}", self.n_nodes()),
            ));
        }
        if let Some(x) = v.iter().find(|x| !x.is_finite()) {
            return Err(CardiacError::invalid("v", x, "finite values"));
        }
        for (&g, &x) in self.gidx.iter().zip(v) {
            self.v[g as usize] = x;
        }
        Ok(())
    }
    /// An error if the membrane variable of any node is NaN or infinite (the
    /// simulation diverged; a NaN node is never above the activation threshold,
    /// so a diverged sheet would otherwise read as a quiet one).
    pub fn check_finite(&self) -> Result<()> {
        let bad = self
            .gidx
            .iter()
            .filter(|&&g| !self.v[g as usize].is_finite())
            .count();
        if bad == 0 {
            return Ok(());
        }
        Err(CardiacError::invalid(
            "membrane potential",
            format!(
                "non-finite at {bad} of {} nodes by t = {:.1} ms",
                self.n_nodes(),
                self.t_ms
            ),
            "finite values: the simulation diverged (a smaller dt_ms helps only \
             where the step is the cause)",
        ))
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
    /// Time (ms) of the most recent activation per node (NaN if never): an upward
    /// threshold crossing after the node had fallen below
    /// [`Self::activation_rearm_level`] (module docs).
    pub fn last_activation_ms(&self) -> &[f64] {
        &self.last_act
    }
    /// Time (ms) of the first activation per node (NaN if never).
    pub fn first_activation_ms(&self) -> &[f64] {
        &self.first_act
    }
    /// Number of activations per node so far.
    pub fn activation_count(&self) -> &[u32] {
        &self.n_act
    }
    /// Reset the activation records (e.g. after pacing, before observing AF).
    /// Whether a node has repolarised since its last activation is its state,
    /// not a record, and is kept: a node in an action potential counts its
    /// next activation, not the rest of this one.
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
    /// Set the activation-detection threshold (model units); the re-arm level
    /// moves with it.
    pub fn set_activation_threshold(&mut self, threshold: f64) {
        self.threshold = threshold;
        self.rearm = rearm_level(self.models[0].resting().0, threshold);
    }
    /// The level (model units) a node must fall below before its next upward
    /// threshold crossing counts as an activation: halfway from region 0's
    /// resting value to the threshold (−50.6 mV for Courtemanche cells, 0.3
    /// for Mitchell–Schaeffer).
    pub fn activation_rearm_level(&self) -> f64 {
        self.rearm
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
