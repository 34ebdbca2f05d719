//! Community benchmarks for the glioma twin: PREDICT-GBM (Zimmer et al. 2025), its
//! radiotherapy-plan metric, data layout, and the single-scan twin it calls for.

mod plan_coverage;
mod predict_gbm;
mod recurrence_study;
mod single_scan;

pub use plan_coverage::{
    PlanCoverage, STANDARD_MARGIN_MM, compare_plans, coverage, model_plan, standard_plan,
};
pub use predict_gbm::{PredictGbmPatient, read_patient, write_labels, write_probability};
pub use recurrence_study::{
    MeanCi, RecurrenceCase, RecurrenceOptions, RecurrencePatient, RecurrenceStudy, evaluate_case,
    run_recurrence_study, simulate_recurrence, study_case,
};
pub use single_scan::{SingleScanFit, SingleScanOptions, single_scan_density};
