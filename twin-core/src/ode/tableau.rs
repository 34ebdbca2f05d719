//! Method coefficients, each block with its source.
// Digits are kept exactly as published, even beyond f64 precision.
#![allow(clippy::excessive_precision)]

/// Dormand & Prince (1980), *J. Comput. Appl. Math.* 6:19–26, Table 2 (RK5(4)7M);
/// dense-output weights from Hairer, Nørsett & Wanner (1993), §II.6 (`dopri5.f`).
pub(crate) mod dopri5 {
    pub const C2: f64 = 1.0 / 5.0;
    pub const C3: f64 = 3.0 / 10.0;
    pub const C4: f64 = 4.0 / 5.0;
    pub const C5: f64 = 8.0 / 9.0;
    pub const A21: f64 = 1.0 / 5.0;
    pub const A31: f64 = 3.0 / 40.0;
    pub const A32: f64 = 9.0 / 40.0;
    pub const A41: f64 = 44.0 / 45.0;
    pub const A42: f64 = -56.0 / 15.0;
    pub const A43: f64 = 32.0 / 9.0;
    pub const A51: f64 = 19372.0 / 6561.0;
    pub const A52: f64 = -25360.0 / 2187.0;
    pub const A53: f64 = 64448.0 / 6561.0;
    pub const A54: f64 = -212.0 / 729.0;
    pub const A61: f64 = 9017.0 / 3168.0;
    pub const A62: f64 = -355.0 / 33.0;
    pub const A63: f64 = 46732.0 / 5247.0;
    pub const A64: f64 = 49.0 / 176.0;
    pub const A65: f64 = -5103.0 / 18656.0;
    pub const A71: f64 = 35.0 / 384.0;
    pub const A73: f64 = 500.0 / 1113.0;
    pub const A74: f64 = 125.0 / 192.0;
    pub const A75: f64 = -2187.0 / 6784.0;
    pub const A76: f64 = 11.0 / 84.0;
    pub const E1: f64 = 71.0 / 57600.0;
    pub const E3: f64 = -71.0 / 16695.0;
    pub const E4: f64 = 71.0 / 1920.0;
    pub const E5: f64 = -17253.0 / 339200.0;
    pub const E6: f64 = 22.0 / 525.0;
    pub const E7: f64 = -1.0 / 40.0;
    pub const D1: f64 = -12715105075.0 / 11282082432.0;
    pub const D3: f64 = 87487479700.0 / 32700410799.0;
    pub const D4: f64 = -10690763975.0 / 1880347072.0;
    pub const D5: f64 = 701980252875.0 / 199316789632.0;
    pub const D6: f64 = -1453857185.0 / 822651844.0;
    pub const D7: f64 = 69997945.0 / 29380423.0;
}

/// RODAS, order 4(3), stiffly accurate, L-stable: Hairer & Wanner (1996), *Solving
/// ODEs II*, §VI.4, coefficients as in their `rodas.f` (`ROCOE`, METH = 1), with the
/// 3rd-order dense output (`D2j`, `D3j`).
/// Stage `i` solves `(I/(γh) − J) k_i = f(t + c_i h, y + Σ a_ij k_j) + Σ c_ij k_j / h + d_i h ∂f/∂t`.
pub(crate) mod rodas4 {
    pub const GAMMA: f64 = 0.25;
    pub const C2: f64 = 0.386;
    pub const C3: f64 = 0.21;
    pub const C4: f64 = 0.63;
    pub const D1: f64 = 0.25;
    pub const D2: f64 = -0.1043;
    pub const D3: f64 = 0.1035;
    pub const D4: f64 = -0.3620000000000023e-01;
    pub const A21: f64 = 0.1544000000000000e+01;
    pub const A31: f64 = 0.9466785280815826e+00;
    pub const A32: f64 = 0.2557011698983284e+00;
    pub const A41: f64 = 0.3314825187068521e+01;
    pub const A42: f64 = 0.2896124015972201e+01;
    pub const A43: f64 = 0.9986419139977817e+00;
    pub const A51: f64 = 0.1221224509226641e+01;
    pub const A52: f64 = 0.6019134481288629e+01;
    pub const A53: f64 = 0.1253708332932087e+02;
    pub const A54: f64 = -0.6878860361058950e+00;
    pub const C21: f64 = -0.5668800000000000e+01;
    pub const C31: f64 = -0.2430093356833875e+01;
    pub const C32: f64 = -0.2063599157091915e+00;
    pub const C41: f64 = -0.1073529058151375e+00;
    pub const C42: f64 = -0.9594562251023355e+01;
    pub const C43: f64 = -0.2047028614809616e+02;
    pub const C51: f64 = 0.7496443313967647e+01;
    pub const C52: f64 = -0.1024680431464352e+02;
    pub const C53: f64 = -0.3399990352819905e+02;
    pub const C54: f64 = 0.1170890893206160e+02;
    pub const C61: f64 = 0.8083246795921522e+01;
    pub const C62: f64 = -0.7981132988064893e+01;
    pub const C63: f64 = -0.3152159432874371e+02;
    pub const C64: f64 = 0.1631930543123136e+02;
    pub const C65: f64 = -0.6058818238834054e+01;
    pub const D21: f64 = 0.1012623508344586e+02;
    pub const D22: f64 = -0.7487995877610167e+01;
    pub const D23: f64 = -0.3480091861555747e+02;
    pub const D24: f64 = -0.7992771707568823e+01;
    pub const D25: f64 = 0.1025137723295662e+01;
    pub const D31: f64 = -0.6762803392801253e+00;
    pub const D32: f64 = 0.6087714651680015e+01;
    pub const D33: f64 = 0.1643084320892478e+02;
    pub const D34: f64 = 0.2476722511418386e+02;
    pub const D35: f64 = -0.6594389125716872e+01;
}
