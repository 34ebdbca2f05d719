//! AF inducibility: pace from many sites ~1 cm apart at the end of local
//! refractoriness (the PEERP idea of Azzolin et al. 2021, Europace 23:i169),
//! stop, and call the site inducible if activity sustains past a set time.

use ndarray::Array3;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::analysis::{classify_af, node_at};
use crate::cell::CellModel;
use crate::error::{CardiacError, Result};
use crate::tissue::{Monodomain, Site, Stimulus, Substrate};

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
        }
    }
}

/// Result of an inducibility test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InducibilityResult {
    /// Pacing sites (mm).
    pub sites_mm: Vec<[f64; 2]>,
    /// Whether AF sustained after pacing from each site.
    pub induced: Vec<bool>,
    /// Fraction of sites with sustained AF.
    pub inducible_fraction: f64,
}

/// Run the inducibility protocol on `substrate` with `lesions` (scar), pacing
/// from every tissue site of a lattice. Sites run in parallel; each
/// simulation is itself deterministic, so the result is too.
pub fn inducibility<M: CellModel + Clone>(
    substrate: &Substrate,
    models: &[M],
    lesions: &Array3<bool>,
    protocol: &InducibilityProtocol,
) -> Result<InducibilityResult> {
    if !(protocol.site_spacing_mm > 0.0 && protocol.n_beats > 0 && protocol.sustain_ms > 0.0) {
        return Err(CardiacError::invalid(
            "protocol",
            format!("{protocol:?}"),
            "positive spacing, beats and sustain time",
        ));
    }
    let mut sub = substrate.clone();
    sub.domain
        .grid
        .check_shape("lesions", lesions)
        .map_err(crate::tissue::substrate::core_err)?;
    sub.domain.mask.zip_mut_with(lesions, |m, &l| *m &= !l);
    sub.validate()?;
    let g = sub.domain.grid;
    let probe = Monodomain::new(sub.clone(), models.to_vec(), protocol.dt_ms)?;
    let (lx, ly) = (
        (g.shape[0] - 1) as f64 * g.spacing_mm[0],
        (g.shape[1] - 1) as f64 * g.spacing_mm[1],
    );
    let s = protocol.site_spacing_mm;
    let mut sites = Vec::new();
    let mut y = 0.5 * s;
    while y < ly {
        let mut x = 0.5 * s;
        while x < lx {
            if node_at(&probe, [x, y, 0.0]).is_ok() {
                sites.push([x, y]);
            }
            x += s;
        }
        y += s;
    }
    drop(probe);
    let induced: Vec<bool> = sites
        .par_iter()
        .map(|&site| pace_site(&sub, models, site, protocol))
        .collect::<Result<_>>()?;
    let frac = induced.iter().filter(|&&b| b).count() as f64 / induced.len().max(1) as f64;
    Ok(InducibilityResult {
        sites_mm: sites,
        induced,
        inducible_fraction: frac,
    })
}

fn pace_site<M: CellModel + Clone>(
    sub: &Substrate,
    models: &[M],
    site: [f64; 2],
    p: &InducibilityProtocol,
) -> Result<bool> {
    let mut md = Monodomain::new(sub.clone(), models.to_vec(), p.dt_ms)?;
    let probe = node_at(&md, [site[0], site[1], 0.0])?;
    let pulse = models[0].default_stimulus();
    let (rest, _) = md.substrate_model_rest();
    let thr = md.activation_threshold();
    let recovered = rest + 0.2 * (thr - rest);
    let place = Site::Disk {
        centre_mm: [site[0], site[1], 0.0],
        radius_mm: p.site_radius_mm,
    };
    for _ in 0..p.n_beats {
        // Stimulate; if the site does not capture within 30 ms it is still
        // refractory: wait the margin and try again (pacing at the end of
        // refractoriness), up to 2 s.
        let t_beat = md.t_ms();
        loop {
            md.clear_stimuli();
            md.add_stimulus(Stimulus {
                site: place.clone(),
                times_ms: vec![md.t_ms()],
                duration_ms: pulse.duration_ms,
                amplitude_per_ms: pulse.amplitude_per_ms,
            })?;
            let t0 = md.t_ms();
            let mut captured = false;
            while md.t_ms() - t0 < 30.0 && !captured {
                md.step();
                captured = md.v_at(probe) >= thr;
            }
            if captured || md.t_ms() - t_beat > 2000.0 {
                break;
            }
            md.run(p.coupling_margin_ms);
        }
        md.clear_stimuli();
        // Wait for local repolarisation.
        let t0 = md.t_ms();
        while md.t_ms() - t0 < 2000.0 && md.v_at(probe) >= recovered {
            md.step();
        }
    }
    md.clear_stimuli();
    Ok(classify_af(&mut md, p.sustain_ms, 10.0).sustained)
}
