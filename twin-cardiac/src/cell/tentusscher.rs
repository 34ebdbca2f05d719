//! ten Tusscher–Panfilov 2006 human ventricular myocyte, epicardial variant
//! (Am J Physiol 291:H1088), 19 state variables (V plus 18 in
//! [`TenTusscherState`]). Gates by Rush–Larsen, concentrations and the RyR
//! state by forward Euler with rapid-buffer factors.
//!
//! Constants follow the paper's appendix (epicardial column: g_Ks 0.392,
//! g_to 0.294 nS/pF, s-gate half-activation −20 mV) as encoded in CellML
//! (P. Noble) and Myokit's `tentusscher-2006.mmt`. Used for the Niederer et al.
//! 2011 N-version benchmark, which prescribes this cell model.

use serde::{Deserialize, Serialize};

use super::courtemanche::rush_larsen;
use super::{CellModel, StimulusPulse};

// Physical constants and cell geometry, ten Tusscher & Panfilov 2006, appendix.
const R: f64 = 8.314;
const T: f64 = 310.0;
const F: f64 = 96.485;
const CM_PF: f64 = 185.0;
const VC: f64 = 16404.0;
const VSS: f64 = 54.68;
const VSR: f64 = 1094.0;
const KO: f64 = 5.4;
const NAO: f64 = 140.0;
const CAO: f64 = 2.0;

/// Maximal conductances of the TP06 epicardial cell (nS/pF, pA/pF, mM/ms).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TenTusscher {
    /// g_Na (14.838 nS/pF).
    pub g_na: f64,
    /// g_K1 (5.405 nS/pF).
    pub g_k1: f64,
    /// g_Kr (0.153 nS/pF).
    pub g_kr: f64,
    /// g_Ks, epicardial (0.392 nS/pF).
    pub g_ks: f64,
    /// g_to, epicardial (0.294 nS/pF).
    pub g_to: f64,
    /// g_CaL (0.0398 L/F/s with F in C/mmol; 3.98e-5 cm/ms/µF in the
    /// original code, which uses F in C/mol).
    pub g_cal: f64,
    /// Na⁺/K⁺ pump P_NaK (2.724 pA/pF).
    pub p_nak: f64,
    /// Na⁺/Ca²⁺ exchanger k_NaCa (1000 pA/pF).
    pub k_naca: f64,
}

impl Default for TenTusscher {
    /// ten Tusscher & Panfilov 2006, appendix table, epicardial cell.
    fn default() -> Self {
        Self {
            g_na: 14.838,
            g_k1: 5.405,
            g_kr: 0.153,
            g_ks: 0.392,
            g_to: 0.294,
            g_cal: 0.0398,
            p_nak: 2.724,
            k_naca: 1000.0,
        }
    }
}

/// TP06 state apart from V (gates dimensionless, concentrations mM).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TenTusscherState {
    /// Cytosolic free Ca²⁺.
    pub ca_i: f64,
    /// SR free Ca²⁺.
    pub ca_sr: f64,
    /// Subspace free Ca²⁺.
    pub ca_ss: f64,
    /// Intracellular Na⁺.
    pub na_i: f64,
    /// Intracellular K⁺.
    pub k_i: f64,
    /// I_Na activation.
    pub m: f64,
    /// I_Na fast inactivation.
    pub h: f64,
    /// I_Na slow inactivation.
    pub j: f64,
    /// I_Kr activation.
    pub xr1: f64,
    /// I_Kr inactivation.
    pub xr2: f64,
    /// I_Ks activation.
    pub xs: f64,
    /// I_to activation.
    pub r: f64,
    /// I_to inactivation.
    pub s: f64,
    /// I_CaL activation.
    pub d: f64,
    /// I_CaL voltage inactivation.
    pub f: f64,
    /// I_CaL slow voltage inactivation.
    pub f2: f64,
    /// I_CaL subspace-Ca²⁺ inactivation.
    pub f_cass: f64,
    /// Fraction of closed RyR channels R̄.
    pub r_prime: f64,
}

/// Number of purely voltage-gated gates, in table order: m, h, j, xr1, xr2,
/// xs, r, s, d, f, f2.
const N_VGATES: usize = 11;
/// Column of the first current factor in [`VoltageTerms`].
const CURRENTS: usize = 2 * N_VGATES;
/// Width of [`VoltageTerms`].
pub(crate) const N_TERMS: usize = CURRENTS + 6;

/// Everything a step needs that depends on V and dt alone (and on no
/// conductance): the gates' steady states, their Rush–Larsen decay factors
/// e^{−dt/τ}, and six current factors (I_NaK, the two I_NaCa exponentials, the
/// two GHK factors of I_CaL, I_pK). Tabulated by [`super::TenTusscherLut`].
pub(crate) type VoltageTerms = [f64; N_TERMS];

/// The exact [`VoltageTerms`] at `v` (mV) for steps of `dt` (ms).
pub(crate) fn voltage_terms(v: f64, dt: f64) -> VoltageTerms {
    let frt = F / (R * T);
    let m_inf = 1.0 / (1.0 + ((-56.86 - v) / 9.03).exp()).powi(2);
    let a_m = 1.0 / (1.0 + ((-60.0 - v) / 5.0).exp());
    let b_m = 0.1 / (1.0 + ((v + 35.0) / 5.0).exp()) + 0.1 / (1.0 + ((v - 50.0) / 200.0).exp());
    let tau_m = a_m * b_m;
    let h_inf = 1.0 / (1.0 + ((v + 71.55) / 7.43).exp()).powi(2);
    let (a_h, b_h, a_j, b_j) = if v < -40.0 {
        (
            0.057 * (-(v + 80.0) / 6.8).exp(),
            2.7 * (0.079 * v).exp() + 3.1e5 * (0.3485 * v).exp(),
            (-25428.0 * (0.2444 * v).exp() - 6.948e-6 * (-0.04391 * v).exp()) * (v + 37.78)
                / (1.0 + (0.311 * (v + 79.23)).exp()),
            0.02424 * (-0.01052 * v).exp() / (1.0 + (-0.1378 * (v + 40.14)).exp()),
        )
    } else {
        (
            0.0,
            0.77 / (0.13 * (1.0 + ((v + 10.66) / -11.1).exp())),
            0.0,
            0.6 * (0.057 * v).exp() / (1.0 + (-0.1 * (v + 32.0)).exp()),
        )
    };
    let tau_xr1 =
        450.0 / (1.0 + ((-45.0 - v) / 10.0).exp()) * 6.0 / (1.0 + ((v + 30.0) / 11.5).exp());
    let tau_xr2 =
        3.0 / (1.0 + ((-60.0 - v) / 20.0).exp()) * 1.12 / (1.0 + ((v - 60.0) / 20.0).exp());
    let tau_xs =
        1400.0 / (1.0 + ((5.0 - v) / 6.0).exp()).sqrt() / (1.0 + ((v - 35.0) / 15.0).exp()) + 80.0;
    let tau_r = 9.5 * (-(v + 40.0).powi(2) / 1800.0).exp() + 0.8;
    let tau_s =
        85.0 * (-(v + 45.0).powi(2) / 320.0).exp() + 5.0 / (1.0 + ((v - 20.0) / 5.0).exp()) + 3.0;
    let tau_d = (1.4 / (1.0 + ((-35.0 - v) / 13.0).exp()) + 0.25)
        * (1.4 / (1.0 + ((v + 5.0) / 5.0).exp()))
        + 1.0 / (1.0 + ((50.0 - v) / 20.0).exp());
    let tau_f = 1102.5 * (-(v + 27.0).powi(2) / 225.0).exp()
        + 200.0 / (1.0 + ((13.0 - v) / 10.0).exp())
        + 180.0 / (1.0 + ((v + 30.0) / 10.0).exp())
        + 20.0;
    let tau_f2 = 562.0 * (-(v + 27.0).powi(2) / 240.0).exp()
        + 31.0 / (1.0 + ((25.0 - v) / 10.0).exp())
        + 80.0 / (1.0 + ((v + 30.0) / 10.0).exp());
    let gates: [(f64, f64); N_VGATES] = [
        (m_inf, tau_m),
        (h_inf, 1.0 / (a_h + b_h)),
        (h_inf, 1.0 / (a_j + b_j)),
        (1.0 / (1.0 + ((-26.0 - v) / 7.0).exp()), tau_xr1),
        (1.0 / (1.0 + ((v + 88.0) / 24.0).exp()), tau_xr2),
        (1.0 / (1.0 + ((-5.0 - v) / 14.0).exp()), tau_xs),
        (1.0 / (1.0 + ((20.0 - v) / 6.0).exp()), tau_r),
        (1.0 / (1.0 + ((v + 20.0) / 5.0).exp()), tau_s),
        (1.0 / (1.0 + ((-8.0 - v) / 7.5).exp()), tau_d),
        (1.0 / (1.0 + ((v + 20.0) / 7.0).exp()), tau_f),
        (0.67 / (1.0 + ((v + 35.0) / 7.0).exp()) + 0.33, tau_f2),
    ];
    let mut terms = [0.0; N_TERMS];
    for (i, (inf, tau)) in gates.into_iter().enumerate() {
        terms[i] = inf;
        terms[N_VGATES + i] = (-dt / tau).exp();
    }
    // GHK factors of I_CaL, 4 (V−15) F²/RT / (e^x − 1) with x = 2 (V−15) F/RT,
    // times e^x for the subspace term; both tend to 2F as x → 0.
    let x = 2.0 * (v - 15.0) * frt;
    let (ghk_ss, ghk_o) = if x.abs() < 1e-9 {
        (2.0 * F, 2.0 * F)
    } else {
        let g = 4.0 * (v - 15.0) * F * frt / (x.exp() - 1.0);
        (g * x.exp(), g)
    };
    terms[CURRENTS..].copy_from_slice(&[
        1.0 / (1.0 + 0.1245 * (-0.1 * v * frt).exp() + 0.0353 * (-v * frt).exp()),
        (0.35 * v * frt).exp(),
        ((0.35 - 1.0) * v * frt).exp(),
        ghk_ss,
        ghk_o,
        1.0 / (1.0 + ((25.0 - v) / 5.98).exp()),
    ]);
    terms
}

impl TenTusscher {
    /// One step from `(v, st)` given the voltage terms at `v` for this `dt`;
    /// returns dV/dt (mV/ms) from the currents at the start of the step.
    #[inline(always)]
    pub(crate) fn advance(
        &self,
        v: f64,
        st: &mut TenTusscherState,
        stim: f64,
        dt: f64,
        terms: &VoltageTerms,
    ) -> f64 {
        let rtf = R * T / F;
        let e_na = rtf * (NAO / st.na_i).ln();
        let e_k = rtf * (KO / st.k_i).ln();
        let e_ks = rtf * ((KO + 0.03 * NAO) / (st.k_i + 0.03 * st.na_i)).ln();
        let e_ca = 0.5 * rtf * (CAO / st.ca_i).ln();
        let [nak, naca_e1, naca_e2, ghk_ss, ghk_o, pk] = [
            terms[CURRENTS],
            terms[CURRENTS + 1],
            terms[CURRENTS + 2],
            terms[CURRENTS + 3],
            terms[CURRENTS + 4],
            terms[CURRENTS + 5],
        ];

        // Currents (pA/pF).
        let i_na = self.g_na * st.m.powi(3) * st.h * st.j * (v - e_na);
        let a_k1 = 0.1 / (1.0 + (0.06 * (v - e_k - 200.0)).exp());
        let b_k1 = (3.0 * (0.0002 * (v - e_k + 100.0)).exp() + (0.1 * (v - e_k - 10.0)).exp())
            / (1.0 + (-0.5 * (v - e_k)).exp());
        let g_k1_scale = (KO / 5.4f64).sqrt();
        let i_k1 = self.g_k1 * g_k1_scale * a_k1 / (a_k1 + b_k1) * (v - e_k);
        let i_kr = self.g_kr * g_k1_scale * st.xr1 * st.xr2 * (v - e_k);
        let i_ks = self.g_ks * st.xs * st.xs * (v - e_ks);
        let i_to = self.g_to * st.r * st.s * (v - e_k);
        let i_cal =
            self.g_cal * st.d * st.f * st.f2 * st.f_cass * (0.25 * st.ca_ss * ghk_ss - CAO * ghk_o);
        let i_nak = self.p_nak * KO / (KO + 1.0) * st.na_i / (st.na_i + 40.0) * nak;
        let i_naca = self.k_naca
            * (naca_e1 * st.na_i.powi(3) * CAO - naca_e2 * NAO.powi(3) * st.ca_i * 2.5)
            / ((87.5f64.powi(3) + NAO.powi(3)) * (1.38 + CAO) * (1.0 + 0.1 * naca_e2));
        let i_pca = 0.1238 * st.ca_i / (st.ca_i + 0.0005);
        let i_pk = 0.0146 * (v - e_k) * pk;
        let i_bca = 0.000592 * (v - e_ca);
        let i_bna = 0.00029 * (v - e_na);
        let i_ion = i_na
            + i_k1
            + i_kr
            + i_ks
            + i_to
            + i_cal
            + i_nak
            + i_naca
            + i_pca
            + i_pk
            + i_bca
            + i_bna;

        // Calcium handling (mM/ms).
        let kcasr = 2.5 - 1.5 / (1.0 + (1.5 / st.ca_sr).powi(2));
        let k1 = 0.15 / kcasr;
        let k2 = 0.045 * kcasr;
        let o = k1 * st.ca_ss * st.ca_ss * st.r_prime / (0.06 + k1 * st.ca_ss * st.ca_ss);
        let j_rel = 0.102 * o * (st.ca_sr - st.ca_ss);
        let j_leak = 0.00036 * (st.ca_sr - st.ca_i);
        let j_up = 0.006375 / (1.0 + (0.00025 / st.ca_i).powi(2));
        let j_xfer = 0.0038 * (st.ca_ss - st.ca_i);
        let d_cai_tot = -(i_bca + i_pca - 2.0 * i_naca) * CM_PF / (2.0 * VC * F)
            + (j_leak - j_up) * VSR / VC
            + j_xfer;
        let d_cass_tot = -i_cal * CM_PF / (2.0 * VSS * F) + j_rel * VSR / VSS - j_xfer * VC / VSS;
        let d_casr_tot = j_up - (j_rel + j_leak);
        let buf = |c: f64, b: f64, k: f64| 1.0 / (1.0 + b * k / (c + k).powi(2));
        let d_cai = d_cai_tot * buf(st.ca_i, 0.2, 0.001);
        let d_cass = d_cass_tot * buf(st.ca_ss, 0.4, 0.00025);
        let d_casr = d_casr_tot * buf(st.ca_sr, 10.0, 0.3);
        let d_rp = -k2 * st.ca_ss * st.r_prime + 0.005 * (1.0 - st.r_prime);
        let d_na = -(i_na + i_bna + 3.0 * i_nak + 3.0 * i_naca) * CM_PF / (VC * F);
        let i_stim = -stim;
        let d_k = -(i_k1 + i_to + i_kr + i_ks + i_pk + i_stim - 2.0 * i_nak) * CM_PF / (VC * F);

        // Gates: voltage gates from the terms, f_Cass from subspace Ca²⁺.
        let gates = [
            &mut st.m,
            &mut st.h,
            &mut st.j,
            &mut st.xr1,
            &mut st.xr2,
            &mut st.xs,
            &mut st.r,
            &mut st.s,
            &mut st.d,
            &mut st.f,
            &mut st.f2,
        ];
        for (i, g) in gates.into_iter().enumerate() {
            let inf = terms[i];
            *g = inf + (*g - inf) * terms[N_VGATES + i];
        }
        let cr = (st.ca_ss / 0.05).powi(2);
        st.f_cass = rush_larsen(
            st.f_cass,
            0.6 / (1.0 + cr) + 0.4,
            80.0 / (1.0 + cr) + 2.0,
            dt,
        );
        st.r_prime += dt * d_rp;
        st.ca_i += dt * d_cai;
        st.ca_ss += dt * d_cass;
        st.ca_sr += dt * d_casr;
        st.na_i += dt * d_na;
        st.k_i += dt * d_k;
        -i_ion
    }
}

impl CellModel for TenTusscher {
    type State = TenTusscherState;

    fn name(&self) -> &'static str {
        "ten Tusscher-Panfilov 2006 (epicardial)"
    }

    /// Initial values of the original TP06 code (also the Niederer 2011 benchmark).
    fn resting(&self) -> (f64, TenTusscherState) {
        (
            -85.23,
            TenTusscherState {
                ca_i: 0.000126,
                ca_sr: 3.64,
                ca_ss: 0.00036,
                na_i: 8.604,
                k_i: 136.89,
                m: 0.00172,
                h: 0.7444,
                j: 0.7045,
                xr1: 0.00621,
                xr2: 0.4712,
                xs: 0.0095,
                r: 2.42e-8,
                s: 0.999998,
                d: 3.373e-5,
                f: 0.7888,
                f2: 0.9755,
                f_cass: 0.9953,
                r_prime: 0.9073,
            },
        )
    }

    fn step(&self, v: f64, st: &mut TenTusscherState, stim: f64, dt: f64) -> f64 {
        self.advance(v, st, stim, dt, &voltage_terms(v, dt))
    }

    fn v_to_mv(&self, v: f64) -> f64 {
        v
    }

    /// 52 pA/pF for 1 ms (TP06 paper, single-cell protocol).
    fn default_stimulus(&self) -> StimulusPulse {
        StimulusPulse {
            amplitude_per_ms: 52.0,
            duration_ms: 1.0,
        }
    }

    fn max_dt_ms(&self) -> f64 {
        0.05
    }

    fn activation_threshold(&self) -> f64 {
        -20.0
    }
}
