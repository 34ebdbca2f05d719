//! CKD-EPI 2021 eGFR on the 7,874 real people of `data/kidney/flchain.csv`
//! (R survival 3.5-3 `flchain`, Olmsted County, age 50+; creatinine empty for 1,350).
//!
//! The vectorised library function is compared with a straightforward per-row loop
//! written here from the published equation (Inker et al. 2021, NEJM, Table 2), and
//! the KDIGO G-stage distribution by age band and sex is printed and checked.

use std::collections::BTreeMap;
use twin_metabolic::kidney::{GStage, Sex, egfr_ckd_epi_2021_cr_batch};

struct Data {
    creatinine: Vec<Option<f64>>,
    age: Vec<f64>,
    sex: Vec<Sex>,
}

fn load() -> Data {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/kidney/flchain.csv");
    let mut rdr = csv::Reader::from_path(path).expect("flchain.csv");
    let headers = rdr.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (ia, is, ic) = (col("age"), col("sex"), col("creatinine"));
    let mut d = Data {
        creatinine: vec![],
        age: vec![],
        sex: vec![],
    };
    for rec in rdr.records() {
        let rec = rec.unwrap();
        d.age.push(rec[ia].parse().unwrap());
        d.sex.push(if &rec[is] == "F" {
            Sex::Female
        } else {
            Sex::Male
        });
        d.creatinine.push(if rec[ic].is_empty() {
            None
        } else {
            Some(rec[ic].parse().unwrap())
        });
    }
    d
}

/// The published equation, written out independently of the library.
fn egfr_loop(scr: f64, age: f64, female: bool) -> f64 {
    let (k, a, s) = if female {
        (0.7, -0.241, 1.012)
    } else {
        (0.9, -0.302, 1.0)
    };
    let x: f64 = scr / k;
    142.0 * x.min(1.0).powf(a) * x.max(1.0).powf(-1.2) * 0.9938_f64.powf(age) * s
}

fn band(age: f64) -> &'static str {
    match age as u32 {
        0..=59 => "50-59",
        60..=69 => "60-69",
        70..=79 => "70-79",
        _ => "80+",
    }
}

#[test]
fn flchain_egfr_and_kdigo_stage_distribution() {
    let d = load();
    assert_eq!(d.age.len(), 7874);
    assert_eq!(d.creatinine.iter().filter(|c| c.is_none()).count(), 1350);

    let egfr = egfr_ckd_epi_2021_cr_batch(&d.creatinine, &d.age, &d.sex).unwrap();

    // Three rows by hand (first rows of the file), CKD-EPI 2021:
    // row 0: F 97 y, Scr 1.7 -> 142·(1.7/0.7)^-1.2·0.9938^97·1.012 = 27.11 (G4)
    // row 1: F 92 y, Scr 0.9 -> 142·(0.9/0.7)^-1.2·0.9938^92·1.012 = 59.98 (G3a)
    // row 2: F 94 y, Scr 1.4 -> 142·(1.4/0.7)^-1.2·0.9938^94·1.012 = 34.86 (G3b)
    for (i, want) in [(0, 27.105), (1, 59.979), (2, 34.861)] {
        assert!(
            (egfr[i].unwrap() - want).abs() < 1e-3,
            "row {i}: {:?}",
            egfr[i]
        );
    }
    assert_eq!(GStage::from_egfr(egfr[1].unwrap()), GStage::G3a);

    // Stage distribution by (age band, sex) from the library and from the loop.
    let mut lib: BTreeMap<(&str, &str, GStage), usize> = BTreeMap::new();
    let mut reference: BTreeMap<(&str, &str, GStage), usize> = BTreeMap::new();
    for (i, cr) in d.creatinine.iter().enumerate() {
        let Some(scr) = *cr else {
            assert!(egfr[i].is_none());
            continue;
        };
        let female = d.sex[i] == Sex::Female;
        let key_sex = if female { "F" } else { "M" };
        let g_ref = egfr_loop(scr, d.age[i], female);
        assert!((egfr[i].unwrap() - g_ref).abs() < 1e-9 * g_ref);
        *reference
            .entry((band(d.age[i]), key_sex, GStage::from_egfr(g_ref)))
            .or_default() += 1;
        *lib.entry((band(d.age[i]), key_sex, GStage::from_egfr(egfr[i].unwrap())))
            .or_default() += 1;
    }
    assert_eq!(lib, reference);

    println!("KDIGO G stage by age band and sex, flchain, CKD-EPI 2021 (n with creatinine = 6524)");
    println!("band   sex   G1   G2  G3a  G3b   G4   G5");
    for b in ["50-59", "60-69", "70-79", "80+"] {
        for s in ["F", "M"] {
            let row: Vec<String> = GStage::ALL
                .iter()
                .map(|g| format!("{:4}", lib.get(&(b, s, *g)).unwrap_or(&0)))
                .collect();
            println!("{b:6} {s:3} {}", row.join(" "));
        }
    }

    // Overall counts, cross-checked with an independent Python 3 implementation of the
    // same equation run on the same file while writing this test:
    // G1 507, G2 4263, G3a 1295, G3b 356, G4 81, G5 22 (total 6524).
    let mut total = [0usize; 6];
    for ((_, _, g), n) in &lib {
        total[GStage::ALL.iter().position(|x| x == g).unwrap()] += n;
    }
    assert_eq!(total, [507, 4263, 1295, 356, 81, 22]);
    // Prevalence of eGFR < 60 rises with age (a known feature of population data).
    let frac_lt60 = |b: &str| {
        let (mut low, mut all) = (0, 0);
        for ((bb, _, g), n) in &lib {
            if *bb == b {
                all += n;
                if *g >= GStage::G3a {
                    low += n;
                }
            }
        }
        low as f64 / all as f64
    };
    assert!(frac_lt60("50-59") < frac_lt60("60-69"));
    assert!(frac_lt60("70-79") < frac_lt60("80+"));
}
