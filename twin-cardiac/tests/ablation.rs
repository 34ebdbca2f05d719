//! Lesions, PV isolation, fibrosis maps.

use twin_cardiac::ablation::{LineLesion, Strategy, lesion_set};
use twin_cardiac::analysis::node_at;
use twin_cardiac::cell::{CellModel, MitchellSchaeffer};
use twin_cardiac::fibrosis::{FibrosisPattern, burden, fibrosis_map};
use twin_cardiac::geometry::{AtrialSheet, AtrialSheetSpec, Pv};
use twin_cardiac::tissue::{Monodomain, Site, Stimulus};

fn sheet() -> AtrialSheet {
    AtrialSheet::new(AtrialSheetSpec::from_la_diameter(40.0, 0.5, 0.1, 0.04)).unwrap()
}

/// Pace the posterior wall centre and report whether the LSPV centre activates.
fn lspv_activates(sheet: &AtrialSheet, lesion: Option<&ndarray::Array3<bool>>) -> bool {
    let ms = MitchellSchaeffer::default();
    let mut sub = sheet.substrate.clone();
    if let Some(l) = lesion {
        sub.domain.mask.zip_mut_with(l, |m, &x| *m &= !x);
    }
    let mut md = Monodomain::new(sub, vec![ms, ms], 0.1).unwrap();
    let c = [0.5 * sheet.spec.width_mm, 0.5 * sheet.spec.height_mm, 0.0];
    md.add_stimulus(Stimulus::train(
        Site::Disk {
            centre_mm: c,
            radius_mm: 1.5,
        },
        0.0,
        1000.0,
        1,
        ms.default_stimulus(),
    ))
    .unwrap();
    md.run(250.0);
    let pv = sheet.pv_centres_mm[Pv::Lspv as usize];
    let n = node_at(&md, [pv[0], pv[1], 0.0]).unwrap();
    md.first_activation_ms()[n].is_finite()
}

#[test]
fn complete_pvi_blocks_conduction_into_the_vein_and_a_gap_does_not() {
    let s = sheet();
    assert!(lspv_activates(&s, None));
    let pvi = lesion_set(&s, &Strategy::Pvi).unwrap();
    // The lesion must not cut through the vein itself.
    assert!(
        !pvi.iter()
            .zip(s.pv_mask(Pv::Lspv).iter())
            .any(|(&l, &v)| l && v)
    );
    assert!(!lspv_activates(&s, Some(&pvi)));
    // A 6 mm gap in the left antral circle (upper-right, facing the wall) lets the wave in.
    let g = s.substrate.domain.grid;
    let r = s.spec.pv_radius_mm;
    let (a, b) = (s.pv_centres_mm[0], s.pv_centres_mm[1]);
    let mut left = LineLesion::ellipse(
        [0.5 * (a[0] + b[0]), 0.5 * (a[1] + b[1])],
        1.5 * r + 2.0,
        0.5 * (a[1] - b[1]) + 1.5 * r + 2.0,
        4.0,
    );
    left.gaps.push((0.125, 6.0));
    let gapped = left.rasterise(&g).unwrap();
    assert!(lspv_activates(&s, Some(&gapped)));
}

/// A straight lesion of length L and width w covers L·w + π w²/4 (two caps).
#[test]
fn line_lesion_area_matches_geometry() {
    let s = twin_cardiac::tissue::Substrate::sheet(201, 101, 0.1, 0.1, 0.1, 0.0).unwrap();
    let l = LineLesion {
        points_mm: vec![[2.0, 5.0], [18.0, 5.0]],
        width_mm: 2.0,
        gaps: vec![],
    };
    let area = s.measure_cm(&l.rasterise(&s.domain.grid).unwrap());
    let expected = (16.0 * 2.0 + std::f64::consts::PI) / 100.0;
    // Rasterisation widens the band by up to one voxel (dx / w = 5 %).
    assert!(
        (area - expected).abs() / expected < 0.06,
        "{area} vs {expected}"
    );
}

#[test]
fn fibrosis_maps_have_the_requested_burden_and_pattern_clustering() {
    let s = sheet();
    let mut clustering = Vec::new();
    for pat in [
        FibrosisPattern::Diffuse,
        FibrosisPattern::Patchy,
        FibrosisPattern::Compact,
    ] {
        let m = fibrosis_map(&s.substrate, 0.2, pat, 7).unwrap();
        assert!((burden(&s.substrate, &m) - 0.2).abs() < 0.005);
        // Probability that the right neighbour of a fibrotic voxel is fibrotic.
        let (nx, ny) = (m.shape()[0], m.shape()[1]);
        let (mut both, mut tot) = (0, 0);
        for i in 0..nx - 1 {
            for j in 0..ny {
                if m[[i, j, 0]] {
                    tot += 1;
                    both += m[[i + 1, j, 0]] as usize;
                }
            }
        }
        clustering.push(both as f64 / tot as f64);
    }
    eprintln!("clustering {clustering:?}");
    // Diffuse ≈ burden (independent voxels); larger patterns cluster more.
    assert!((clustering[0] - 0.2).abs() < 0.03);
    assert!(clustering[1] > clustering[0] + 0.2 && clustering[2] > clustering[1]);
    // Same seed, same map; bad burden rejected.
    assert_eq!(
        fibrosis_map(&s.substrate, 0.2, FibrosisPattern::Patchy, 7).unwrap(),
        fibrosis_map(&s.substrate, 0.2, FibrosisPattern::Patchy, 7).unwrap()
    );
    assert!(fibrosis_map(&s.substrate, 1.5, FibrosisPattern::Patchy, 7).is_err());
}
