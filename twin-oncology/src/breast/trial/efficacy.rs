//! The population layer of the metastatic trial twin: tumour growth and
//! resistance distributions, each agent's kill rate at its reference dose, and
//! the endocrine-resistant share — one place, each value with its source.

use super::agents::{AGENTS, Agent};
use crate::error::{OncologyError, Result};
use serde::{Deserialize, Serialize};

/// Population parameters (log-normal between-patient variability: median × e^{ω z}).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Efficacy {
    /// Median net growth rate KL, 1/day (fitted jointly with paclitaxel to E2100's
    /// control arm: median PFS and response rate).
    pub kl_median_per_day: f64,
    /// Between-patient log-SD of KL (0.8, the breast twin's prior; assumed).
    pub kl_omega: f64,
    /// Multiplier of KL for HER2-positive tumours (HER2 amplification carries a
    /// worse prognosis without anti-HER2 therapy, Slamon 1987 Science 235:177;
    /// fitted to M77001's docetaxel arm).
    pub her2_growth_multiplier: f64,
    /// Median resistance rate λ, 1/day (Claret 2014 typical 0.0193).
    pub lambda_median_per_day: f64,
    /// Median resistance rate of the oestrogen-receptor axis's agents
    /// ([`Agent::endocrine_axis`]), 1/day, fitted jointly with the aromatase
    /// inhibitor's kill: for each λ the kill reproduces FALCON's anastrozole median
    /// PFS (13.8 months), and λ makes MONALEESA-2's letrozole arm respond at its rate in
    /// measurable disease (37.1 %, Hortobagyi 2016 NEJM 375:1738). With the
    /// chemotherapy λ every tumour whose endocrine kill outpaced its growth shrank
    /// deeply (first-line response 0.99–1.00 against ~0.4 reported): endocrine
    /// therapy holds tumours stable for long rather than shrinking them fast.
    #[serde(default = "default_axis_lambda")]
    pub endocrine_axis_lambda_median_per_day: f64,
    /// Log-SD of λ (0.6, assumed; the same deviate for both classes).
    pub lambda_omega: f64,
    /// Log-SD of each agent's patient sensitivity, for agents outside the
    /// oestrogen-receptor axis (fitted to AVADO's hazard ratio).
    pub sensitivity_omega: f64,
    /// Log-SD of the patient sensitivity of the oestrogen-receptor-axis agents
    /// ([`Agent::endocrine_axis`]), fitted to MONALEESA-2's hazard ratio. With one
    /// spread for every agent (fitted to AVADO, 1.45) the CDK4/6 trials' hazard
    /// ratios were too weak (MONALEESA-2 0.75, PALOMA-2 0.72) although their medians
    /// were right. MONALEESA-2's HR z is 0.006 at the fitted 1.20, −0.96 at 0.99,
    /// +0.67 at 1.30 and −2.9 at 0.22. (With the aromatase inhibitor fitted to
    /// MONALEESA-2's letrozole arm instead of FALCON's, the fit gave 0.12.)
    #[serde(default = "default_endocrine_axis_omega")]
    pub endocrine_axis_sensitivity_omega: f64,
    /// Log-SD of the baseline sum of diameters around the trial's median (0.5, assumed).
    pub baseline_omega: f64,
    /// Kill rate of each agent at its reference dose intensity, 1/day, with the
    /// arm it was fitted to. Pertuzumab has none: it takes trastuzumab's value
    /// (assumption: the two antibodies block HER2 signalling equally).
    pub kill_per_day: Vec<AgentEffect>,
    /// Share of tumours that are endocrine-resistant after progression on
    /// endocrine therapy (fitted to PALOMA-3's fulvestrant arm). Acquired
    /// resistance is heterogeneous — ESR1 mutations, ER loss and growth-factor
    /// bypass in some tumours, continued ER dependence in others (Hanker 2020,
    /// Cancer Cell 37:496) — so a resistant tumour loses the endocrine kill and
    /// the rest keep it, rather than every tumour keeping the same fraction.
    pub endocrine_resistant_fraction: f64,
    /// Multiplier of cytotoxic agents' kill per earlier chemotherapy line for
    /// metastatic disease (fitted to OlympiAD's physician's-choice arm).
    #[serde(default = "one")]
    pub chemo_line_factor: f64,
    /// Multiplier of cytotoxic agents' kill for each triple-negative subtype (order
    /// of [`super::agents::TnbcSubtype::ALL`]; 1 when the subtype is unknown). Each is set so that
    /// the odds ratio of objective response to docetaxel, subtype vs all
    /// triple-negative tumours, equals the odds ratio of pathological complete
    /// response in Echavarria et al. 2018 (Clin Cancer Res 24:1845; neoadjuvant
    /// docetaxel + carboplatin, 94 patients: BL1 21/32, BL2 9/19, M 8/22, LAR 3/14,
    /// all 44.7 %). Bridging assumption: the subtypes' relative chemosensitivity
    /// carries over from early-disease pCR to metastatic response, and from that
    /// platinum–taxane regimen to taxanes and capecitabine.
    #[serde(default = "ones")]
    pub tnbc_subtype_chemo_multiplier: [f64; 4],
    /// Multiplier of endocrine agents' kill for each Ki-67 group (order of
    /// [`super::agents::Ki67Group::ALL`]; 1 when Ki-67 is unknown). Each is set so that
    /// the median progression time on a first-line aromatase inhibitor, group over
    /// unknown, equals the median time to progression of the group over all patients
    /// in Delpech et al. 2012 ([`ki67_endocrine_median_ratios`]). Bridging assumption:
    /// a retrospective cohort's relative benefit by Ki-67 of the primary tumour carries
    /// over to the trial population, and from first-line endocrine therapy to
    /// fulvestrant. Its clinical-benefit rates are held out (`tests/breast_trial.rs`).
    #[serde(default = "ones")]
    pub ki67_endocrine_multiplier: [f64; 3],
    /// Multiplier of trastuzumab deruxtecan's kill (fitted on HER2-low tumours) in
    /// HER2-positive tumours, fitted to DESTINY-Breast03's trastuzumab deruxtecan arm:
    /// the HER2-low effect alone forecast 7.4 months there against the reported 28.8
    /// (an ADC's payload delivery grows with HER2 expression).
    #[serde(default = "one")]
    pub her2_positive_deruxtecan_multiplier: f64,
    /// Multiplier of the CDK4/6 inhibitor's kill when no endocrine agent of the arm
    /// acts on the tumour (none given, or the tumour is endocrine-resistant), fitted
    /// to MONARCH-1's abemaciclib-alone arm (Dickler 2017, Clin Cancer Res 23:5218:
    /// median PFS 6.0 months after endocrine and chemotherapy). CDK4/6 inhibitors act
    /// through oestrogen-driven cyclin D1; alone they are modest (MONARCH-1 response
    /// 19.7 %). With the axis's slow resistance and no such factor, the
    /// endocrine-resistant tumours of a pretreated cohort were held by the CDK4/6
    /// inhibitor alone for years (PALOMA-3's palbociclib arm 17.7 months vs 11.2).
    #[serde(default = "one")]
    pub cdk46_without_endocrine_multiplier: f64,
}

/// λ before it was split by drug class (Claret 2014 typical).
fn default_axis_lambda() -> f64 {
    0.0193
}

/// The spread before it was split by drug class (one value for every agent).
fn default_endocrine_axis_omega() -> f64 {
    1.454_378_509
}

fn ones<const N: usize>() -> [f64; N] {
    [1.0; N]
}

/// Patients, clinical-benefit rate (CR, PR or stable disease ≥ 24 weeks) and median
/// time to progression (months) of each Ki-67 group (order of
/// [`super::agents::Ki67Group::ALL`]: < 10 %, 10–25 %, > 25 %) on first-line endocrine
/// therapy for ER+ metastatic disease (Delpech et al. 2012, Breast Cancer Res Treat
/// 135:619, abstract: 32 / 103 / 106 patients, 81 / 65 / 55 %, 20.3 / 10.8 / 8.0 months).
pub const DELPECH_2012: ([f64; 3], [f64; 3], [f64; 3]) =
    ([32.0, 103.0, 106.0], [0.81, 0.65, 0.55], [20.3, 10.8, 8.0]);

/// Each Ki-67 group's median time to progression over the median of all 241 patients
/// ([`DELPECH_2012`]): the target of [`Efficacy::ki67_endocrine_multiplier`]. The pooled
/// median is not reported; it is the median of the three groups' survival curves mixed
/// by their sizes, each curve taken as exponential (an assumption): 10.1 months.
pub fn ki67_endocrine_median_ratios() -> [f64; 3] {
    let (n, _, medians) = DELPECH_2012;
    let total: f64 = n.iter().sum();
    let pooled_survival = |t: f64| {
        n.iter()
            .zip(&medians)
            .map(|(n, m)| n / total * (-std::f64::consts::LN_2 * t / m).exp())
            .sum::<f64>()
    };
    // the mixture's median lies between the smallest and largest group median
    let (mut lo, mut hi) = (medians[2], medians[0]);
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if pooled_survival(mid) > 0.5 {
            lo = mid
        } else {
            hi = mid
        }
    }
    medians.map(|m| m / (0.5 * (lo + hi)))
}

/// pCR of each TNBCtype-4 subtype (order of [`super::agents::TnbcSubtype::ALL`]) and of all
/// triple-negative patients after neoadjuvant docetaxel + carboplatin (Echavarria
/// et al. 2018, Clin Cancer Res 24:1845: 21/32, 9/19, 8/22, 3/14; 44.7 % of 94).
pub const ECHAVARRIA_2018_PCR: ([f64; 4], f64) =
    ([21.0 / 32.0, 9.0 / 19.0, 8.0 / 22.0, 3.0 / 14.0], 0.447);

/// Odds ratio of pCR of each subtype against all triple-negative patients
/// ([`ECHAVARRIA_2018_PCR`]): the target of
/// [`Efficacy::tnbc_subtype_chemo_multiplier`].
pub fn tnbc_subtype_response_odds_ratios() -> [f64; 4] {
    let odds = |p: f64| p / (1.0 - p);
    let (subtypes, all) = ECHAVARRIA_2018_PCR;
    subtypes.map(|p| odds(p) / odds(all))
}

fn one() -> f64 {
    1.0
}

/// One agent's kill rate and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentEffect {
    /// The agent.
    pub agent: Agent,
    /// Kill rate at the reference dose intensity, 1/day.
    pub kill_per_day: f64,
    /// The trial arm it was fitted to.
    pub fitted_to: String,
}

impl Efficacy {
    /// Kill rate of `agent` at its reference dose, 1/day.
    pub fn kill(&self, agent: Agent) -> Result<f64> {
        let lookup = if agent == Agent::Pertuzumab {
            Agent::Trastuzumab
        } else {
            agent
        };
        self.kill_per_day
            .iter()
            .find(|e| e.agent == lookup)
            .map(|e| e.kill_per_day)
            .ok_or_else(|| {
                OncologyError::invalid(
                    "agent",
                    format!("{agent:?}"),
                    format!(
                        "an agent with a fitted effect: {:?}",
                        self.kill_per_day
                            .iter()
                            .map(|e| e.agent)
                            .collect::<Vec<_>>()
                    ),
                )
            })
    }

    /// Set (or add) the kill rate of `agent`.
    pub fn set_kill(&mut self, agent: Agent, kill_per_day: f64, fitted_to: &str) {
        match self.kill_per_day.iter_mut().find(|e| e.agent == agent) {
            Some(e) => {
                e.kill_per_day = kill_per_day;
                e.fitted_to = fitted_to.to_string();
            }
            None => self.kill_per_day.push(AgentEffect {
                agent,
                kill_per_day,
                fitted_to: fitted_to.to_string(),
            }),
        }
    }

    /// Check the values: rates and log-SDs finite and > 0 (kills ≥ 0), the
    /// chemotherapy factor in (0, 1], the resistant fraction in [0, 1].
    pub fn validate(&self) -> Result<()> {
        let range = crate::error::check_in_range;
        range("kl_median_per_day", self.kl_median_per_day, 1e-6, 1.0)?;
        range(
            "lambda_median_per_day",
            self.lambda_median_per_day,
            1e-6,
            1.0,
        )?;
        range(
            "endocrine_axis_lambda_median_per_day",
            self.endocrine_axis_lambda_median_per_day,
            1e-6,
            1.0,
        )?;
        range(
            "her2_growth_multiplier",
            self.her2_growth_multiplier,
            0.1,
            10.0,
        )?;
        for (f, v) in [
            ("kl_omega", self.kl_omega),
            ("lambda_omega", self.lambda_omega),
            ("sensitivity_omega", self.sensitivity_omega),
            (
                "endocrine_axis_sensitivity_omega",
                self.endocrine_axis_sensitivity_omega,
            ),
            ("baseline_omega", self.baseline_omega),
        ] {
            range(f, v, 0.0, 3.0)?;
        }
        for e in &self.kill_per_day {
            range("kill_per_day", e.kill_per_day, 0.0, 1.0)?;
        }
        range("chemo_line_factor", self.chemo_line_factor, 1e-3, 1.0)?;
        range(
            "cdk46_without_endocrine_multiplier",
            self.cdk46_without_endocrine_multiplier,
            0.0,
            10.0,
        )?;
        range(
            "her2_positive_deruxtecan_multiplier",
            self.her2_positive_deruxtecan_multiplier,
            1e-3,
            100.0,
        )?;
        for m in self.ki67_endocrine_multiplier {
            range("ki67_endocrine_multiplier", m, 1e-3, 100.0)?;
        }
        for m in self.tnbc_subtype_chemo_multiplier {
            range("tnbc_subtype_chemo_multiplier", m, 1e-3, 100.0)?;
        }
        range(
            "endocrine_resistant_fraction",
            self.endocrine_resistant_fraction,
            0.0,
            1.0,
        )
    }

    /// The values fitted by `cargo run --release --example breast_trial_fit`
    /// (each to the one arm named in `fitted_to`; KL with paclitaxel to E2100's
    /// control median and response rate; the HER2 growth multiplier to M77001's
    /// docetaxel arm; the sensitivity spread to AVADO's hazard ratio and the
    /// oestrogen-receptor axis's spread to MONALEESA-2's; the axis's resistance
    /// rate with the aromatase inhibitor to FALCON's anastrozole median and
    /// MONALEESA-2's letrozole response rate; the CDK4/6 inhibitor's without-endocrine multiplier to MONARCH-1; the
    /// endocrine-resistant share to PALOMA-3's fulvestrant arm; capecitabine to
    /// RIBBON-1's placebo arm; the chemotherapy-line factor to OlympiAD's
    /// physician's-choice arm; olaparib and sacituzumab to OlympiAD's and ASCENT's
    /// experimental arms; trastuzumab deruxtecan to DESTINY-Breast04's HR-positive
    /// cohort's experimental arm; trastuzumab emtansine and trastuzumab deruxtecan's
    /// HER2-positive multiplier to DESTINY-Breast03's two arms; the triple-negative subtypes' multipliers to
    /// Echavarria 2018's pCR odds ratios on [`super::bridge`]'s reference cohort; the
    /// Ki-67 groups' endocrine multipliers to Delpech 2012's median ratios on its
    /// aromatase-inhibitor reference cohort). Not fitted:
    /// λ (Claret 2014 typical), ω of KL and λ and of the baseline (assumed).
    pub fn fitted() -> Self {
        let effect = |agent, kill_per_day, fitted_to: &str| AgentEffect {
            agent,
            kill_per_day,
            fitted_to: fitted_to.to_string(),
        };
        Self {
            kl_median_per_day: 0.003_061_855,
            kl_omega: 0.8,
            her2_growth_multiplier: 1.576_170_638,
            lambda_median_per_day: 0.0193,
            endocrine_axis_lambda_median_per_day: 0.002_073_085,
            lambda_omega: 0.6,
            sensitivity_omega: 1.454_378_509,
            endocrine_axis_sensitivity_omega: 1.198_786_838,
            baseline_omega: 0.5,
            kill_per_day: vec![
                effect(
                    Agent::Paclitaxel,
                    0.005_717_575,
                    "E2100 paclitaxel 90 mg/m2 d1,8,15 q28d",
                ),
                effect(
                    Agent::Docetaxel,
                    0.018_079_378,
                    "AVADO docetaxel 100 mg/m2 q3w",
                ),
                effect(
                    Agent::Trastuzumab,
                    0.023_351_616,
                    "M77001 docetaxel + trastuzumab",
                ),
                effect(
                    Agent::Bevacizumab,
                    0.005_485_264,
                    "AVADO + bevacizumab 15 mg/kg q3w",
                ),
                effect(
                    Agent::AromataseInhibitor,
                    0.003_970_377,
                    "FALCON anastrozole",
                ),
                effect(
                    Agent::Cdk46Inhibitor,
                    0.002_477_537,
                    "MONALEESA-2 letrozole + ribociclib",
                ),
                effect(
                    Agent::Fulvestrant,
                    0.004_789_445,
                    "FALCON fulvestrant 500 mg",
                ),
                effect(
                    Agent::Alpelisib,
                    0.001_116_120,
                    "SOLAR-1 PIK3CA-mutant cohort fulvestrant + alpelisib",
                ),
                effect(
                    Agent::Capecitabine,
                    0.007_564_294,
                    "RIBBON-1 capecitabine cohort capecitabine 1000 mg/m2 bid d1-14 q3w",
                ),
                effect(
                    Agent::Olaparib,
                    0.012_917_069,
                    "OlympiAD olaparib 300 mg bid",
                ),
                effect(
                    Agent::SacituzumabGovitecan,
                    0.006_694_296,
                    "ASCENT sacituzumab govitecan 10 mg/kg d1,8 q3w",
                ),
                effect(
                    Agent::TrastuzumabDeruxtecan,
                    0.030_102_033,
                    "DESTINY-Breast04 HR-positive cohort trastuzumab deruxtecan 5.4 mg/kg q3w",
                ),
                effect(
                    Agent::TrastuzumabEmtansine,
                    0.026_920_267,
                    "DESTINY-Breast03 trastuzumab emtansine 3.6 mg/kg q3w",
                ),
            ],
            endocrine_resistant_fraction: 0.464_437_552,
            chemo_line_factor: 0.218_527_204,
            her2_positive_deruxtecan_multiplier: 4.287_018_594,
            cdk46_without_endocrine_multiplier: 0.738_364_446,
            tnbc_subtype_chemo_multiplier: [
                2.176_214_862,
                1.090_710_417,
                0.711_052_779,
                0.347_514_812,
            ],
            ki67_endocrine_multiplier: [1.951_376_216, 1.052_102_253, 0.832_096_107],
        }
    }
}

/// Number of agents (length of a patient's sensitivity vector).
pub const N_AGENTS: usize = AGENTS.len();
