//! Stimulus protocols on 2D sheets that need to watch the tissue: the
//! S1–S2 cross-field protocol that creates a spiral wave (one free wave end)
//! or figure-of-eight re-entry (two free ends).

use super::{Monodomain, Site, Stimulus};
use crate::cell::{CellModel, StimulusPulse};
use crate::error::{CardiacError, Result};

/// Width (mm) of the S1 strip along `x = 0` (at least two nodes): a fixed
/// physical width, since two nodes of a fine grid can be narrower than the
/// liminal length and launch no wave (0.25 mm at D = 0.2 mm²/ms did not).
const S1_STRIP_MM: f64 = 1.0;

/// S1–S2 cross-field stimulation on a rectangular sheet of size `L_x × L_y`:
/// an S1 plane wave from a 1 mm strip along the `x = 0` edge, then, as soon
/// as the S1 wave back has passed `x = L_x/2` (at mid-height of the S2 band), an S2 over
/// `x ∈ [0, L_x/2], y ∈ [y0_mm, y1_mm]`. Each end of the S2 band inside the
/// sheet is a free wave end that curls into a rotor: `y0 = 0` gives a single
/// spiral, a band strictly inside gives a figure-of-eight pair.
///
/// Runs the simulation up to the S2 time and returns it (ms).
pub fn cross_field_s1s2<M: CellModel>(
    md: &mut Monodomain<M>,
    y0_mm: f64,
    y1_mm: f64,
    pulse: StimulusPulse,
) -> Result<f64> {
    let g = md.substrate().domain.grid;
    if !g.is_2d() {
        return Err(CardiacError::invalid(
            "grid",
            format!("{:?}", g.shape),
            "a 2D sheet",
        ));
    }
    let lx = (g.shape[0] - 1) as f64 * g.spacing_mm[0];
    let ly = (g.shape[1] - 1) as f64 * g.spacing_mm[1];
    if !(y0_mm >= 0.0 && y1_mm > y0_mm && y1_mm <= ly) {
        return Err(CardiacError::invalid(
            "y0_mm..y1_mm",
            format!("{y0_mm}..{y1_mm}"),
            format!("0 <= y0 < y1 <= {ly} mm"),
        ));
    }
    let t0 = md.t_ms();
    md.add_stimulus(Stimulus {
        site: Site::Box {
            min_mm: [0.0, 0.0, -1.0],
            max_mm: [S1_STRIP_MM.max(2.0 * g.spacing_mm[0]), ly, 1.0],
        },
        times_ms: vec![t0],
        duration_ms: pulse.duration_ms,
        amplitude_per_ms: pulse.amplitude_per_ms,
    })?;
    let probe = crate::analysis::node_at(md, [0.5 * lx, 0.5 * (y0_mm + y1_mm), 0.0])?;
    let (rest, _) = md.substrate_model_rest();
    let thr = md.activation_threshold();
    let recovered = rest + 0.2 * (thr - rest);
    let mut excited = false;
    while md.t_ms() - t0 < 5000.0 {
        md.step();
        let v = md.v_at(probe);
        excited |= v >= thr;
        if excited && v < recovered {
            let t2 = md.t_ms();
            md.add_stimulus(Stimulus {
                site: Site::Box {
                    min_mm: [-1.0, y0_mm, -1.0],
                    max_mm: [0.5 * lx, y1_mm, 1.0],
                },
                times_ms: vec![t2],
                duration_ms: pulse.duration_ms,
                amplitude_per_ms: pulse.amplitude_per_ms,
            })?;
            return Ok(t2);
        }
    }
    Err(CardiacError::invalid(
        "S1 wave",
        "did not pass the sheet centre within 5 s",
        "a sheet that conducts",
    ))
}
