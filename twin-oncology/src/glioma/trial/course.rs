//! One virtual patient's course in one trial arm: surgery, radiotherapy ± temozolomide,
//! scans, progression and death.
//!
//! ## From tumour burden to progression and death (the link trial emulation needs)
//! * **Diagnosis and surgery** (day −`rt_start_after_surgery_days`): the tumour is a
//!   travelling-wave profile whose T1-Gd edge (c = 0.8) encloses the pre-operative
//!   volume; surgery removes every cell inside the sphere holding the resected fraction
//!   of that volume (biopsy: nothing).
//! * **Treatment** (day 0 = first fraction = randomisation): each fraction multiplies
//!   the density by the LQ surviving fraction (the planning volume covers the tumour:
//!   uniform kill); each temozolomide dose by `exp(−k d)`, up to six adjuvant cycles
//!   ([`EFFECTIVE_ADJUVANT_CYCLES`]); adjuvant temozolomide stops at progression.
//! * **Salvage** (after the progression scan): a [`super::GbmPopulation::salvage_fraction`]
//!   of patients is treated — [`SALVAGE_CYCLES`] log-kills every [`SALVAGE_CYCLE_DAYS`]
//!   days (the lomustine cycle), the first the day after the scan. One kill stands for
//!   second-line chemotherapy, re-resection and re-irradiation alike; its size is
//!   fitted to the survival after progression of treated patients and scaled by the
//!   temozolomide MGMT factor of the tumour (second-line chemotherapy is mostly
//!   alkylating; temozolomide rechallenge in DIRECTOR, Weller et al. 2015, Clin Cancer
//!   Res 21:2057: 6-month PFS 39.7 % methylated vs 6.9 % unmethylated). Untreated patients'
//!   survival after progression is held out (supportive care only: 3.1 months).
//! * **Progression** (Macdonald 1990 / RANO 2010): on a scan (the first `28` days after
//!   radiotherapy, then every `scan_every_days`; each patient's visits shifted within
//!   ± `scan_window_days`), a T1-Gd volume ≥ 1.40 × the smallest
//!   volume so far (a 25 % increase of the product of two diameters of a sphere is a
//!   1.25^1.5 = 1.40-fold volume) and ≥ 1 cm³ (a measurable lesion, ≥ 10 mm across).
//!   The post-operative volume is the first reference. PFS = the first progression
//!   scan, a recorded pseudoprogression, or death.
//! * **Pseudoprogression** (first post-radiotherapy scan only): with the probability
//!   [`super::GbmPopulation::recorded_pseudoprogression_probability`] of the arm and MGMT
//!   status, a patient whose tumour is not growing has an enlargement recorded as
//!   progression — a PFS event only: treatment goes on and the tumour's course is
//!   unchanged, so overall survival and the survival after true progression are not
//!   affected.
//! * **Death**: the day the T1-Gd volume reaches the patient's lethal volume
//!   ([`super::GbmPopulation::lethal_volume_cm3_at_56`]).

use serde::{Deserialize, Serialize};

use super::population::{GbmPopulation, VirtualGbmPatient};
use super::radial::RadialTumour;
use crate::error::{OncologyError, Result};
use crate::glioma::params::T1GD_THRESHOLD;

/// Volume ratio of RANO/Macdonald progression: (1.25)^(3/2) for a sphere.
pub const PROGRESSION_VOLUME_RATIO: f64 = 1.397_542_485_937_368_8;
/// Smallest measurable enhancing volume, cm³ (a sphere of ≈ 12 mm diameter; RANO's
/// measurable lesion is ≥ 10 mm in two diameters).
pub const MEASURABLE_VOLUME_CM3: f64 = 1.0;

/// Adjuvant temozolomide cycles that kill; later cycles add no effect (acquired
/// resistance). GEINO 14-01 (Balana et al. 2020, Neuro-Oncology 22:1851): continuing to
/// 12 cycles after 6 gave no better progression-free or overall survival (6-month PFS
/// 61.3 vs 55.7 %, not significant; pooled with EX-TEM: OS HR 1.03).
pub const EFFECTIVE_ADJUVANT_CYCLES: usize = 6;

/// Days between salvage cycles (lomustine every 6 weeks: Wick et al. 2017, NEJM
/// 377:1954).
pub const SALVAGE_CYCLE_DAYS: usize = 42;
/// Salvage cycles that kill (assumption: second-line therapy of recurrent glioblastoma
/// rarely controls it for long — median PFS 1.5 months and one lomustine cycle in
/// EORTC 26101, Wick et al. 2017 — so a short course stands for all of it).
pub const SALVAGE_CYCLES: usize = 3;

/// Longest concomitant temozolomide course accepted, days (Stupp 2005's protocol
/// allowed up to 49 days).
pub const MAX_CONCOMITANT_DAYS: usize = 49;

/// Days from the end of radiotherapy to the first adjuvant temozolomide dose
/// (4 weeks, Stupp 2005).
const ADJUVANT_GAP_DAYS: usize = 28;

/// A trial arm: radiotherapy, optional temozolomide (Stupp 2005 schedule shape).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GbmArm {
    /// Name in reports.
    pub name: String,
    /// Number of radiotherapy fractions (five a week); 0 = supportive care only
    /// (no radiotherapy and no temozolomide; day 0 is randomisation).
    pub rt_fractions: usize,
    /// Dose per fraction, Gy (unused when there are no fractions).
    pub rt_dose_per_fraction_gy: f64,
    /// Concomitant temozolomide, mg/m² daily (7 days a week) during radiotherapy
    /// (0 = none).
    #[serde(default)]
    pub tmz_concomitant_mg_m2: f64,
    /// Days of concomitant temozolomide, counted from day 0 (the first fraction).
    /// `None` (the default) = every day from the first to the last day of
    /// radiotherapy (Stupp et al. 2005: 40 doses for 60 Gy/30 starting on a Monday);
    /// Perry et al. 2017 (NEJM 376:1027) gave 75 mg/m² daily for 21 days with
    /// 40 Gy/15, past the last fraction (day 18). At most
    /// [`MAX_CONCOMITANT_DAYS`], and it must end before the adjuvant cycles start.
    #[serde(default)]
    pub tmz_concomitant_days: Option<usize>,
    /// Adjuvant temozolomide cycles (5 days every 28, from 4 weeks after radiotherapy;
    /// 150 mg/m² in cycle 1, 200 after).
    #[serde(default)]
    pub tmz_adjuvant_cycles: usize,
    /// Whether patients may be treated at progression (a share
    /// [`GbmPopulation::salvage_fraction`] of them); false for an arm whose protocol
    /// gave supportive care only.
    #[serde(default = "yes")]
    pub salvage_at_progression: bool,
}

fn yes() -> bool {
    true
}

impl GbmArm {
    /// Check the arm's ranges.
    pub fn validate(&self) -> Result<()> {
        if self.rt_fractions > 60 {
            return Err(OncologyError::invalid(
                "rt_fractions",
                self.rt_fractions,
                "0 (supportive care) to 60",
            ));
        }
        if self.rt_fractions == 0
            && (self.tmz_concomitant_mg_m2 != 0.0 || self.tmz_adjuvant_cycles > 0)
        {
            return Err(OncologyError::invalid(
                "rt_fractions",
                0,
                "≥ 1 when the arm gives temozolomide (its schedule follows radiotherapy)",
            ));
        }
        let d = self.rt_dose_per_fraction_gy;
        if self.rt_fractions > 0 && !(d.is_finite() && d > 0.0 && d <= 20.0) {
            return Err(OncologyError::invalid(
                "rt_dose_per_fraction_gy",
                d,
                "0 < d ≤ 20 Gy",
            ));
        }
        let t = self.tmz_concomitant_mg_m2;
        if !(t.is_finite() && (0.0..=200.0).contains(&t)) {
            return Err(OncologyError::invalid(
                "tmz_concomitant_mg_m2",
                t,
                "0 to 200 mg/m²",
            ));
        }
        if let Some(n) = self.tmz_concomitant_days
            && !(1..=MAX_CONCOMITANT_DAYS.min(self.adjuvant_start_day())).contains(&n)
        {
            return Err(OncologyError::invalid(
                "tmz_concomitant_days",
                n,
                format!(
                    "1 to {} days (at most {MAX_CONCOMITANT_DAYS}, ending before the \
                     adjuvant cycles start)",
                    MAX_CONCOMITANT_DAYS.min(self.adjuvant_start_day())
                ),
            ));
        }
        if self.tmz_adjuvant_cycles > 24 {
            return Err(OncologyError::invalid(
                "tmz_adjuvant_cycles",
                self.tmz_adjuvant_cycles,
                "0 to 24",
            ));
        }
        Ok(())
    }

    /// Calendar day (from the first fraction) of fraction `i`.
    fn fraction_day(i: usize) -> usize {
        7 * (i / 5) + i % 5
    }

    /// Last radiotherapy day (0 for supportive care).
    pub fn rt_end_day(&self) -> usize {
        self.rt_fractions
            .checked_sub(1)
            .map_or(0, Self::fraction_day)
    }

    /// Days of concomitant temozolomide (days `0..n`): the arm's
    /// [`Self::tmz_concomitant_days`], or every day to the last fraction.
    pub fn concomitant_days(&self) -> usize {
        self.tmz_concomitant_days
            .unwrap_or_else(|| self.rt_end_day() + 1)
    }

    /// First day of adjuvant temozolomide: 4 weeks after the last fraction.
    fn adjuvant_start_day(&self) -> usize {
        self.rt_end_day() + 1 + ADJUVANT_GAP_DAYS
    }

    /// Temozolomide dose on `day` that still kills (mg/m²), 0 if none: concomitant
    /// doses and the first [`EFFECTIVE_ADJUVANT_CYCLES`] adjuvant cycles.
    pub fn tmz_dose_on(&self, day: usize) -> f64 {
        if day < self.concomitant_days() {
            return self.tmz_concomitant_mg_m2;
        }
        let start = self.adjuvant_start_day();
        if day < start {
            return 0.0;
        }
        let (cycle, in_cycle) = ((day - start) / 28, (day - start) % 28);
        if cycle < self.tmz_adjuvant_cycles.min(EFFECTIVE_ADJUVANT_CYCLES) && in_cycle < 5 {
            if cycle == 0 { 150.0 } else { 200.0 }
        } else {
            0.0
        }
    }
}

/// Numerical and scheduling options of a course.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CourseOptions {
    /// Days from surgery to the first fraction (Stupp 2005: within 6 weeks).
    pub rt_start_after_surgery_days: usize,
    /// Days between scans after the first post-radiotherapy scan (Stupp 2005: 3 months).
    pub scan_every_days: usize,
    /// Half-width of the visit window, days: a patient's scans fall
    /// `scan_offset × scan_window_days` from schedule (assumption: ± 2 weeks; trial
    /// visits are not on the day, and on a fixed grid every median is a scan day).
    pub scan_window_days: usize,
    /// Follow-up, years.
    pub follow_up_years: f64,
    /// Shell width of the radial grid, mm.
    pub dr_mm: f64,
    /// Outer radius of the radial grid, mm.
    pub outer_radius_mm: f64,
}

impl Default for CourseOptions {
    fn default() -> Self {
        Self {
            rt_start_after_surgery_days: 28,
            scan_every_days: 91,
            scan_window_days: 14,
            follow_up_years: 5.0,
            dr_mm: 0.5,
            outer_radius_mm: 80.0,
        }
    }
}

impl CourseOptions {
    /// Check ranges: surgery-to-radiotherapy 0–180 days, scans every 7–365 days, visit
    /// window up to a quarter of the scan interval, follow-up 0.1–20 years, Δr 0.05–5 mm, outer radius 20–200 mm.
    pub fn validate(&self) -> Result<()> {
        let check = crate::error::check_in_range;
        check(
            "rt_start_after_surgery_days",
            self.rt_start_after_surgery_days as f64,
            0.0,
            180.0,
        )?;
        check("scan_every_days", self.scan_every_days as f64, 7.0, 365.0)?;
        check(
            "scan_window_days",
            self.scan_window_days as f64,
            0.0,
            0.25 * self.scan_every_days as f64,
        )?;
        check("follow_up_years", self.follow_up_years, 0.1, 20.0)?;
        check("dr_mm", self.dr_mm, 0.05, 5.0)?;
        check("outer_radius_mm", self.outer_radius_mm, 20.0, 200.0)
    }
}

/// Outcome of one course (days from the first fraction).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Course {
    /// Progression-free survival as the trial records it, days: the first progression
    /// scan, recorded pseudoprogression or death; follow-up if none.
    pub pfs_days: f64,
    /// Progression (true or pseudo) or death observed before the end of follow-up.
    pub pfs_event: bool,
    /// Overall survival, days (follow-up if alive).
    pub os_days: f64,
    /// Died before the end of follow-up.
    pub died: bool,
    /// Day of the scan that showed the tumour growing (true progression), if any.
    #[serde(default)]
    pub progression_scan_day: Option<f64>,
    /// The first post-radiotherapy scan recorded a pseudoprogression as progression.
    #[serde(default)]
    pub pseudoprogression_recorded: bool,
}

impl Course {
    /// True progression was seen on a scan (before death).
    pub fn progression_seen(&self) -> bool {
        self.progression_scan_day.is_some()
    }
}

fn sphere_radius_mm(volume_cm3: f64) -> f64 {
    (3.0 * volume_cm3 * 1000.0 / (4.0 * std::f64::consts::PI)).cbrt()
}

/// Simulate one patient in one arm (one-day steps).
pub fn simulate_course(
    p: &VirtualGbmPatient,
    arm: &GbmArm,
    pop: &GbmPopulation,
    opts: &CourseOptions,
) -> Result<Course> {
    arm.validate()?;
    opts.validate()?;
    pop.validate()?;
    let alpha_beta_gy = pop.alpha_beta_gy;
    // second-line therapy is mostly alkylating (lomustine, temozolomide rechallenge):
    // the same MGMT factor as temozolomide
    let salvage_log_kill = pop.salvage_log_kill_per_cycle * pop.tmz_mgmt_factor(p.mgmt_methylated);
    let n = (opts.outer_radius_mm / opts.dr_mm).round() as usize;
    let mut tumour = RadialTumour::new(n, opts.dr_mm)?;
    let (d, rho) = (p.diffusion_mm2_per_day, p.rho_per_day);
    tumour.set_front(sphere_radius_mm(p.preop_volume_cm3), T1GD_THRESHOLD, d, rho);
    if p.extent_of_resection > 0.0 {
        tumour.resect(sphere_radius_mm(p.extent_of_resection * p.preop_volume_cm3));
    }
    for _ in 0..opts.rt_start_after_surgery_days {
        tumour.step(d, rho, 1.0);
    }
    let lethal_mm3 = p.lethal_volume_cm3 * 1000.0;
    let t1 = |t: &RadialTumour| t.volume_above_mm3(T1GD_THRESHOLD);
    let mut nadir_mm3 = t1(&tumour);
    let beta = p.alpha_per_gy / alpha_beta_gy;
    let sf_rt = (-p.alpha_per_gy * arm.rt_dose_per_fraction_gy
        - beta * arm.rt_dose_per_fraction_gy * arm.rt_dose_per_fraction_gy)
        .exp();
    let fraction_days: Vec<usize> = (0..arm.rt_fractions).map(GbmArm::fraction_day).collect();
    // the visit window shifts every scan of the patient; the first stays after radiotherapy
    let offset = (p.scan_offset.clamp(-1.0, 1.0) * opts.scan_window_days as f64).round() as i64;
    let rt_end = arm.rt_end_day() as i64;
    let first_scan = (rt_end + 28 + offset).max(rt_end + 1) as usize;
    let last_day = (opts.follow_up_years * 365.25).round() as usize;
    let mut progressed: Option<usize> = None;
    let mut pseudo_scan: Option<usize> = None;
    // pseudoprogression is a treatment effect: none without radiotherapy
    let pseudo_probability = if arm.rt_fractions == 0 {
        0.0
    } else {
        pop.recorded_pseudoprogression_probability(
            arm.tmz_concomitant_mg_m2 > 0.0,
            p.mgmt_methylated,
        )
    };
    let recorded_pfs = |progressed: Option<usize>, pseudo: Option<usize>| {
        progressed.into_iter().chain(pseudo).min().map(|d| d as f64)
    };
    for day in 0..=last_day {
        if fraction_days.binary_search(&day).is_ok() {
            tumour.kill(sf_rt);
        }
        match progressed {
            None => {
                let dose = arm.tmz_dose_on(day);
                if dose > 0.0 {
                    tumour.kill((-p.tmz_log_kill_per_mg_m2 * dose).exp());
                }
            }
            Some(scan) if p.salvage && arm.salvage_at_progression && day > scan => {
                let since = day - scan - 1;
                if since.is_multiple_of(SALVAGE_CYCLE_DAYS)
                    && since / SALVAGE_CYCLE_DAYS < SALVAGE_CYCLES
                {
                    tumour.kill((-salvage_log_kill).exp());
                }
            }
            Some(_) => {}
        }
        tumour.step(d, rho, 1.0);
        let v = t1(&tumour);
        if v >= lethal_mm3 {
            let t = day as f64 + 1.0;
            return Ok(Course {
                pfs_days: recorded_pfs(progressed, pseudo_scan).unwrap_or(t),
                pfs_event: true,
                os_days: t,
                died: true,
                progression_scan_day: progressed.map(|s| s as f64),
                pseudoprogression_recorded: pseudo_scan.is_some(),
            });
        }
        if progressed.is_none()
            && day >= first_scan
            && (day - first_scan).is_multiple_of(opts.scan_every_days)
        {
            if v >= PROGRESSION_VOLUME_RATIO * nadir_mm3 && v >= MEASURABLE_VOLUME_CM3 * 1000.0 {
                progressed = Some(day);
            } else {
                if day == first_scan && p.pseudoprogression_quantile < pseudo_probability {
                    pseudo_scan = Some(day);
                }
                nadir_mm3 = nadir_mm3.min(v);
            }
        }
    }
    let end = last_day as f64 + 1.0;
    let pfs = recorded_pfs(progressed, pseudo_scan);
    Ok(Course {
        pfs_days: pfs.unwrap_or(end),
        pfs_event: pfs.is_some(),
        os_days: end,
        died: false,
        progression_scan_day: progressed.map(|s| s as f64),
        pseudoprogression_recorded: pseudo_scan.is_some(),
    })
}
