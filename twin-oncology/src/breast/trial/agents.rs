//! The agents of metastatic breast cancer care the trial twin knows, what each
//! needs from the tumour to act, and its reference dose intensity.

use serde::{Deserialize, Serialize};

/// A drug (or drug class where the trials used class members interchangeably).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Agent {
    /// Paclitaxel (taxane).
    Paclitaxel,
    /// Docetaxel (taxane).
    Docetaxel,
    /// Bevacizumab (anti-VEGF antibody).
    Bevacizumab,
    /// Trastuzumab (anti-HER2 antibody).
    Trastuzumab,
    /// Pertuzumab (anti-HER2 dimerisation antibody).
    Pertuzumab,
    /// Aromatase inhibitor (letrozole, anastrozole).
    AromataseInhibitor,
    /// Fulvestrant 500 mg (selective oestrogen-receptor degrader).
    Fulvestrant,
    /// CDK4/6 inhibitor (palbociclib, ribociclib, abemaciclib) with endocrine therapy.
    Cdk46Inhibitor,
    /// Alpelisib (PI3Kα inhibitor).
    Alpelisib,
    /// Capecitabine (oral fluoropyrimidine; also stands for physician's-choice
    /// single-agent chemotherapy in the PARP and ADC trials).
    Capecitabine,
    /// Olaparib (PARP inhibitor).
    Olaparib,
    /// Sacituzumab govitecan (anti-TROP2 antibody–drug conjugate).
    SacituzumabGovitecan,
    /// Trastuzumab deruxtecan 5.4 mg/kg every 3 weeks (anti-HER2 antibody–drug
    /// conjugate with a membrane-permeable topoisomerase-I payload, active on
    /// HER2-low tumours).
    TrastuzumabDeruxtecan,
    /// Trastuzumab emtansine 3.6 mg/kg every 3 weeks (anti-HER2 antibody–drug
    /// conjugate with a microtubule-inhibitor payload; HER2-positive tumours).
    TrastuzumabEmtansine,
}

/// Every agent, in a fixed order (index of per-patient sensitivities). New agents
/// go at the end: virtual cohorts draw the sensitivities of the last
/// [`LATE_AGENTS`] from random streams of their own ([`LATE_AGENT_STREAMS`]), so
/// adding one leaves earlier trials' cohorts unchanged.
pub const AGENTS: [Agent; 14] = [
    Agent::Paclitaxel,
    Agent::Docetaxel,
    Agent::Bevacizumab,
    Agent::Trastuzumab,
    Agent::Pertuzumab,
    Agent::AromataseInhibitor,
    Agent::Fulvestrant,
    Agent::Cdk46Inhibitor,
    Agent::Alpelisib,
    Agent::Capecitabine,
    Agent::Olaparib,
    Agent::SacituzumabGovitecan,
    Agent::TrastuzumabDeruxtecan,
    Agent::TrastuzumabEmtansine,
];

/// ChaCha8 stream of each agent at the end of [`AGENTS`] added after the first
/// fitted release, in order: trastuzumab deruxtecan shares stream 1 with the
/// HER2-low draw; trastuzumab emtansine has stream 3 (stream
/// [`super::cohort::ENDOCRINE_RESISTANCE_STREAM`] is the endocrine resistance deviate).
pub const LATE_AGENT_STREAMS: [u64; 2] = [1, 3];

/// Agents at the end of [`AGENTS`] whose per-patient sensitivities come from
/// [`LATE_AGENT_STREAMS`].
pub const LATE_AGENTS: usize = LATE_AGENT_STREAMS.len();

/// The tumour's biology and treatment history, as far as the agents care
/// (`Default`: every marker negative or unknown, no endocrine progression).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Biomarkers {
    /// Hormone-receptor (ER and/or PR) positive.
    pub hr_positive: bool,
    /// HER2 positive (IHC 3+ or ISH amplified).
    pub her2_positive: bool,
    /// Activating PIK3CA mutation in the tumour.
    pub pik3ca_mutant: bool,
    /// Progressed on (or within 12 months of adjuvant) endocrine therapy.
    pub prior_endocrine_progression: bool,
    /// Germline BRCA1/2 pathogenic variant.
    #[serde(default)]
    pub germline_brca: bool,
    /// ESR1 mutation in the tumour (or circulating tumour DNA).
    #[serde(default)]
    pub esr1_mutant: bool,
    /// HER2-low: IHC 1+, or IHC 2+ with a negative ISH (never together with
    /// `her2_positive`).
    #[serde(default)]
    pub her2_low: bool,
    /// Molecular subtype of a triple-negative tumour (TNBCtype-4), when profiled.
    #[serde(default)]
    pub tnbc_subtype: Option<TnbcSubtype>,
    /// Ki-67 labelling index of the tumour, % (0–100), when measured; its group
    /// ([`Ki67Group`]) scales endocrine agents' kill.
    #[serde(default)]
    pub ki67_percent: Option<f64>,
}

/// Ki-67 groups of Delpech et al. 2012 (Breast Cancer Res Treat 135:619; 241 ER+
/// metastatic patients on first-line endocrine therapy): their endocrine benefit
/// differs (see [`super::Efficacy::ki67_endocrine_multiplier`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Ki67Group {
    /// Ki-67 below 10 %.
    Low,
    /// Ki-67 10–25 %.
    Intermediate,
    /// Ki-67 above 25 %.
    High,
}

impl Ki67Group {
    /// Every group, in the order of the efficacy table.
    pub const ALL: [Ki67Group; 3] = [Ki67Group::Low, Ki67Group::Intermediate, Ki67Group::High];

    /// Index in [`Ki67Group::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The group of a Ki-67 index, % (error outside 0–100 or not finite).
    pub fn of_percent(ki67_percent: f64) -> crate::error::Result<Self> {
        crate::error::check_in_range("ki67_percent", ki67_percent, 0.0, 100.0)?;
        Ok(if ki67_percent < 10.0 {
            Self::Low
        } else if ki67_percent <= 25.0 {
            Self::Intermediate
        } else {
            Self::High
        })
    }
}

/// Triple-negative molecular subtypes of TNBCtype-4 (Lehmann et al. 2016, PLoS One
/// 11:e0157368): their chemotherapy sensitivity differs (see
/// [`super::Efficacy::tnbc_subtype_chemo_multiplier`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TnbcSubtype {
    /// Basal-like 1 (cell cycle and DNA damage response genes).
    #[serde(rename = "BL1")]
    BasalLike1,
    /// Basal-like 2 (growth-factor signalling).
    #[serde(rename = "BL2")]
    BasalLike2,
    /// Mesenchymal.
    #[serde(rename = "M")]
    Mesenchymal,
    /// Luminal androgen receptor.
    #[serde(rename = "LAR")]
    LuminalAndrogenReceptor,
}

impl TnbcSubtype {
    /// Every subtype, in the order of the efficacy table.
    pub const ALL: [TnbcSubtype; 4] = [
        TnbcSubtype::BasalLike1,
        TnbcSubtype::BasalLike2,
        TnbcSubtype::Mesenchymal,
        TnbcSubtype::LuminalAndrogenReceptor,
    ];

    /// Index in [`TnbcSubtype::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// Error unless `subtype`, when given, is on a triple-negative tumour (not
    /// hormone-receptor- or HER2-positive); `field` names it in the error.
    pub fn check_triple_negative(
        subtype: Option<Self>,
        field: &str,
        hormone_receptor_positive: bool,
        her2_positive: bool,
    ) -> crate::error::Result<()> {
        match subtype {
            Some(s) if hormone_receptor_positive || her2_positive => {
                Err(crate::error::OncologyError::invalid(
                    field,
                    format!("{s:?} with HR+ {hormone_receptor_positive} / HER2+ {her2_positive}"),
                    "a triple-negative tumour (HR- and HER2-)",
                ))
            }
            _ => Ok(()),
        }
    }

    /// The subtype of a record's label ("BL1", "BL2", "M", "LAR"; case-insensitive).
    pub fn from_label(label: &str) -> crate::error::Result<Self> {
        match label.trim().to_ascii_uppercase().as_str() {
            "BL1" => Ok(Self::BasalLike1),
            "BL2" => Ok(Self::BasalLike2),
            "M" => Ok(Self::Mesenchymal),
            "LAR" => Ok(Self::LuminalAndrogenReceptor),
            _ => Err(crate::error::OncologyError::invalid(
                "tnbc_subtype",
                label,
                "one of BL1, BL2, M, LAR (TNBCtype-4)",
            )),
        }
    }
}

impl Agent {
    /// Index in [`AGENTS`].
    pub fn index(self) -> usize {
        AGENTS.iter().position(|&a| a == self).unwrap_or(0)
    }

    /// Whether the agent acts on a tumour with these biomarkers — the
    /// biomarker shifts, each from the trial that established it:
    /// anti-HER2 antibodies need HER2 (Slamon 2001, NEJM 344:783); endocrine
    /// agents and CDK4/6 inhibitors need hormone receptors (their trials enrolled
    /// HR+ only); alpelisib needs a PIK3CA mutation (SOLAR-1's two cohorts,
    /// André 2019, NEJM 380:1929: no significant benefit without one); olaparib
    /// needs a germline BRCA variant (OlympiAD enrolled carriers only, Robson 2017,
    /// NEJM 377:523); sacituzumab's target TROP2 is expressed in nearly all breast
    /// cancers (ASCENT did not select on it, Bardia 2021, NEJM 384:1529);
    /// trastuzumab deruxtecan needs HER2 expression, positive or low
    /// (DESTINY-Breast04 enrolled HER2-low only, Modi 2022, NEJM 387:9; its activity
    /// on IHC 0 tumours is not modelled).
    pub fn acts_on(self, b: &Biomarkers) -> bool {
        match self {
            Agent::TrastuzumabDeruxtecan => b.her2_positive || b.her2_low,
            Agent::Trastuzumab | Agent::Pertuzumab | Agent::TrastuzumabEmtansine => b.her2_positive,
            Agent::AromataseInhibitor | Agent::Fulvestrant | Agent::Cdk46Inhibitor => b.hr_positive,
            Agent::Alpelisib => b.pik3ca_mutant && b.hr_positive,
            Agent::Olaparib => b.germline_brca,
            Agent::Paclitaxel
            | Agent::Docetaxel
            | Agent::Bevacizumab
            | Agent::Capecitabine
            | Agent::SacituzumabGovitecan => true,
        }
    }

    /// Whether prior progression on endocrine therapy can leave the tumour
    /// resistant to the agent (cross-resistance; the resistant share is fitted,
    /// see [`super::Efficacy`]).
    pub fn endocrine(self) -> bool {
        matches!(self, Agent::AromataseInhibitor | Agent::Fulvestrant)
    }

    /// Agents of the oestrogen-receptor axis (endocrine therapy and the oral
    /// targeted agents given with it: CDK4/6 and PI3Kα inhibitors), whose patient
    /// sensitivity has its own between-patient spread
    /// ([`super::Efficacy::endocrine_axis_sensitivity_omega`]).
    pub fn endocrine_axis(self) -> bool {
        matches!(
            self,
            Agent::AromataseInhibitor
                | Agent::Fulvestrant
                | Agent::Cdk46Inhibitor
                | Agent::Alpelisib
        )
    }

    /// Classic cytotoxic chemotherapy, whose activity falls with each earlier
    /// line of chemotherapy for metastatic disease (the factor is fitted, see
    /// [`super::Efficacy`]).
    pub fn cytotoxic(self) -> bool {
        matches!(
            self,
            Agent::Paclitaxel | Agent::Docetaxel | Agent::Capecitabine
        )
    }

    /// Whether an ESR1 mutation abolishes the agent's effect: a ligand-binding-domain
    /// mutation makes the receptor active without oestrogen, so oestrogen
    /// deprivation by an aromatase inhibitor no longer acts (Toy 2013, Nat Genet
    /// 45:1439); PADA-1 (Bidard 2022, Lancet Oncol 23:1367): switching AI to
    /// fulvestrant on an ESR1 mutation doubled PFS.
    pub fn weakened_by_esr1(self) -> bool {
        self == Agent::AromataseInhibitor
    }

    /// Reference dose intensity of a cytotoxic agent, mg/m² per week (the
    /// effect scales linearly with dose intensity, as the Claret model's
    /// exposure-driven kill does); `None` for agents given at one fixed dose.
    pub fn reference_dose_mg_per_m2_per_week(self) -> Option<f64> {
        match self {
            Agent::Paclitaxel => Some(80.0),       // 80 mg/m² weekly
            Agent::Docetaxel => Some(100.0 / 3.0), // 100 mg/m² every 3 weeks
            // 1250 mg/m² twice daily, days 1–14 every 3 weeks
            Agent::Capecitabine => Some(2500.0 * 14.0 / 3.0),
            _ => None,
        }
    }
}

/// One agent of an arm, with its dose intensity for cytotoxic agents.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Therapy {
    /// The agent.
    pub agent: Agent,
    /// Dose intensity, mg/m² per week (cytotoxic agents only).
    #[serde(default)]
    pub dose_mg_per_m2_per_week: Option<f64>,
}

impl Therapy {
    /// Dose intensity relative to the agent's reference (1 for fixed-dose agents).
    pub fn dose_ratio(&self) -> crate::error::Result<f64> {
        match (
            self.agent.reference_dose_mg_per_m2_per_week(),
            self.dose_mg_per_m2_per_week,
        ) {
            (Some(r), Some(d)) => {
                crate::error::check_in_range("dose_mg_per_m2_per_week", d, 1e-3, 10.0 * r)?;
                Ok(d / r)
            }
            (Some(_), None) => Err(crate::error::OncologyError::invalid(
                "dose_mg_per_m2_per_week",
                format!("missing for {:?}", self.agent),
                "the dose intensity of a cytotoxic agent",
            )),
            (None, _) => Ok(1.0),
        }
    }
}
