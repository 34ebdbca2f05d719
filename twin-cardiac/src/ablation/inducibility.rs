//! AF inducibility: pace from many sites ~1 cm apart at the end of local
//! refractoriness (the PEERP idea of Azzolin et al. 2021, Europace 23:i169),
//! stop, and call the site inducible if activity sustains past a set time.
//!
//! Only the **atrial body** counts: after ablation, tissue cut off from the
//! largest connected component (e.g. the isolated PV antra) can neither
//! be paced from the body nor drive it, and activity confined to it is
//! dissociated vein activity, not AF. It is removed before pacing.

use ndarray::Array3;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use twin_core::pde::Grid;

use super::lesion::apply_lesions;
use crate::analysis::{node_at, phase_from_delay};
use crate::cell::CellModel;
use crate::error::{CardiacError, Result};
use crate::tissue::node::{FACE_STEPS, face_neighbour};
use crate::tissue::{Monodomain, NO_NODE, Site, Stimulus, Substrate};

/// Pacing protocol for inducibility testing.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct InducibilityProtocol {
    /// Spacing of the pacing-site lattice (mm); ~10 mm in PEERP.
    pub site_spacing_mm: f64,
    /// Number of beats paced at the end of refractoriness.
    pub n_beats: usize,
    /// Retry interval while the site is still refractory (ms).
    pub coupling_margin_ms: f64,
    /// AF must still be active this long after the last beat (ms).
    pub sustain_ms: f64,
    /// Time step (ms).
    pub dt_ms: f64,
    /// Pacing-site radius (mm).
    pub site_radius_mm: f64,
    /// Cell size (mm) of the lattice on which re-entry is located (see
    /// [`reentry_cells`]).
    pub reentry_cell_mm: f64,
    /// Re-entry cells closer than this (mm, beyond the cell's own
    /// half-diagonal) to the outer boundary of the atrial body (sheet edge,
    /// lesions, isolated regions; see [`outer_boundary`]) are not recorded:
    /// a wave end sliding along a boundary has no defined phase there, and a
    /// target on the boundary cuts nothing.
    pub edge_margin_mm: f64,
}

impl Default for InducibilityProtocol {
    fn default() -> Self {
        Self {
            site_spacing_mm: 10.0,
            n_beats: 6,
            coupling_margin_ms: 10.0,
            sustain_ms: 1000.0,
            dt_ms: 0.1,
            site_radius_mm: 1.0,
            reentry_cell_mm: 5.0,
            edge_margin_mm: 2.0,
        }
    }
}

/// Result of an inducibility test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InducibilityResult {
    /// Pacing sites (mm), all in the atrial body.
    pub sites_mm: Vec<[f64; 2]>,
    /// Whether AF sustained after pacing from each site.
    pub induced: Vec<bool>,
    /// Fraction of sites with sustained AF.
    pub inducible_fraction: f64,
    /// Centres (mm) of the lattice cells around which the phase wound during
    /// the sustained episodes, one entry per cell and sample (every
    /// [`PHASE_SAMPLE_MS`] after the first [`REENTRY_SETTLE_MS`]): where re-entry
    /// circulates or anchors (input to [`super::rotor_targets`]).
    pub reentry_positions_mm: Vec<[f64; 2]>,
}

/// Sampling interval (ms) of phase singularities during an episode; the
/// time-delay phase uses the same delay.
pub const PHASE_SAMPLE_MS: f64 = 10.0;
/// Phase singularities in the first part of an episode (pacing transients)
/// are not recorded (ms).
pub const REENTRY_SETTLE_MS: f64 = 200.0;

/// The atrial body: `sub` restricted to its largest connected tissue
/// component. Connectivity is through faces (4 neighbours in 2D, 6 in 3D),
/// which is the solver's coupling: its diagonal couplings exist only inside
/// complete 2 × 2 quads, whose voxels are face-connected. So nothing removed
/// couples to the body, and a voxel touching it only at corners, which the
/// solver leaves uncoupled, is not counted as atrium.
pub fn atrial_body(sub: &Substrate) -> Result<Substrate> {
    let mask = &sub.domain.mask;
    let s = sub.domain.grid.shape;
    let mut label = Array3::<u32>::zeros(s);
    let (mut best, mut best_size, mut next) = (0u32, 0usize, 0u32);
    let mut stack = Vec::new();
    for ((i, j, k), &m) in mask.indexed_iter() {
        let start = [i, j, k];
        if !m || label[start] != 0 {
            continue;
        }
        next += 1;
        label[start] = next;
        stack.push(start);
        let mut size = 0;
        while let Some(c) = stack.pop() {
            size += 1;
            for (a, step) in FACE_STEPS {
                if let Some(q) = face_neighbour(c, a, step, s)
                    && mask[q]
                    && label[q] == 0
                {
                    label[q] = next;
                    stack.push(q);
                }
            }
        }
        if size > best_size {
            (best, best_size) = (next, size);
        }
    }
    let mut out = sub.clone();
    out.domain.mask = label.mapv(|l| l == best && best != 0);
    out.validate()?;
    Ok(out)
}

/// Run the inducibility protocol on `substrate` ablated with the
/// transmurality map `lesions` (see [`super::lesion`]), pacing from every
/// atrial-body site of a lattice (2D sheets; see [`pacing_sites`]). Sites run
/// in parallel; each simulation is itself deterministic, so the result is too.
pub fn inducibility<M: CellModel + Clone>(
    substrate: &Substrate,
    models: &[M],
    lesions: &Array3<f64>,
    protocol: &InducibilityProtocol,
) -> Result<InducibilityResult> {
    if !(protocol.site_spacing_mm > 0.0 && protocol.n_beats > 0 && protocol.sustain_ms > 0.0) {
        return Err(CardiacError::invalid(
            "protocol",
            format!("{protocol:?}"),
            "positive spacing, beats and sustain time",
        ));
    }
    let mut ablated = substrate.clone();
    apply_lesions(&mut ablated, lesions)?;
    let body = atrial_body(&ablated)?;
    let g = body.domain.grid;
    let sites = pacing_sites(&body, protocol.site_spacing_mm)?;
    let episodes: Vec<Episode> = sites
        .par_iter()
        .map(|&site| {
            let mut md = pace_site(&body, models, site, protocol)?;
            observe_episode(&mut md, protocol.sustain_ms, protocol.reentry_cell_mm)
        })
        .collect::<Result<_>>()?;
    let outer = if g.is_2d() {
        outer_boundary(&body, lesions)
    } else {
        Array3::from_elem(g.shape, false)
    };
    let clearance = std::f64::consts::FRAC_1_SQRT_2 * protocol.reentry_cell_mm
        + protocol.edge_margin_mm.max(0.0);
    let induced: Vec<bool> = episodes.iter().map(|e| e.sustained).collect();
    // `pacing_sites` guarantees at least one site.
    let frac = induced.iter().filter(|&&b| b).count() as f64 / induced.len() as f64;
    Ok(InducibilityResult {
        sites_mm: sites,
        induced,
        inducible_fraction: frac,
        reentry_positions_mm: episodes
            .into_iter()
            .filter(|e| e.sustained)
            .flat_map(|e| e.reentry_positions_mm)
            .filter(|&p| clear_of(&g, &outer, p, clearance))
            .collect(),
    })
}

/// The outer boundary of the atrial body `body` (2D sheets) ablated with
/// the transmurality map `lesions`: non-tissue voxels in face-connected
/// components that touch the grid border or contain an ablated voxel (sheet
/// edge, lesions and the regions they isolate). Non-conducting fibrosis and
/// scar inside the body are not boundary: re-entry anchors there.
pub fn outer_boundary(body: &Substrate, lesions: &Array3<f64>) -> Array3<bool> {
    let s = body.domain.grid.shape;
    let hole = body.domain.mask.mapv(|m| !m);
    let mut out = Array3::from_elem(s, false);
    let mut seen = Array3::from_elem(s, false);
    let (mut stack, mut comp) = (Vec::new(), Vec::new());
    for ((i, j, k), &h) in hole.indexed_iter() {
        let start = [i, j, k];
        if !h || seen[start] {
            continue;
        }
        seen[start] = true;
        stack.push(start);
        comp.clear();
        let mut outer = false;
        while let Some(c) = stack.pop() {
            comp.push(c);
            outer |= c[0] == 0 || c[1] == 0 || c[0] + 1 == s[0] || c[1] + 1 == s[1];
            outer |= lesions.get(c).is_some_and(|&t| t > 0.0);
            // In-plane faces only: the 2D sheet's holes.
            for &(a, step) in &FACE_STEPS[..4] {
                if let Some(q) = face_neighbour(c, a, step, s)
                    && hole[q]
                    && !seen[q]
                {
                    seen[q] = true;
                    stack.push(q);
                }
            }
        }
        if outer {
            for &q in &comp {
                out[q] = true;
            }
        }
    }
    out
}

/// True if no voxel of `outer` lies within `radius_mm` of `p` (mm) and `p`
/// is at least `radius_mm` inside the grid's voxel centres.
fn clear_of(grid: &Grid, outer: &Array3<bool>, p: [f64; 2], radius_mm: f64) -> bool {
    let s = grid.shape;
    let lo = grid.centre_mm(0, 0, 0);
    let hi = grid.centre_mm(s[0] - 1, s[1] - 1, 0);
    if (0..2).any(|a| p[a] - lo[a] < radius_mm || hi[a] - p[a] < radius_mm) {
        return false;
    }
    let c = grid.voxel_coords([p[0], p[1], 0.0]);
    let span = [0, 1].map(|a| (radius_mm / grid.spacing_mm[a]).ceil() as isize + 1);
    let (ci, cj) = (c[0].round() as isize, c[1].round() as isize);
    for i in (ci - span[0]).max(0)..=(ci + span[0]).min(s[0] as isize - 1) {
        for j in (cj - span[1]).max(0)..=(cj + span[1]).min(s[1] as isize - 1) {
            let (i, j) = (i as usize, j as usize);
            let q = grid.centre_mm(i, j, 0);
            if outer[[i, j, 0]] && (q[0] - p[0]).powi(2) + (q[1] - p[1]).powi(2) < radius_mm.powi(2)
            {
                return false;
            }
        }
    }
    true
}

/// The pacing sites of [`inducibility`]: lattice points (world mm) every
/// `spacing_mm` from half a spacing in from the first voxel centre, each
/// moved to the nearest tissue node of `body` within a quarter spacing
/// (dropped if none). Errors unless `body` is a 2D sheet (3D pacing sites are
/// not supported yet), `spacing_mm > 0` and at least one site is found (an
/// empty lattice would read as "not inducible").
pub fn pacing_sites(body: &Substrate, spacing_mm: f64) -> Result<Vec<[f64; 2]>> {
    if spacing_mm.is_nan() || spacing_mm <= 0.0 {
        return Err(CardiacError::invalid(
            "site_spacing_mm",
            spacing_mm,
            "> 0 mm",
        ));
    }
    let g = body.domain.grid;
    if !g.is_2d() {
        return Err(CardiacError::invalid(
            "grid",
            format!("{:?}", g.shape),
            "a 2D sheet (nz = 1); 3D pacing sites are not supported yet",
        ));
    }
    let tissue: Vec<[f64; 2]> = body
        .domain
        .mask
        .indexed_iter()
        .filter(|(_, m)| **m)
        .map(|((i, j, k), _)| {
            let c = g.centre_mm(i, j, k);
            [c[0], c[1]]
        })
        .collect();
    let (lx, ly) = (
        (g.shape[0] - 1) as f64 * g.spacing_mm[0],
        (g.shape[1] - 1) as f64 * g.spacing_mm[1],
    );
    // Lattice in world coordinates: adding an origin of 0 is exact, so
    // origin-0 sheets keep their sites bit for bit.
    let o = g.origin_mm;
    let r2 = (0.25 * spacing_mm).powi(2);
    let mut sites = Vec::new();
    let mut y = o[1] + 0.5 * spacing_mm;
    while y < o[1] + ly {
        let mut x = o[0] + 0.5 * spacing_mm;
        while x < o[0] + lx {
            let nearest = tissue
                .iter()
                .map(|q| ((q[0] - x).powi(2) + (q[1] - y).powi(2), *q))
                .filter(|(d2, _)| *d2 <= r2)
                .min_by(|a, b| a.0.total_cmp(&b.0));
            if let Some((_, q)) = nearest {
                sites.push(q);
            }
            x += spacing_mm;
        }
        y += spacing_mm;
    }
    if sites.is_empty() {
        return Err(CardiacError::invalid(
            "site_spacing_mm",
            spacing_mm,
            format!(
                "a spacing leaving at least one lattice site on the tissue \
                 (the sheet spans {lx} x {ly} mm)"
            ),
        ));
    }
    Ok(sites)
}

/// Pace `sub` at `site` (mm) with up to `protocol.n_beats` beats, each
/// delivered as soon as the site captures again (end of refractoriness), and
/// return the simulation right after the last beat has repolarised the site.
/// Pacing stops early once the site is re-activated by a wave it did not
/// start (re-entry has been induced and returns to the site; further beats
/// would only collide with it), as PEERP stops at induction. `site` lies in
/// the plane of the 2D sheet `sub` (3D tissue is an error). Errors if the
/// membrane potential became non-finite (a diverged simulation is never read as
/// a quiet one).
pub fn pace_site<M: CellModel + Clone>(
    sub: &Substrate,
    models: &[M],
    site: [f64; 2],
    p: &InducibilityProtocol,
) -> Result<Monodomain<M>> {
    let md = pace_site_unchecked(sub, models, site, p)?;
    md.check_finite()?;
    Ok(md)
}

/// [`pace_site`]'s protocol, checked for divergence before each beat; the
/// caller checks the simulation it returns.
fn pace_site_unchecked<M: CellModel + Clone>(
    sub: &Substrate,
    models: &[M],
    site: [f64; 2],
    p: &InducibilityProtocol,
) -> Result<Monodomain<M>> {
    let g = sub.domain.grid;
    if !g.is_2d() {
        return Err(CardiacError::invalid(
            "grid",
            format!("{:?}", g.shape),
            "a 2D sheet (nz = 1); 3D pacing sites are not supported yet",
        ));
    }
    // The sheet's own plane (0 for the usual origin-0 sheets).
    let z = g.origin_mm[2];
    let mut md = Monodomain::new(sub.clone(), models.to_vec(), p.dt_ms)?;
    let probe = node_at(&md, [site[0], site[1], z])?;
    let pulse = models[0].default_stimulus();
    let (rest, _) = md.substrate_model_rest();
    let thr = md.activation_threshold();
    let recovered = rest + 0.2 * (thr - rest);
    let place = Site::Disk {
        centre_mm: [site[0], site[1], z],
        radius_mm: p.site_radius_mm,
    };
    let activations = |md: &Monodomain<M>| md.activation_count()[probe];
    for beat in 0..p.n_beats {
        md.check_finite()?;
        // Stimulate; if the site does not capture it is still refractory:
        // wait the margin and try again (pacing at the end of
        // refractoriness), for up to 1 s.
        let t_beat = md.t_ms();
        let mut paced = activations(&md);
        loop {
            md.clear_stimuli();
            md.add_stimulus(Stimulus {
                site: place.clone(),
                times_ms: vec![md.t_ms()],
                duration_ms: pulse.duration_ms,
                amplitude_per_ms: pulse.amplitude_per_ms,
            })?;
            // Captured once the site crosses the activation threshold; failed
            // as soon as the site decays after the pulse (a refractory cell
            // cannot turn around once its potential falls), so a failed
            // attempt costs ~1 ms of simulation rather than a fixed window.
            let t0 = md.t_ms();
            let (mut captured, mut failed, mut prev) = (false, false, f64::INFINITY);
            while md.t_ms() - t0 < 30.0 && !captured && !failed {
                md.step();
                let v = md.v_at(probe);
                captured = v >= thr;
                failed = md.t_ms() - t0 > pulse.duration_ms && v < prev;
                prev = v;
            }
            md.clear_stimuli();
            if captured {
                break;
            }
            if md.t_ms() - t_beat > 1000.0 {
                // Not captured 1 s after recovery: the site cannot be paced.
                return Ok(md);
            }
            md.run(p.coupling_margin_ms);
            if beat > 0 && activations(&md) > paced {
                return Ok(md);
            }
            paced = activations(&md);
        }
        // Wait for local repolarisation; a second activation meanwhile is
        // re-entry.
        let (t0, paced) = (md.t_ms(), activations(&md));
        while md.t_ms() - t0 < 2000.0 && md.v_at(probe) >= recovered {
            md.step();
            if activations(&md) > paced {
                return Ok(md);
            }
        }
    }
    Ok(md)
}

/// An observed episode after pacing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Episode {
    /// Activity still present after the observation window.
    pub sustained: bool,
    /// Re-entry cell centres (mm) sampled every [`PHASE_SAMPLE_MS`] after
    /// [`REENTRY_SETTLE_MS`] (2D sheets only; empty in 3D), see [`reentry_cells`].
    pub reentry_positions_mm: Vec<[f64; 2]>,
}

/// Observe `md` for `window_ms`: sustained if any tissue is still excited at
/// the end (a quiescent tissue cannot re-excite itself, so the first quiet
/// sample ends the episode). On 2D sheets, records the re-entry cells of
/// size `cell_mm`. Errors if the membrane potential became non-finite.
pub fn observe_episode<M: CellModel>(
    md: &mut Monodomain<M>,
    window_ms: f64,
    cell_mm: f64,
) -> Result<Episode> {
    let is_2d = md.substrate().domain.grid.is_2d();
    let v_star = md.activation_threshold();
    let t0 = md.t_ms();
    let mut delayed = md.v();
    let mut reentry_positions_mm = Vec::new();
    let n = (window_ms / PHASE_SAMPLE_MS).ceil() as usize;
    for _ in 0..n {
        md.run(PHASE_SAMPLE_MS);
        md.check_finite()?;
        if md.excited_fraction() == 0.0 {
            return Ok(Episode {
                sustained: false,
                reentry_positions_mm: Vec::new(),
            });
        }
        let now = md.v();
        if is_2d && md.t_ms() - t0 > REENTRY_SETTLE_MS {
            let phase = phase_from_delay(&now, &delayed, v_star)?;
            reentry_positions_mm.extend(reentry_cells(md, &phase, cell_mm)?);
        }
        delayed = now;
    }
    Ok(Episode {
        sustained: true,
        reentry_positions_mm,
    })
}

/// Centres (mm) of the square cells (side `cell_mm`, a lattice from the
/// grid origin) of a 2D sheet around whose perimeter the phase winds by
/// ±2π. Unlike 2 × 2 plaquette phase singularities, a cell loop also
/// encloses non-conducting obstacles, so re-entry anchored on a fibrotic
/// cluster or a lesion end is found, not only free rotor cores. Perimeter
/// nodes outside tissue are skipped (phase is wrapped across the gap);
/// cells with fewer than half their perimeter in tissue are ignored.
pub fn reentry_cells<M: CellModel>(
    md: &Monodomain<M>,
    phase: &[f64],
    cell_mm: f64,
) -> Result<Vec<[f64; 2]>> {
    let g = md.substrate().domain.grid;
    let m = (cell_mm / g.spacing_mm[0]).round() as usize;
    if !(g.is_2d() && m >= 2 && phase.len() == md.n_nodes()) {
        return Err(CardiacError::invalid(
            "reentry_cells",
            format!(
                "grid {:?}, cell {cell_mm} mm, phase.len {}",
                g.shape,
                phase.len()
            ),
            "a 2D sheet, a cell of at least 2 voxels and one phase per node",
        ));
    }
    let (idx, lesion) = (md.index(), md.lesion());
    let tau = std::f64::consts::TAU;
    let wrap = |d: f64| d - tau * (d / tau).round();
    let mut out = Vec::new();
    let mut ring = Vec::with_capacity(4 * m);
    for i0 in (0..g.shape[0].saturating_sub(m)).step_by(m) {
        for j0 in (0..g.shape[1].saturating_sub(m)).step_by(m) {
            // Counter-clockwise perimeter.
            ring.clear();
            let perimeter = (0..m)
                .map(|s| [i0 + s, j0])
                .chain((0..m).map(|s| [i0 + m, j0 + s]))
                .chain((0..m).map(|s| [i0 + m - s, j0 + m]))
                .chain((0..m).map(|s| [i0, j0 + m - s]));
            for [i, j] in perimeter {
                let n = idx[[i, j, 0]];
                if n != NO_NODE && !lesion[n as usize] {
                    ring.push(phase[n as usize]);
                }
            }
            if ring.len() * 2 < 4 * m {
                continue;
            }
            let s: f64 = (0..ring.len())
                .map(|q| wrap(ring[(q + 1) % ring.len()] - ring[q]))
                .sum();
            if (s / tau).round() != 0.0 {
                let c = g.centre_mm(i0, j0, 0);
                out.push([c[0] + 0.5 * cell_mm, c[1] + 0.5 * cell_mm]);
            }
        }
    }
    Ok(out)
}
