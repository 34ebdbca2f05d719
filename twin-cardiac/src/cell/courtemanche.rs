//! Courtemanche–Ramirez–Nattel 1998 human atrial myocyte (Am J Physiol 275:H301),
//! 21 state variables (V plus 20 in [`CourtemancheState`]), with Rush–Larsen
//! integration of all gates and forward Euler for concentrations.
//!
//! Equations and constants follow the paper's appendix as encoded in the
//! CellML model by P. Noble and the Myokit model `courtemanche-1998.mmt`
//! (M. Clerx), including the CellML sign correction of the `ui` β rate. As in
//! that Myokit model, the stimulus current is carried by K⁺ so `[K]i` stays
//! stable over long pacing.
//!
//! Chronic-AF remodelling ([`Courtemanche::chronic_af`]): g_K1 ×2, g_Ks ×2,
//! g_CaL ×0.45, g_Kur ×0.5, g_to ×0.35 — the cAF set of Loewe, Wilhelms,
//! Dössel & Seemann 2014 (Biomed Eng 59:S1), built on Courtemanche 1999
//! (Cardiovasc Res 42:477) and Workman/Van Wagoner/Bosch patch-clamp data.

use serde::{Deserialize, Serialize};

use super::{CellModel, StimulusPulse};

/// Faraday constant (C/mmol), Courtemanche 1998 p. H303.
const F: f64 = 96.4867;
/// Gas constant (J/mol/K), ibid.
const R: f64 = 8.3143;
/// Temperature (K), ibid.
const T: f64 = 310.0;
/// Membrane capacitance (pF), ibid.
const CM_PF: f64 = 100.0;
/// Cell volume (µm³), ibid.
const V_CELL: f64 = 20100.0;
/// Cytoplasmic volume (µm³).
const V_I: f64 = 0.68 * V_CELL;
/// Junctional SR volume (µm³).
const V_REL: f64 = 0.0048 * V_CELL;
/// Network SR volume (µm³).
const V_UP: f64 = 0.0552 * V_CELL;

/// Maximal conductances and pump rates of the Courtemanche model.
///
/// Defaults are Courtemanche et al. 1998, Table 1 / appendix (values with the
/// extra digits of the CellML encoding). Conductances in nS/pF, pump and
/// exchanger maxima in pA/pF, SR fluxes in mM/ms.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Courtemanche {
    /// Fast Na⁺ conductance g_Na (7.8 nS/pF).
    pub g_na: f64,
    /// Inward rectifier g_K1 (0.09 nS/pF).
    pub g_k1: f64,
    /// Transient outward g_to (0.1652 nS/pF).
    pub g_to: f64,
    /// Scale factor on the voltage-dependent g_Kur (1).
    pub g_kur_scale: f64,
    /// Rapid delayed rectifier g_Kr (0.029411765 nS/pF).
    pub g_kr: f64,
    /// Slow delayed rectifier g_Ks (0.12941176 nS/pF).
    pub g_ks: f64,
    /// L-type Ca²⁺ g_CaL (0.12375 nS/pF).
    pub g_cal: f64,
    /// Background Na⁺ g_bNa (6.744375e-4 nS/pF).
    pub g_bna: f64,
    /// Background Ca²⁺ g_bCa (1.131e-3 nS/pF).
    pub g_bca: f64,
    /// Na⁺/K⁺ pump maximum (0.59933874 pA/pF).
    pub i_nak_max: f64,
    /// Na⁺/Ca²⁺ exchanger maximum (1600 pA/pF).
    pub i_naca_max: f64,
    /// Sarcolemmal Ca²⁺ pump maximum (0.275 pA/pF).
    pub i_pca_max: f64,
    /// SR uptake maximum (0.005 mM/ms).
    pub i_up_max: f64,
    /// SR release rate constant K_rel (30 /ms).
    pub k_rel: f64,
    /// Extracellular K⁺ (5.4 mM).
    pub k_o_mm: f64,
    /// Extracellular Na⁺ (140 mM).
    pub na_o_mm: f64,
    /// Extracellular Ca²⁺ (1.8 mM).
    pub ca_o_mm: f64,
}

impl Default for Courtemanche {
    fn default() -> Self {
        Self {
            g_na: 7.8,
            g_k1: 0.09,
            g_to: 0.1652,
            g_kur_scale: 1.0,
            g_kr: 0.029411765,
            g_ks: 0.12941176,
            g_cal: 0.12375,
            g_bna: 6.744375e-4,
            g_bca: 0.001131,
            i_nak_max: 0.59933874,
            i_naca_max: 1600.0,
            i_pca_max: 0.275,
            i_up_max: 0.005,
            k_rel: 30.0,
            k_o_mm: 5.4,
            na_o_mm: 140.0,
            ca_o_mm: 1.8,
        }
    }
}

/// Multiplicative scale factors on the main conductances, for regional
/// heterogeneity (left/right atrium, pulmonary veins) and remodelling.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ConductanceScales {
    /// Scale on g_Na.
    pub g_na: f64,
    /// Scale on g_K1.
    pub g_k1: f64,
    /// Scale on g_to.
    pub g_to: f64,
    /// Scale on g_Kur.
    pub g_kur: f64,
    /// Scale on g_Kr.
    pub g_kr: f64,
    /// Scale on g_Ks.
    pub g_ks: f64,
    /// Scale on g_CaL.
    pub g_cal: f64,
}

impl Default for ConductanceScales {
    fn default() -> Self {
        Self {
            g_na: 1.0,
            g_k1: 1.0,
            g_to: 1.0,
            g_kur: 1.0,
            g_kr: 1.0,
            g_ks: 1.0,
            g_cal: 1.0,
        }
    }
}

impl ConductanceScales {
    /// Chronic-AF remodelling (Loewe et al. 2014, see module docs):
    /// g_K1 ×2, g_Ks ×2, g_CaL ×0.45, g_Kur ×0.5, g_to ×0.35.
    pub fn chronic_af() -> Self {
        Self {
            g_k1: 2.0,
            g_ks: 2.0,
            g_cal: 0.45,
            g_kur: 0.5,
            g_to: 0.35,
            ..Self::default()
        }
    }

    /// A fraction `remodelling` (0–1) of the chronic-AF changes: each factor
    /// 1 + r·(f_cAF − 1).
    pub fn partial_chronic_af(remodelling: f64) -> Self {
        let caf = Self::chronic_af();
        let towards = |f: f64| 1.0 + remodelling * (f - 1.0);
        Self {
            g_na: towards(caf.g_na),
            g_k1: towards(caf.g_k1),
            g_to: towards(caf.g_to),
            g_kur: towards(caf.g_kur),
            g_kr: towards(caf.g_kr),
            g_ks: towards(caf.g_ks),
            g_cal: towards(caf.g_cal),
        }
    }
}

impl Courtemanche {
    /// The model with every listed conductance multiplied by `s`.
    pub fn scaled(self, s: ConductanceScales) -> Self {
        Self {
            g_na: self.g_na * s.g_na,
            g_k1: self.g_k1 * s.g_k1,
            g_to: self.g_to * s.g_to,
            g_kur_scale: self.g_kur_scale * s.g_kur,
            g_kr: self.g_kr * s.g_kr,
            g_ks: self.g_ks * s.g_ks,
            g_cal: self.g_cal * s.g_cal,
            ..self
        }
    }

    /// The chronic-AF remodelled cell (see [`ConductanceScales::chronic_af`]).
    pub fn chronic_af() -> Self {
        Self::default().scaled(ConductanceScales::chronic_af())
    }
}

/// State of the Courtemanche model apart from V (gates dimensionless,
/// concentrations in mM).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CourtemancheState {
    /// I_Na activation.
    pub m: f64,
    /// I_Na fast inactivation.
    pub h: f64,
    /// I_Na slow inactivation.
    pub j: f64,
    /// I_to activation.
    pub oa: f64,
    /// I_to inactivation.
    pub oi: f64,
    /// I_Kur activation.
    pub ua: f64,
    /// I_Kur inactivation.
    pub ui: f64,
    /// I_Kr activation.
    pub xr: f64,
    /// I_Ks activation.
    pub xs: f64,
    /// I_CaL activation.
    pub d: f64,
    /// I_CaL voltage inactivation.
    pub f: f64,
    /// I_CaL Ca²⁺ inactivation.
    pub f_ca: f64,
    /// SR release activation.
    pub u: f64,
    /// SR release Ca²⁺-flux inactivation.
    pub v: f64,
    /// SR release voltage inactivation.
    pub w: f64,
    /// Intracellular Na⁺ (mM).
    pub na_i: f64,
    /// Intracellular K⁺ (mM).
    pub k_i: f64,
    /// Intracellular free Ca²⁺ (mM).
    pub ca_i: f64,
    /// Network SR Ca²⁺ (mM).
    pub ca_up: f64,
    /// Junctional SR Ca²⁺ (mM).
    pub ca_rel: f64,
}

/// 1/(1 + eˣ), exactly 0 or 1 where it saturates (|x| > 50: the exact
/// value differs from 0 or 1 by less than 2e-22). The SR release gates'
/// steep sigmoids in Fn saturate for nearly every node-step (they switch
/// only during Ca²⁺ release), so this spares their exponentials and lets the
/// tabulated model reuse the constant decay factors of the saturated v gate.
#[inline(always)]
pub(crate) fn logistic_of_neg(x: f64) -> f64 {
    if x > 50.0 {
        0.0
    } else if x < -50.0 {
        1.0
    } else {
        1.0 / (1.0 + x.exp())
    }
}

/// Rush–Larsen update of a gate towards `inf` with time constant `tau` (ms).
#[inline(always)]
pub(crate) fn rush_larsen(x: f64, inf: f64, tau: f64, dt: f64) -> f64 {
    inf + (x - inf) * (-dt / tau).exp()
}

/// Number of purely voltage-gated gates: m, h, j, oa, oi, ua, ui, xr, xs, d,
/// f, w (the order of [`CourtemancheState::vgates`]).
pub(crate) const N_VGATES: usize = 12;

impl CourtemancheState {
    /// The voltage-gated gates (m, h, j, oa, oi, ua, ui, xr, xs, d, f, w).
    #[inline(always)]
    pub(crate) fn vgates(&self) -> [f64; N_VGATES] {
        [
            self.m, self.h, self.j, self.oa, self.oi, self.ua, self.ui, self.xr, self.xs, self.d,
            self.f, self.w,
        ]
    }

    #[inline(always)]
    pub(crate) fn set_vgates(&mut self, g: [f64; N_VGATES]) {
        [
            self.m, self.h, self.j, self.oa, self.oi, self.ua, self.ui, self.xr, self.xs, self.d,
            self.f, self.w,
        ] = g;
    }

    /// The Ca²⁺-gated gates (u, v, f_Ca).
    #[inline(always)]
    pub(crate) fn cagates(&self) -> [f64; 3] {
        [self.u, self.v, self.f_ca]
    }

    #[inline(always)]
    pub(crate) fn set_cagates(&mut self, g: [f64; 3]) {
        [self.u, self.v, self.f_ca] = g;
    }

    /// The concentrations ([Na]i, [K]i, [Ca]i, [Ca]up, [Ca]rel; mM).
    #[inline(always)]
    pub(crate) fn conc(&self) -> [f64; 5] {
        [self.na_i, self.k_i, self.ca_i, self.ca_up, self.ca_rel]
    }

    #[inline(always)]
    pub(crate) fn set_conc(&mut self, c: [f64; 5]) {
        [self.na_i, self.k_i, self.ca_i, self.ca_up, self.ca_rel] = c;
    }
}

/// The factors of the ionic currents that depend on V alone (with the
/// model's constant parameters folded in), so that they can be tabulated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct CurrentFactors {
    /// g_K1 times the inward rectification 1/(1 + e^{0.07(V+80)}) (nS/pF).
    pub g_k1: f64,
    /// Voltage-dependent g_Kur(V) times its scale (nS/pF).
    pub g_kur: f64,
    /// g_Kr times the rectification 1/(1 + e^{(V+15)/22.4}) (nS/pF).
    pub g_kr: f64,
    /// I_NaK divided by its [Na]i factor 1/(1 + (10/[Na]i)^1.5) (pA/pF).
    pub nak: f64,
    /// I_NaCa = `naca_na`·[Na]i³ − `naca_ca`·[Ca]i (pA/pF/mM³ and pA/pF/mM).
    pub naca_na: f64,
    /// See `naca_na`.
    pub naca_ca: f64,
}

/// The right-hand side of the model at one state, apart from the gates'
/// voltage-dependent rates.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rhs {
    /// Ionic dV/dt = −I_ion (mV/ms).
    pub dvdt: f64,
    /// d/dt of the concentrations in [`CourtemancheState::conc`] order (mM/ms).
    pub dconc: [f64; 5],
    /// Steady states of the Ca²⁺-gated gates u, v, f_Ca.
    pub ca_inf: [f64; 3],
    /// Their time constants (ms).
    pub ca_tau: [f64; 3],
}

impl Courtemanche {
    /// Steady states and time constants (ms) of the voltage-gated gates at
    /// `vm`, in [`CourtemancheState::vgates`] order. The rates of the form
    /// x/(1 − e^{−x/k}) use `exp_m1`, so they stay accurate (not only finite)
    /// next to their removable singularities, and take their analytic limits
    /// on them (the CellML encoding's rounded constants for β_xr and τ_d
    /// there are off by 7e-4 and 5e-5 relative).
    pub(crate) fn gate_rates(&self, vm: f64) -> ([f64; N_VGATES], [f64; N_VGATES]) {
        let am = if (vm + 47.13).abs() < 1e-10 {
            3.2
        } else {
            0.32 * (vm + 47.13) / -(-0.1 * (vm + 47.13)).exp_m1()
        };
        let bm = 0.08 * (-vm / 11.0).exp();
        let (ah, bh, aj, bj) = if vm < -40.0 {
            (
                0.135 * ((vm + 80.0) / -6.8).exp(),
                3.56 * (0.079 * vm).exp() + 3.1e5 * (0.35 * vm).exp(),
                (-127140.0 * (0.2444 * vm).exp() - 3.474e-5 * (-0.04391 * vm).exp()) * (vm + 37.78)
                    / (1.0 + (0.311 * (vm + 79.23)).exp()),
                0.1212 * (-0.01052 * vm).exp() / (1.0 + (-0.1378 * (vm + 40.14)).exp()),
            )
        } else {
            (
                0.0,
                1.0 / (0.13 * (1.0 + ((vm + 10.66) / -11.1).exp())),
                0.0,
                0.3 * (-2.535e-7 * vm).exp() / (1.0 + (-0.1 * (vm + 32.0)).exp()),
            )
        };
        let k_q10 = 3.0;
        let a_oa = 0.65 / (((vm + 10.0) / -8.5).exp() + ((vm - 30.0) / -59.0).exp());
        let b_oa = 0.65 / (2.5 + ((vm + 82.0) / 17.0).exp());
        let tau_oa = 1.0 / (a_oa + b_oa) / k_q10;
        let oa_inf = 1.0 / (1.0 + ((vm + 20.47) / -17.54).exp());
        let a_oi = 1.0 / (18.53 + ((vm + 113.7) / 10.95).exp());
        let b_oi = 1.0 / (35.56 + ((vm + 1.26) / -7.44).exp());
        let tau_oi = 1.0 / (a_oi + b_oi) / k_q10;
        let oi_inf = 1.0 / (1.0 + ((vm + 43.1) / 5.3).exp());
        // I_Kur activation shares the I_to activation rates (Courtemanche 1998).
        let ua_inf = 1.0 / (1.0 + ((vm + 30.3) / -9.6).exp());
        let a_ui = 1.0 / (21.0 + ((vm - 185.0) / -28.0).exp());
        let b_ui = ((vm - 158.0) / 16.0).exp();
        let tau_ui = 1.0 / (a_ui + b_ui) / k_q10;
        let ui_inf = 1.0 / (1.0 + ((vm - 99.45) / 27.48).exp());
        let x = vm + 14.1;
        let a_xr = if x.abs() < 1e-10 {
            0.0015
        } else {
            0.0003 * x / -(x / -5.0).exp_m1()
        };
        let y = vm - 3.3328;
        let b_xr = if y.abs() < 1e-10 {
            7.3898e-5 * 5.1237
        } else {
            7.3898e-5 * y / (y / 5.1237).exp_m1()
        };
        let xr_inf = 1.0 / (1.0 + (x / -6.5).exp());
        let z = vm - 19.9;
        let (a_xs, b_xs) = if z.abs() < 1e-10 {
            (0.00068, 0.000315)
        } else {
            (
                4e-5 * z / -(z / -17.0).exp_m1(),
                3.5e-5 * z / (z / 9.0).exp_m1(),
            )
        };
        let xs_inf = (1.0 + (z / -12.7).exp()).powf(-0.5);
        let q = vm + 10.0;
        let tau_d = if q.abs() < 1e-10 {
            1.0 / (0.035 * 2.0 * 6.24)
        } else {
            -(q / -6.24).exp_m1() / (0.035 * q * (1.0 + (q / -6.24).exp()))
        };
        let d_inf = 1.0 / (1.0 + (q / -8.0).exp());
        let ef = (-(vm + 28.0) / 6.9).exp();
        let f_inf = ef / (1.0 + ef);
        let tau_f = 9.0 / (0.0197 * (-0.0337f64.powi(2) * q * q).exp() + 0.02);
        let dw = vm - 7.9;
        let tau_w = if dw.abs() < 1e-10 {
            6.0 * 0.2 / 1.3
        } else {
            6.0 * -(-dw / 5.0).exp_m1() / ((1.0 + 0.3 * (-dw / 5.0).exp()) * dw)
        };
        let w_inf = 1.0 - 1.0 / (1.0 + (-(vm - 40.0) / 17.0).exp());
        (
            [
                am / (am + bm),
                ah / (ah + bh),
                aj / (aj + bj),
                oa_inf,
                oi_inf,
                ua_inf,
                ui_inf,
                xr_inf,
                xs_inf,
                d_inf,
                f_inf,
                w_inf,
            ],
            [
                1.0 / (am + bm),
                1.0 / (ah + bh),
                1.0 / (aj + bj),
                tau_oa,
                tau_oi,
                tau_oa,
                tau_ui,
                1.0 / (a_xr + b_xr),
                0.5 / (a_xs + b_xs),
                tau_d,
                tau_f,
                tau_w,
            ],
        )
    }

    /// The voltage-only factors of the currents at `vm`.
    pub(crate) fn current_factors(&self, vm: f64) -> CurrentFactors {
        let frt = F / (R * T);
        let sigma = ((self.na_o_mm / 67.3).exp() - 1.0) / 7.0;
        let f_nak =
            1.0 / (1.0 + 0.1245 * (-0.1 * vm * frt).exp() + 0.0365 * sigma * (-vm * frt).exp());
        let gamma = 0.35;
        let e1 = (gamma * vm * frt).exp();
        let e2 = ((gamma - 1.0) * vm * frt).exp();
        let naca = self.i_naca_max
            / ((87.5f64.powi(3) + self.na_o_mm.powi(3)) * (1.38 + self.ca_o_mm) * (1.0 + 0.1 * e2));
        CurrentFactors {
            g_k1: self.g_k1 / (1.0 + (0.07 * (vm + 80.0)).exp()),
            g_kur: self.g_kur_scale * (0.005 + 0.05 / (1.0 + ((vm - 15.0) / -13.0).exp())),
            g_kr: self.g_kr / (1.0 + ((vm + 15.0) / 22.4).exp()),
            nak: self.i_nak_max * f_nak * self.k_o_mm / (self.k_o_mm + 1.5),
            naca_na: naca * e1 * self.ca_o_mm,
            naca_ca: naca * e2 * self.na_o_mm.powi(3),
        }
    }

    /// Currents, concentration derivatives and the Ca²⁺-gated gates' rates
    /// at `(vm, s)`, given the voltage factors `cf` of the currents.
    #[inline(always)]
    pub(crate) fn rhs(
        &self,
        vm: f64,
        cf: &CurrentFactors,
        s: &CourtemancheState,
        stim: f64,
    ) -> Rhs {
        let rtf = R * T / F;
        let e_na = rtf * (self.na_o_mm / s.na_i).ln();
        let e_k = rtf * (self.k_o_mm / s.k_i).ln();
        let e_ca = 0.5 * rtf * (self.ca_o_mm / s.ca_i).ln();

        // Currents in pA/pF.
        let i_na = self.g_na * s.m.powi(3) * s.h * s.j * (vm - e_na);
        let i_k1 = cf.g_k1 * (vm - e_k);
        let i_to = self.g_to * s.oa.powi(3) * s.oi * (vm - e_k);
        let i_kur = cf.g_kur * s.ua.powi(3) * s.ui * (vm - e_k);
        let i_kr = cf.g_kr * s.xr * (vm - e_k);
        let i_ks = self.g_ks * s.xs * s.xs * (vm - e_k);
        let i_cal = self.g_cal * s.d * s.f * s.f_ca * (vm - 65.0);
        let na_ratio = 10.0 / s.na_i;
        let i_nak = cf.nak / (1.0 + na_ratio * na_ratio.sqrt());
        let i_naca = cf.naca_na * s.na_i.powi(3) - cf.naca_ca * s.ca_i;
        let i_bna = self.g_bna * (vm - e_na);
        let i_bca = self.g_bca * (vm - e_ca);
        let i_pca = self.i_pca_max * s.ca_i / (0.0005 + s.ca_i);

        // SR fluxes (mM/ms).
        let i_rel = self.k_rel * s.u * s.u * s.v * s.w * (s.ca_rel - s.ca_i);
        let i_tr = (s.ca_up - s.ca_rel) * (1.0 / 180.0);
        let i_up = self.i_up_max / (1.0 + 0.00092 / s.ca_i);
        let i_up_leak = self.i_up_max * s.ca_up * (1.0 / 15.0);

        let i_ion = i_na
            + i_k1
            + i_to
            + i_kur
            + i_kr
            + i_ks
            + i_cal
            + i_nak
            + i_naca
            + i_bna
            + i_bca
            + i_pca;

        // Concentrations. Currents × Cm give pA; pA/(µm³ · C/mmol) = mM/ms.
        let i_stim = -stim; // stimulus current (pA/pF), carried by K⁺
        let d_na = (-3.0 * i_nak - (3.0 * i_naca + i_bna + i_na)) * (CM_PF / (V_I * F));
        let d_k =
            (2.0 * i_nak - (i_k1 + i_to + i_kur + i_kr + i_ks + i_stim)) * (CM_PF / (V_I * F));
        let b1 = (2.0 * i_naca - (i_pca + i_cal + i_bca)) * (CM_PF / (2.0 * V_I * F))
            + (V_UP * (i_up_leak - i_up) + i_rel * V_REL) * (1.0 / V_I);
        let b2 = 1.0
            + 0.07 * 0.0005 / (s.ca_i + 0.0005).powi(2)
            + 0.05 * 0.00238 / (s.ca_i + 0.00238).powi(2);
        let d_ca_up = i_up - (i_up_leak + i_tr * (V_REL / V_UP));
        let d_ca_rel = (i_tr - i_rel) / (1.0 + 10.0 * 0.8 / (s.ca_rel + 0.8).powi(2));

        // SR release gates driven by the Ca²⁺ flux signal Fn.
        let fn_ = 1e3
            * (1e-15 * V_REL * i_rel - 1e-15 / (2.0 * F) * (0.5 * i_cal - 0.2 * i_naca) * CM_PF);
        let u_inf = logistic_of_neg((3.4175e-13 - fn_) * (1.0 / 1.367e-15));
        let v_inf = 1.0 - logistic_of_neg((6.835e-14 - fn_) * (1.0 / 1.367e-15));
        Rhs {
            dvdt: -i_ion,
            dconc: [d_na, d_k, b1 / b2, d_ca_up, d_ca_rel],
            ca_inf: [u_inf, v_inf, 1.0 / (1.0 + s.ca_i * (1.0 / 0.00035))],
            ca_tau: [8.0, 1.91 + 2.09 * u_inf, 2.0],
        }
    }
}

/// One Rush–Larsen / forward-Euler update of `s` over `dt`: the voltage
/// gates relax towards `inf` by the factors `decay` = e^{−dt/τ}, the Ca²⁺
/// gates by `ca_decay`, and the concentrations step with `r.dconc`.
#[inline(always)]
pub(crate) fn advance(
    s: &mut CourtemancheState,
    inf: &[f64; N_VGATES],
    decay: &[f64; N_VGATES],
    r: &Rhs,
    ca_decay: [f64; 3],
    dt: f64,
) {
    // Plain loops rather than `array::from_fn`, which was not inlined here
    // (6 % of a tissue step).
    let mut g = s.vgates();
    for i in 0..N_VGATES {
        g[i] = inf[i] + (g[i] - inf[i]) * decay[i];
    }
    s.set_vgates(g);
    let mut c = s.cagates();
    for i in 0..3 {
        c[i] = r.ca_inf[i] + (c[i] - r.ca_inf[i]) * ca_decay[i];
    }
    s.set_cagates(c);
    let mut x = s.conc();
    for (x, dxdt) in x.iter_mut().zip(r.dconc) {
        *x += dt * dxdt;
    }
    s.set_conc(x);
}

impl CellModel for Courtemanche {
    type State = CourtemancheState;

    fn name(&self) -> &'static str {
        "Courtemanche-Ramirez-Nattel 1998"
    }

    /// Published initial conditions (Courtemanche et al. 1998, appendix;
    /// identical in the CellML encoding).
    fn resting(&self) -> (f64, CourtemancheState) {
        (
            -81.18,
            CourtemancheState {
                m: 2.908e-3,
                h: 0.9649,
                j: 0.9775,
                oa: 3.043e-2,
                oi: 0.9992,
                ua: 4.966e-3,
                ui: 0.9986,
                xr: 3.296e-5,
                xs: 1.869e-2,
                d: 1.367e-4,
                f: 0.9996,
                f_ca: 0.7755,
                u: 0.0,
                v: 1.0,
                w: 0.9992,
                na_i: 11.17,
                k_i: 139.0,
                ca_i: 1.013e-4,
                ca_up: 1.488,
                ca_rel: 1.488,
            },
        )
    }

    /// Rush–Larsen for every gate (rates frozen at V^n), forward Euler for
    /// the concentrations.
    fn step(&self, vm: f64, s: &mut CourtemancheState, stim: f64, dt: f64) -> f64 {
        let (inf, tau) = self.gate_rates(vm);
        let r = self.rhs(vm, &self.current_factors(vm), s, stim);
        let decay = tau.map(|t| (-dt / t).exp());
        let ca_decay = r.ca_tau.map(|t| (-dt / t).exp());
        advance(s, &inf, &decay, &r, ca_decay, dt);
        r.dvdt
    }

    fn v_to_mv(&self, v: f64) -> f64 {
        v
    }

    /// 20 pA/pF for 2 ms (about twice threshold at rest).
    fn default_stimulus(&self) -> StimulusPulse {
        StimulusPulse {
            amplitude_per_ms: 20.0,
            duration_ms: 2.0,
        }
    }

    fn max_dt_ms(&self) -> f64 {
        0.05
    }

    fn activation_threshold(&self) -> f64 {
        -20.0
    }
}

#[cfg(test)]
mod tests {
    use super::logistic_of_neg;

    /// Matches 1/(1 + eˣ) everywhere, within 2e-22 where it saturates.
    #[test]
    fn saturated_logistic_matches_the_exact_one() {
        for k in -2000..=2000 {
            let x = f64::from(k) * 0.05;
            let exact = 1.0 / (1.0 + x.exp());
            let got = logistic_of_neg(x);
            let tol = if x.abs() > 50.0 { 2e-22 } else { 0.0 };
            assert!((got - exact).abs() <= tol, "x {x}: {got} vs {exact}");
        }
    }
}
