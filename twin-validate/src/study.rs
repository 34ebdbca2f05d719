//! One runner for every in-silico study: draw each virtual patient from a
//! [`VirtualCohort`], score it (simulate the truth, run the twin and the
//! baselines), in parallel, in patient order.
//!
//! As argmin's `Executor` drives every `Solver`, [`run_study`] drives every
//! cohort: the cohort says how a patient is drawn, the closure what is measured
//! on it; the runner owns the parallelism and the reproducibility (patient `i`
//! depends only on `(seed, i)`, so results are identical for any thread count
//! and any study size).

use rayon::prelude::*;
pub use twin_core::cohort::VirtualCohort;

/// Draw patients `0..n` of `cohort` with `seed` and score each with
/// `score(index, patient)`, in parallel; results in patient order. The first
/// failure (lowest index) is returned: a study never drops a patient silently.
pub fn run_study<C, S, E, F>(cohort: &C, seed: u64, n: u64, score: F) -> Result<Vec<S>, E>
where
    C: VirtualCohort,
    E: From<C::Error> + Send,
    S: Send,
    F: Fn(u64, C::Patient) -> Result<S, E> + Sync,
{
    // Collected per patient first so the reported failure is the lowest index,
    // whatever the thread schedule.
    let results: Vec<Result<S, E>> = (0..n)
        .into_par_iter()
        .map(|i| score(i, cohort.draw(seed, i)?))
        .collect();
    results.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;
    use twin_core::cohort::patient_rng;

    /// Exponential survival times with a uniform hazard per patient.
    struct Toy;
    impl VirtualCohort for Toy {
        type Patient = (f64, f64);
        type Error = String;
        fn draw(&self, seed: u64, index: u64) -> Result<(f64, f64), String> {
            let mut rng = patient_rng(seed, index);
            let hazard = rng.random_range(0.5..2.0);
            let u: f64 = rng.random();
            Ok((hazard, -(1.0 - u).ln() / hazard))
        }
    }

    #[test]
    fn identical_for_any_thread_count_and_study_size() {
        let score = |_: u64, (h, t): (f64, f64)| Ok::<f64, String>(h * t);
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let a = one.install(|| run_study(&Toy, 7, 500, score)).unwrap();
        let b = run_study(&Toy, 7, 500, score).unwrap();
        let c = run_study(&Toy, 7, 200, score).unwrap();
        assert_eq!(a, b);
        assert_eq!(&a[..200], &c[..]);
        // h·t is a unit exponential whatever the hazard: mean 1 (SE 1/√500 ≈ 0.045).
        let mean = a.iter().sum::<f64>() / a.len() as f64;
        assert!((mean - 1.0).abs() < 0.15, "{mean}");
    }

    #[test]
    fn the_first_failing_patient_is_reported() {
        let r = run_study(&Toy, 7, 50, |i, _| {
            if i % 10 == 3 {
                Err(format!("patient {i}"))
            } else {
                Ok(i)
            }
        });
        assert_eq!(r.unwrap_err(), "patient 3");
    }
}
