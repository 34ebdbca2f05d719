//! KDIGO 2012 CKD classification (KDIGO 2012 Clinical Practice Guideline, Kidney Int
//! Suppl 3:1, Figure 2): GFR categories G1–G5 and albuminuria categories A1–A3.

use serde::{Deserialize, Serialize};

/// KDIGO GFR category (eGFR in mL/min/1.73 m²).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum GStage {
    /// ≥ 90, normal or high.
    G1,
    /// 60–89, mildly decreased.
    G2,
    /// 45–59, mildly to moderately decreased.
    G3a,
    /// 30–44, moderately to severely decreased.
    G3b,
    /// 15–29, severely decreased.
    G4,
    /// < 15, kidney failure.
    G5,
}

impl GStage {
    /// All stages in order.
    pub const ALL: [GStage; 6] = [
        GStage::G1,
        GStage::G2,
        GStage::G3a,
        GStage::G3b,
        GStage::G4,
        GStage::G5,
    ];

    /// Category of an eGFR value (mL/min/1.73 m²). Thresholds are the published
    /// lower bounds 90, 60, 45, 30, 15.
    pub fn from_egfr(egfr: f64) -> GStage {
        if egfr >= 90.0 {
            GStage::G1
        } else if egfr >= 60.0 {
            GStage::G2
        } else if egfr >= 45.0 {
            GStage::G3a
        } else if egfr >= 30.0 {
            GStage::G3b
        } else if egfr >= 15.0 {
            GStage::G4
        } else {
            GStage::G5
        }
    }

    /// Label such as `"G3a"`.
    pub fn label(self) -> &'static str {
        match self {
            GStage::G1 => "G1",
            GStage::G2 => "G2",
            GStage::G3a => "G3a",
            GStage::G3b => "G3b",
            GStage::G4 => "G4",
            GStage::G5 => "G5",
        }
    }
}

/// KDIGO albuminuria category (urine albumin-to-creatinine ratio in mg/g).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum AStage {
    /// < 30 mg/g, normal to mildly increased.
    A1,
    /// 30–300 mg/g, moderately increased.
    A2,
    /// > 300 mg/g, severely increased.
    A3,
}

impl AStage {
    /// Category of a UACR value in mg/g.
    pub fn from_uacr_mg_g(uacr_mg_g: f64) -> AStage {
        if uacr_mg_g < 30.0 {
            AStage::A1
        } else if uacr_mg_g <= 300.0 {
            AStage::A2
        } else {
            AStage::A3
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_follow_kdigo_2012() {
        assert_eq!(GStage::from_egfr(90.0), GStage::G1);
        assert_eq!(GStage::from_egfr(89.99), GStage::G2);
        assert_eq!(GStage::from_egfr(45.0), GStage::G3a);
        assert_eq!(GStage::from_egfr(44.9), GStage::G3b);
        assert_eq!(GStage::from_egfr(15.0), GStage::G4);
        assert_eq!(GStage::from_egfr(14.9), GStage::G5);
        assert_eq!(AStage::from_uacr_mg_g(29.9), AStage::A1);
        assert_eq!(AStage::from_uacr_mg_g(300.0), AStage::A2);
        assert_eq!(AStage::from_uacr_mg_g(300.1), AStage::A3);
    }
}
