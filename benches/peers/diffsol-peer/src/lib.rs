//! Bench-only crate: compares twin-core's Rodas4 with diffsol's BDF (diffsol 0.18,
//! nalgebra backend, closures with analytic Jacobian–vector products) on Robertson,
//! Van der Pol (μ = 1000) and HIRES at the same tolerances. See `benches/diffsol_bdf.rs`.
#![forbid(unsafe_code)]
