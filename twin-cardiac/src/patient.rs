//! A virtual AF patient: the measurable characteristics a twin is built
//! from (LA size, fibrosis burden and pattern, AF remodelling, conduction
//! velocity) and the construction of that patient's 2D atrial substrate.

use ndarray::Array3;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::analysis::conduction_velocity_between;
use crate::cell::courtemanche::ConductanceScales;
use crate::cell::{CellModel, Courtemanche, CourtemancheLut, MitchellSchaeffer};
use crate::error::{CardiacError, Result};
use crate::fibrosis::{FibrosisEffect, FibrosisPattern, apply_fibrosis, fibrosis_map};
use crate::geometry::{AtrialSheet, AtrialSheetSpec};
use crate::tissue::{Monodomain, Site, Stimulus, Substrate};

/// Patient characteristics used to build an AF twin.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AfPatient {
    /// LA antero-posterior diameter (mm).
    pub la_diameter_mm: f64,
    /// Fibrosis burden (fraction of atrial wall, 0–1), Utah-stage-like.
    pub fibrosis_burden: f64,
    /// Spatial pattern of fibrosis.
    pub fibrosis_pattern: FibrosisPattern,
    /// Seed of this patient's fibrosis map.
    pub fibrosis_seed: u64,
    /// Electrical remodelling, 0 (none) to 1 (long-standing persistent AF):
    /// shortens the APD by scaling τ_close from 150 ms towards 60 ms.
    pub remodelling: f64,
    /// Conduction scale: longitudinal diffusivity multiplier (1 = 0.1 mm²/ms,
    /// a plane-wave CV of [`REFERENCE_CV_M_PER_S`]; see [`conduction_scale_for_cv`]).
    pub conduction_scale: f64,
}

impl AfPatient {
    /// A patient defined only by its electrical `remodelling` (0–1), for work
    /// that needs its cells ([`AfPatient::cells`],
    /// [`AfPatient::courtemanche_cells`]) and no sheet of its own: 40 mm LA,
    /// no fibrosis, conduction scale 1. Returns an error for a remodelling
    /// outside 0–1.
    pub fn with_remodelling(remodelling: f64) -> Result<Self> {
        let patient = Self {
            la_diameter_mm: 40.0,
            fibrosis_burden: 0.0,
            fibrosis_pattern: FibrosisPattern::Patchy,
            fibrosis_seed: 0,
            remodelling,
            conduction_scale: 1.0,
        };
        patient.validate()?;
        Ok(patient)
    }

    /// Validate ranges.
    pub fn validate(&self) -> Result<()> {
        if !(20.0..=80.0).contains(&self.la_diameter_mm) {
            return Err(CardiacError::invalid(
                "la_diameter_mm",
                self.la_diameter_mm,
                "20–80 mm",
            ));
        }
        if !(0.0..=0.6).contains(&self.fibrosis_burden) {
            return Err(CardiacError::invalid(
                "fibrosis_burden",
                self.fibrosis_burden,
                "0–0.6",
            ));
        }
        if !(0.0..=1.0).contains(&self.remodelling) {
            return Err(CardiacError::invalid(
                "remodelling",
                self.remodelling,
                "0–1",
            ));
        }
        if !(0.2..=10.0).contains(&self.conduction_scale) {
            return Err(CardiacError::invalid(
                "conduction_scale",
                self.conduction_scale,
                "0.2–10",
            ));
        }
        Ok(())
    }

    /// Mitchell–Schaeffer cell for this patient's remodelling (region 0: atrial
    /// body) and for the PV sleeves (region 1: 15 % shorter APD, after the
    /// shorter PV action potentials reported by Ehrlich et al. 2003, J Physiol
    /// 551:801).
    pub fn cells(&self) -> Vec<MitchellSchaeffer> {
        let body = MitchellSchaeffer {
            tau_close_ms: 150.0 - 90.0 * self.remodelling,
            tau_open_ms: 120.0 - 40.0 * self.remodelling,
            ..MitchellSchaeffer::default()
        };
        let pv = MitchellSchaeffer {
            tau_close_ms: 0.85 * body.tau_close_ms,
            ..body
        };
        vec![body, pv]
    }

    /// This patient's true fibrosis map resampled (nearest voxel) onto
    /// `sheet`'s grid. The map is generated once on a fixed 0.5 mm reference
    /// sheet so that sheets of any spacing see the same fibrosis.
    pub fn true_fibrosis(&self, sheet: &AtrialSheet) -> Result<Array3<bool>> {
        let reference = AtrialSheet::new(AtrialSheetSpec {
            dx_mm: REFERENCE_DX_MM,
            ..sheet.spec
        })?;
        let ref_map = fibrosis_map(
            &reference.substrate,
            self.fibrosis_burden,
            self.fibrosis_pattern,
            self.fibrosis_seed,
        )?;
        let g = sheet.substrate.domain.grid;
        let rs = ref_map.shape().to_vec();
        Ok(Array3::from_shape_fn(g.shape, |(i, j, k)| {
            let p = g.centre_mm(i, j, k);
            let ri = ((p[0] / REFERENCE_DX_MM).round() as usize).min(rs[0] - 1);
            let rj = ((p[1] / REFERENCE_DX_MM).round() as usize).min(rs[1] - 1);
            ref_map[[ri, rj, 0]]
        }))
    }

    /// An LGE-MRI-like observation of the true fibrosis: each true fibrotic
    /// voxel is missed with probability `miss_rate`, each healthy voxel is
    /// labelled fibrotic with probability `false_positive_rate` (seeded).
    pub fn observed_fibrosis(
        &self,
        sheet: &AtrialSheet,
        miss_rate: f64,
        false_positive_rate: f64,
        seed: u64,
    ) -> Result<Array3<bool>> {
        for (name, x) in [
            ("miss_rate", miss_rate),
            ("false_positive_rate", false_positive_rate),
        ] {
            if !(0.0..=1.0).contains(&x) {
                return Err(CardiacError::invalid(name, x, "a probability in [0, 1]"));
            }
        }
        let truth = self.true_fibrosis(sheet)?;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        Ok(truth.mapv(|f| {
            let u: f64 = rng.random();
            if f {
                u >= miss_rate
            } else {
                u < false_positive_rate
            }
        }))
    }

    /// Courtemanche–Ramirez–Nattel 1998 cells for this patient, tabulated
    /// with ionic substeps for tissue steps of `dt_ms` (up to
    /// [`CourtemancheLut::MAX_SPLIT_DT_MS`]; 2.5 mV per ms of step):
    /// region 0, the atrial body, with the chronic-AF conductance changes
    /// scaled by `remodelling` ([`ConductanceScales::partial_chronic_af`]);
    /// region 1, the PV sleeves, the body cell
    /// with the PV factors of [`PV_SLEEVE_SCALES`].
    pub fn courtemanche_cells(&self, dt_ms: f64) -> Result<Vec<CourtemancheLut>> {
        self.validate()?;
        let body =
            Courtemanche::default().scaled(ConductanceScales::partial_chronic_af(self.remodelling));
        let pv = body.scaled(PV_SLEEVE_SCALES);
        [body, pv]
            .into_iter()
            .map(|cell| substepped(cell, dt_ms))
            .collect()
    }

    /// [`AfPatient::courtemanche_cells`] plus region 2, fibrotic-zone
    /// myocytes: the body cell with 40 % less g_Na (Roney et al. 2016, as in
    /// [`AfPatient::cells_with_fibrotic_remodelling`]).
    pub fn courtemanche_cells_with_fibrotic_remodelling(
        &self,
        dt_ms: f64,
    ) -> Result<Vec<CourtemancheLut>> {
        let mut cells = self.courtemanche_cells(dt_ms)?;
        let fibrotic = cells[0].model().scaled(ConductanceScales {
            g_na: 0.6,
            ..ConductanceScales::default()
        });
        cells.push(substepped(fibrotic, dt_ms)?);
        Ok(cells)
    }

    /// Cells for a substrate whose fibrotic voxels carry region 2
    /// ([`FibrosisEffect::remodelled_region`] = `Some(2)`): body and PV
    /// sleeves as in [`AfPatient::cells`], plus fibrotic-zone myocytes with
    /// 40 % less sodium current (the g_Na reduction used for fibrotic
    /// remodelling by Roney et al. 2016, Europace 18:iv146), i.e. a slower
    /// upstroke: τ_in / 0.6.
    pub fn cells_with_fibrotic_remodelling(&self) -> Vec<MitchellSchaeffer> {
        let mut cells = self.cells();
        cells.push(MitchellSchaeffer {
            tau_in_ms: cells[0].tau_in_ms / 0.6,
            ..cells[0]
        });
        cells
    }

    /// This patient's 2D LA sheet at spacing `dx_mm` with a given fibrosis map
    /// (from [`AfPatient::true_fibrosis`] or [`AfPatient::observed_fibrosis`]
    /// of a sheet with the same spacing), applied with the default
    /// [`FibrosisEffect`].
    pub fn sheet(
        &self,
        dx_mm: f64,
        fibrosis: impl FnOnce(&AtrialSheet) -> Result<Array3<bool>>,
    ) -> Result<AtrialSheet> {
        self.sheet_with_effect(dx_mm, fibrosis, FibrosisEffect::default())
    }

    /// This patient's 2D LA sheet at spacing `dx_mm` without fibrosis
    /// (geometry and healthy conduction only).
    pub fn bare_sheet(&self, dx_mm: f64) -> Result<AtrialSheet> {
        self.validate()?;
        let d_l = 0.1 * self.conduction_scale;
        AtrialSheet::new(AtrialSheetSpec::from_la_diameter(
            self.la_diameter_mm,
            dx_mm,
            d_l,
            0.4 * d_l,
        ))
    }

    /// As [`AfPatient::sheet`] with an explicit fibrosis effect.
    pub fn sheet_with_effect(
        &self,
        dx_mm: f64,
        fibrosis: impl FnOnce(&AtrialSheet) -> Result<Array3<bool>>,
        effect: FibrosisEffect,
    ) -> Result<AtrialSheet> {
        let mut sheet = self.bare_sheet(dx_mm)?;
        let map = fibrosis(&sheet)?;
        apply_fibrosis(
            &mut sheet.substrate,
            &map,
            effect,
            self.fibrosis_seed ^ 0x5eed,
        )?;
        Ok(sheet)
    }
}

/// The tabulated cell with ionic substeps of 2.5 mV per ms of step (as
/// tested in `tests/crn_tissue.rs`).
fn substepped(cell: Courtemanche, dt_ms: f64) -> Result<CourtemancheLut> {
    let max_dv_mv = (2.5 * dt_ms).max(0.01);
    CourtemancheLut::with_ionic_substeps(cell, dt_ms, CourtemancheLut::DEFAULT_BIN_MV, max_dv_mv)
}

/// Pulmonary-vein sleeve conductance factors for the Courtemanche cell:
/// g_to ×0.75, g_CaL ×0.75, g_Kr ×2.4, g_Ks ×1.87, g_K1 ×0.67 (Colman et
/// al. 2013, J Physiol 591:4249, as implemented in Colman's MSCSF
/// simulator, `set_celltype_hAM`), after the canine PV measurements of
/// Ehrlich et al. 2003 (J Physiol 551:801: I_K1 ≈ 58 % and I_Kr larger than
/// in LA, PV APD90 ≈ 84 % of LA at 2 Hz).
pub const PV_SLEEVE_SCALES: ConductanceScales = ConductanceScales {
    g_na: 1.0,
    g_k1: 0.67,
    g_to: 0.75,
    g_kur: 1.0,
    g_kr: 2.4,
    g_ks: 1.87,
    g_cal: 0.75,
};

/// Spacing (mm) of the reference sheet on which true fibrosis is generated.
pub const REFERENCE_DX_MM: f64 = 0.5;

/// Plane-wave CV (m/s) of the default Mitchell–Schaeffer cell at a
/// diffusivity of 0.1 mm²/ms (conduction scale 1), converged in dx and dt
/// (0.339 m/s at dx 0.1 mm, dt 0.02 ms; checked in `tests/cohort.rs`).
pub const REFERENCE_CV_M_PER_S: f64 = 0.34;

/// Conduction scale giving a longitudinal plane-wave CV of `cv_m_per_s` in
/// the continuum limit (the model's only length scale is √(D τ), so CV ∝ √D).
pub fn conduction_scale_for_cv(cv_m_per_s: f64) -> Result<f64> {
    let scale = (cv_m_per_s / REFERENCE_CV_M_PER_S).powi(2);
    if !(0.2..=10.0).contains(&scale) {
        return Err(CardiacError::invalid(
            "cv_m_per_s",
            cv_m_per_s,
            format!(
                "{:.2}–{:.2} m/s (conduction scale 0.2–10)",
                REFERENCE_CV_M_PER_S * 0.2f64.sqrt(),
                REFERENCE_CV_M_PER_S * 10f64.sqrt()
            ),
        ));
    }
    Ok(scale)
}

/// Plane-wave CV (m/s) of the default Mitchell–Schaeffer cell along a
/// 30 mm strip with diffusivity `d_mm2_per_ms` at spacing `dx_mm` and time
/// step `dt_ms` (explicit diffusion), measured between x ≈ 10 and 25 mm.
pub fn plane_wave_cv_m_per_s(d_mm2_per_ms: f64, dx_mm: f64, dt_ms: f64) -> Result<f64> {
    plane_wave_cv_of(&MitchellSchaeffer::default(), d_mm2_per_ms, dx_mm, dt_ms)
}

/// As [`plane_wave_cv_m_per_s`] for any cell model.
pub fn plane_wave_cv_of<M: CellModel + Clone>(
    model: &M,
    d_mm2_per_ms: f64,
    dx_mm: f64,
    dt_ms: f64,
) -> Result<f64> {
    let nx = (30.0 / dx_mm).round() as usize + 1;
    let sub = Substrate::sheet(nx, 3, dx_mm, d_mm2_per_ms, d_mm2_per_ms, 0.0)?;
    let mut md = Monodomain::new(sub, vec![model.clone()], dt_ms)?;
    md.add_stimulus(Stimulus::train(
        Site::Box {
            min_mm: [0.0, -1.0, -1.0],
            max_mm: [1.0, 100.0, 1.0],
        },
        0.0,
        1000.0,
        1,
        model.default_stimulus(),
    ))?;
    // Until the front has crossed the strip at half the continuum CV.
    let cv0 = REFERENCE_CV_M_PER_S * (d_mm2_per_ms / 0.1).sqrt();
    md.run(60.0 / cv0 + 10.0);
    let at = |x: f64| [(x / dx_mm).round() * dx_mm, dx_mm, 0.0];
    conduction_velocity_between(&md, at(10.0), at(25.0))
}

/// Conduction scale whose *discrete* plane-wave CV at spacing `dx_mm` and
/// step `dt_ms` is `cv_m_per_s` (within 0.5 %): coarse grids propagate
/// slower than the continuum (≈ 10–13 % at 1 mm for 0.35–0.45 m/s), so the
/// diffusivity is raised until the grid's CV matches, by fixed-point
/// iteration D ← D (CV_target / CV_dx)², as openCARP's tuneCV does (Costa et
/// al. 2013, Comput Cardiol 40:373). Wave-front curvature, source–sink and
/// obstacle effects of the grid remain.
pub fn tuned_conduction_scale(cv_m_per_s: f64, dx_mm: f64, dt_ms: f64) -> Result<f64> {
    tuned_conduction_scale_of(&MitchellSchaeffer::default(), cv_m_per_s, dx_mm, dt_ms)
}

/// As [`tuned_conduction_scale`] for any cell model (the iteration starts
/// from the Mitchell–Schaeffer continuum value).
pub fn tuned_conduction_scale_of<M: CellModel + Clone>(
    model: &M,
    cv_m_per_s: f64,
    dx_mm: f64,
    dt_ms: f64,
) -> Result<f64> {
    let mut scale = conduction_scale_for_cv(cv_m_per_s)?;
    // Scales known to conduct too slowly (or not at all) / too fast: a
    // fixed-point step that leaves this bracket is replaced by bisection, so
    // the iteration also converges where CV is far from ∝ √D (near block).
    let (mut lo, mut hi) = (0.0f64, f64::INFINITY);
    for _ in 0..24 {
        let cv = match plane_wave_cv_of(model, 0.1 * scale, dx_mm, dt_ms) {
            Ok(cv) => Some(cv),
            // Blocked: a grid this coarse needs more coupling to conduct
            // this cell at all (ionic models with a fast upstroke fail first).
            Err(CardiacError::InvalidInput { field, .. }) if field == "activation times" => None,
            Err(e) => return Err(e),
        };
        if let Some(cv) = cv
            && (cv / cv_m_per_s - 1.0).abs() < 0.005
        {
            return Ok(scale);
        }
        let proposal = match cv {
            Some(cv) if cv > cv_m_per_s => {
                hi = hi.min(scale);
                scale * (cv_m_per_s / cv).powi(2)
            }
            Some(cv) => {
                lo = lo.max(scale);
                scale * (cv_m_per_s / cv).powi(2)
            }
            None => {
                lo = lo.max(scale);
                2.0 * scale
            }
        };
        scale = if proposal > lo && proposal < hi {
            proposal
        } else {
            (lo * hi).sqrt()
        };
        if !(0.2..=10.0).contains(&scale) {
            break;
        }
    }
    Err(CardiacError::invalid(
        "cv_m_per_s",
        cv_m_per_s,
        format!("a CV reachable at dx {dx_mm} mm, dt {dt_ms} ms with conduction scale 0.2–10"),
    ))
}
