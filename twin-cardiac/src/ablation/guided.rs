//! Iterative twin-guided ablation in the spirit of OPTIMA (Boyle et al. 2019,
//! Nat Biomed Eng 3:870): test inducibility after a base lesion set; while AF
//! is still inducible, ablate where the induced re-entries anchor (the most
//! visited re-entry cells, see [`super::inducibility::reentry_cells`]), then
//! test again.

use serde::{Deserialize, Serialize};

use super::inducibility::{InducibilityProtocol, InducibilityResult, inducibility};
use super::lesion::{LesionOptions, ablated_measure_cm};
use super::strategy::{Strategy, lesion_set, rotor_targets};
use crate::cell::CellModel;
use crate::error::{CardiacError, Result};
use crate::geometry::AtrialSheet;

/// Settings of the guided search.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GuideOptions {
    /// Maximum number of target rounds after the base strategy.
    pub max_rounds: usize,
    /// New targets per round.
    pub targets_per_round: usize,
    /// Minimum distance (mm) between targets.
    pub min_separation_mm: f64,
}

impl Default for GuideOptions {
    fn default() -> Self {
        Self {
            max_rounds: 3,
            targets_per_round: 1,
            min_separation_mm: 8.0,
        }
    }
}

/// One tested lesion set of a guided search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GuidedRound {
    /// Strategy tested in this round.
    pub strategy: Strategy,
    /// Ablated area (cm²).
    pub ablated_area_cm2: f64,
    /// Its inducibility.
    pub result: InducibilityResult,
}

/// All rounds of a guided search; the last is the final strategy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GuidedAblation {
    /// Rounds in order (round 0 = base strategy).
    pub rounds: Vec<GuidedRound>,
}

impl GuidedAblation {
    /// The final round.
    pub fn last(&self) -> &GuidedRound {
        self.rounds.last().expect("at least the base round")
    }
}

/// Guided ablation on `sheet` starting from `base`: stops when AF is no
/// longer inducible, when no new target is found, or after `guide.max_rounds`.
pub fn guided_ablation<M: CellModel + Clone>(
    sheet: &AtrialSheet,
    models: &[M],
    base: Strategy,
    opts: &LesionOptions,
    protocol: &InducibilityProtocol,
    guide: &GuideOptions,
) -> Result<GuidedAblation> {
    if guide.targets_per_round == 0 {
        return Err(CardiacError::invalid("targets_per_round", 0, ">= 1"));
    }
    let mut targets: Vec<[f64; 2]> = Vec::new();
    let mut rounds = Vec::new();
    loop {
        let strategy = if targets.is_empty() {
            base.clone()
        } else {
            Strategy::Targeted {
                base: Box::new(base.clone()),
                targets_mm: targets.clone(),
            }
        };
        let lesions = lesion_set(sheet, &strategy, opts)?;
        let result = inducibility(&sheet.substrate, models, &lesions, protocol)?;
        let new = rotor_targets(
            &result.reentry_positions_mm,
            protocol.reentry_cell_mm,
            guide.targets_per_round,
            guide.min_separation_mm,
            &targets,
        );
        let done =
            result.inducible_fraction == 0.0 || new.is_empty() || rounds.len() == guide.max_rounds;
        rounds.push(GuidedRound {
            strategy,
            ablated_area_cm2: ablated_measure_cm(&sheet.substrate, &lesions),
            result,
        });
        if done {
            return Ok(GuidedAblation { rounds });
        }
        targets.extend(new);
    }
}
