//! Lesions (gaps, transmurality), PV isolation, the atrial body after
//! ablation, twin-guided targets, fibrosis maps.

use ndarray::Array3;
use twin_cardiac::ablation::{
    GuideOptions, InducibilityProtocol, LesionOptions, LineLesion, Strategy, ablated_measure_cm,
    apply_lesions, atrial_body, guided_ablation, inducibility, lesion_set, outer_boundary,
    rotor_targets,
};
use twin_cardiac::analysis::node_at;
use twin_cardiac::cell::{CellModel, MitchellSchaeffer};
use twin_cardiac::fibrosis::{
    FibrosisEffect, FibrosisPattern, apply_fibrosis, burden, fibrosis_map,
};
use twin_cardiac::geometry::{AtrialSheet, AtrialSheetSpec, Pv};
use twin_cardiac::tissue::{Monodomain, Site, Stimulus, Substrate};

fn sheet() -> AtrialSheet {
    AtrialSheet::new(AtrialSheetSpec::from_la_diameter(40.0, 0.5, 0.1, 0.04)).unwrap()
}

/// Pace the posterior wall centre and report whether the LSPV centre activates.
fn lspv_activates(sheet: &AtrialSheet, lesion: Option<&Array3<f64>>) -> bool {
    let ms = MitchellSchaeffer::default();
    let mut sub = sheet.substrate.clone();
    if let Some(l) = lesion {
        apply_lesions(&mut sub, l).unwrap();
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
    md.run(300.0);
    let pv = sheet.pv_centres_mm[Pv::Lspv as usize];
    let n = node_at(&md, [pv[0], pv[1], 0.0]).unwrap();
    md.first_activation_ms()[n].is_finite()
}

#[test]
fn complete_pvi_blocks_conduction_into_the_vein_and_a_gap_does_not() {
    let s = sheet();
    assert!(lspv_activates(&s, None));
    let complete = LesionOptions::default();
    let pvi = lesion_set(&s, &Strategy::Pvi, &complete).unwrap();
    // The lesion must not cut through the vein itself.
    assert!(
        !pvi.iter()
            .zip(s.pv_mask(Pv::Lspv).iter())
            .any(|(&l, &v)| l > 0.0 && v)
    );
    assert!(!lspv_activates(&s, Some(&pvi)));
    // A 6 mm gap on the body side of each antral circle lets the wave in,
    // and removes 2 × 6 mm × 4 mm of lesion (within rasterisation error).
    let gapped = lesion_set(
        &s,
        &Strategy::Pvi,
        &LesionOptions {
            gap_mm: 6.0,
            ..complete
        },
    )
    .unwrap();
    assert!(lspv_activates(&s, Some(&gapped)));
    let missing =
        ablated_measure_cm(&s.substrate, &pvi) - ablated_measure_cm(&s.substrate, &gapped);
    assert!((missing - 0.48).abs() < 0.1, "gap area {missing} cm²");
}

/// Activation time (ms) at `x_mm` along a 1D strip (80 mm, D = 0.1 mm²/ms)
/// paced at x = 0, with a lesion band x ∈ [30, 40] mm of transmurality `t`.
fn strip_activation(t: f64, x_mm: &[f64]) -> Vec<f64> {
    let dx = 0.25;
    let sub = Substrate::sheet(321, 3, dx, 0.1, 0.1, 0.0).unwrap();
    let g = sub.domain.grid;
    let band = Array3::from_shape_fn(g.shape, |(i, _, _)| {
        let x = i as f64 * dx;
        if (30.0..40.0).contains(&x) { t } else { 0.0 }
    });
    let mut sub = sub;
    apply_lesions(&mut sub, &band).unwrap();
    let ms = MitchellSchaeffer::default();
    let mut md = Monodomain::new(sub, vec![ms], 0.05).unwrap();
    md.add_stimulus(Stimulus::train(
        Site::Box {
            min_mm: [0.0, 0.0, -1.0],
            max_mm: [1.0, 1.0, 1.0],
        },
        0.0,
        1000.0,
        1,
        ms.default_stimulus(),
    ))
    .unwrap();
    md.run(400.0);
    x_mm.iter()
        .map(|&x| md.first_activation_ms()[node_at(&md, [x, 0.25, 0.0]).unwrap()])
        .collect()
}

/// A non-transmural lesion keeps a conducting layer of 1 − t of the wall:
/// the band conducts at CV √(1 − t) (CV ∝ √D, tested in `tissue.rs`), so
/// the wave arrives late by (w / CV)(1/√(1 − t) − 1); a transmural band blocks.
#[test]
fn transmurality_slows_conduction_as_predicted_and_full_depth_blocks() {
    let xs = [10.0, 25.0, 60.0];
    let intact = strip_activation(0.0, &xs);
    let cv = 15.0 / (intact[1] - intact[0]);
    let t = 0.75;
    let partial = strip_activation(t, &xs);
    let predicted = 10.0 / cv * (1.0 / (1.0 - t).sqrt() - 1.0);
    let delay = partial[2] - intact[2];
    assert!(
        (delay - predicted).abs() < 0.15 * predicted,
        "delay {delay:.1} ms vs predicted {predicted:.1} ms (CV {cv:.3} mm/ms)"
    );
    let full = strip_activation(1.0, &xs);
    assert!(full[1].is_finite() && full[2].is_nan(), "{full:?}");
}

#[test]
fn isolated_antra_leave_the_atrial_body_and_bad_options_are_rejected() {
    let s = sheet();
    // No ablation: the whole sheet is one body.
    assert_eq!(atrial_body(&s.substrate).unwrap(), s.substrate);
    let mut ablated = s.substrate.clone();
    apply_lesions(
        &mut ablated,
        &lesion_set(&s, &Strategy::Pvi, &LesionOptions::default()).unwrap(),
    )
    .unwrap();
    let body = atrial_body(&ablated).unwrap();
    for pv in [Pv::Lspv, Pv::Lipv, Pv::Rspv, Pv::Ripv] {
        assert!(
            !body
                .domain
                .mask
                .iter()
                .zip(s.pv_mask(pv).iter())
                .any(|(&b, &v)| b && v)
        );
    }
    // The body keeps the tissue outside both antral lesion bands: the grid
    // area minus twice the area enclosed by the outer edge of a band, which
    // is the offset at w/2 of the centre-line ellipse (semi-axes A, B):
    // π A B + (w/2) P + π (w/2)² (Steiner's formula; P by Ramanujan's
    // approximation).
    let (r, w) = (s.spec.pv_radius_mm, 4.0);
    let big_a = 1.5 * r + 0.5 * w;
    let big_b = 0.5 * (s.pv_centres_mm[0][1] - s.pv_centres_mm[1][1]) + big_a;
    let pi = std::f64::consts::PI;
    let perimeter =
        pi * (3.0 * (big_a + big_b) - ((3.0 * big_a + big_b) * (big_a + 3.0 * big_b)).sqrt());
    let enclosed = pi * big_a * big_b + 0.5 * w * perimeter + pi * 0.25 * w * w;
    let g = s.substrate.domain.grid;
    let expected = (g.shape[0] * g.shape[1]) as f64 * 0.25 - 2.0 * enclosed;
    let got = body.domain.volume_mm3();
    assert!(
        (got - expected).abs() < 0.01 * expected,
        "{got} vs {expected}"
    );
    for bad in [
        LesionOptions {
            width_mm: 0.0,
            ..Default::default()
        },
        LesionOptions {
            transmurality: 0.0,
            ..Default::default()
        },
        LesionOptions {
            transmurality: 1.2,
            ..Default::default()
        },
        LesionOptions {
            gap_mm: -1.0,
            ..Default::default()
        },
    ] {
        assert!(lesion_set(&s, &Strategy::Pvi, &bad).is_err());
    }
}

#[test]
fn rotor_targets_pick_the_most_visited_cells_apart_from_earlier_targets() {
    // 30 visits near (12, 12), 20 near (40, 8), 5 near (13, 14).
    let mut ps = vec![[12.2, 12.4]; 30];
    ps.extend(vec![[40.5, 8.1]; 20]);
    ps.extend(vec![[13.0, 14.2]; 5]);
    let t = rotor_targets(&ps, 5.0, 2, 8.0, &[]);
    assert_eq!(t, vec![[12.5, 12.5], [42.5, 7.5]]);
    // Excluding the first target leaves the second; its close neighbour is skipped.
    assert_eq!(
        rotor_targets(&ps, 5.0, 2, 8.0, &[[12.0, 12.0]]),
        vec![[42.5, 7.5]]
    );
}

#[test]
fn targeted_lesions_join_the_nearest_boundary() {
    let s = sheet();
    let opts = LesionOptions::default();
    let base = lesion_set(&s, &Strategy::PviBox, &opts).unwrap();
    // A target 6 mm above the annulus (bottom edge): disk + 6 mm line down.
    let rad = opts.target_radius_mm;
    let target = [0.5 * s.spec.width_mm, 6.0];
    let with = lesion_set(
        &s,
        &Strategy::Targeted {
            base: Box::new(Strategy::PviBox),
            targets_mm: vec![target],
        },
        &opts,
    )
    .unwrap();
    let added = ablated_measure_cm(&s.substrate, &with) - ablated_measure_cm(&s.substrate, &base);
    // Disk plus a 4 mm wide line from y = 6 to the edge (half the disk overlaps
    // the line, the line's cap at the edge adds half a 2 mm disk).
    let pi = std::f64::consts::PI;
    let expected = (pi * rad * rad + 4.0 * (6.0 - rad) + pi * 4.0 / 2.0) / 100.0;
    assert!(
        (added - expected).abs() < 0.2 * expected,
        "{added} vs {expected}"
    );
    let g = s.substrate.domain.grid;
    let idx = g.voxel_coords([target[0], 0.0, 0.0]);
    assert_eq!(
        with[[idx[0] as usize, 0, 0]],
        1.0,
        "line reaches the annulus edge"
    );
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

/// A small LA sheet (30 mm atrium, 1 mm grid) with long-standing-AF cells
/// (τ_close 60 ms, τ_open 80 ms, as `AfPatient::cells` at remodelling 1),
/// optionally with a fibrotic patch of radius 6 mm in the lower body, far
/// from the veins (conductivity reduced, 30 % of voxels non-conducting).
fn patch_sheet(with_patch: bool) -> (AtrialSheet, Vec<MitchellSchaeffer>) {
    let mut s = AtrialSheet::new(AtrialSheetSpec::from_la_diameter(30.0, 1.0, 0.1, 0.04)).unwrap();
    if with_patch {
        let g = s.substrate.domain.grid;
        let patch = Array3::from_shape_fn(g.shape, |(i, j, k)| {
            let p = g.centre_mm(i, j, k);
            (p[0] - 30.0).powi(2) + (p[1] - 14.0).powi(2) <= 36.0
        });
        apply_fibrosis(&mut s.substrate, &patch, FibrosisEffect::default(), 7).unwrap();
    }
    let body = MitchellSchaeffer {
        tau_close_ms: 60.0,
        tau_open_ms: 80.0,
        ..MitchellSchaeffer::default()
    };
    let pv = MitchellSchaeffer {
        tau_close_ms: 0.85 * body.tau_close_ms,
        ..body
    };
    (s, vec![body, pv])
}

fn patch_protocol() -> InducibilityProtocol {
    InducibilityProtocol {
        site_spacing_mm: 15.0,
        sustain_ms: 600.0,
        ..InducibilityProtocol::default()
    }
}

/// On a substrate where re-entry anchors on a fibrotic patch, PVI alone
/// leaves AF inducible; the twin-guided target lands on the patch and its
/// lesion (joined to the nearest boundary) lowers the inducible fraction.
/// Without the patch PVI suffices, so the patch is what the target must
/// find. Inducibility is identical with one thread.
#[test]
fn guided_target_on_a_fibrotic_anchor_makes_pvi_sufficient() {
    let (plain, cells) = patch_sheet(false);
    let proto = patch_protocol();
    let opts = LesionOptions::default();
    let pvi_plain = lesion_set(&plain, &Strategy::Pvi, &opts).unwrap();
    let plain_res = inducibility(&plain.substrate, &cells, &pvi_plain, &proto).unwrap();
    assert_eq!(plain_res.inducible_fraction, 0.0, "{plain_res:?}");

    let (sheet, cells) = patch_sheet(true);
    let guide = GuideOptions {
        max_rounds: 1,
        ..GuideOptions::default()
    };
    let g = guided_ablation(&sheet, &cells, Strategy::Pvi, &opts, &proto, &guide).unwrap();
    let (pvi, last) = (&g.rounds[0].result, &g.last().result);
    eprintln!(
        "PVI {:.2} -> {} {:.2}",
        pvi.inducible_fraction,
        g.last().strategy.name(),
        last.inducible_fraction
    );
    assert!(pvi.inducible_fraction > 0.0, "PVI alone must fail here");
    assert!(last.inducible_fraction < pvi.inducible_fraction);
    let Strategy::Targeted { targets_mm, .. } = &g.last().strategy else {
        panic!("no target found");
    };
    // The target cell (5 mm) overlaps the 6 mm patch.
    let t = targets_mm[0];
    assert!(
        ((t[0] - 30.0).powi(2) + (t[1] - 14.0).powi(2)).sqrt() < 6.0 + 2.5 * 2f64.sqrt(),
        "target {t:?}"
    );

    let pvi_lesions = lesion_set(&sheet, &Strategy::Pvi, &opts).unwrap();
    let one_thread = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(|| inducibility(&sheet.substrate, &cells, &pvi_lesions, &proto).unwrap());
    assert_eq!(&one_thread, pvi);
}

/// The outer boundary holds the lesion ring and what it isolates, not a
/// non-conducting hole inside the body.
#[test]
fn outer_boundary_keeps_lesions_and_isolated_tissue_but_not_interior_holes() {
    let mut sub = Substrate::sheet(41, 41, 1.0, 0.1, 0.1, 0.0).unwrap();
    sub.domain.mask[[30, 30, 0]] = false; // a fibrotic hole
    let g = sub.domain.grid;
    let ring = LineLesion {
        points_mm: LineLesion::ellipse([12.0, 12.0], 6.0, 6.0, 2.0).points_mm,
        width_mm: 2.0,
        gaps: vec![],
    }
    .rasterise(&g)
    .unwrap();
    let t = ring.mapv(|b| if b { 1.0 } else { 0.0 });
    let mut ablated = sub.clone();
    apply_lesions(&mut ablated, &t).unwrap();
    let body = atrial_body(&ablated).unwrap();
    let outer = outer_boundary(&body, &t);
    assert!(outer[[12, 12, 0]], "isolated centre");
    assert!(outer[[18, 12, 0]], "ring");
    assert!(!outer[[30, 30, 0]], "interior hole");
    assert!(!outer[[25, 25, 0]], "body tissue");
    // Everything not in the body is either the hole or outer boundary.
    let n_outer = outer.iter().filter(|&&b| b).count();
    assert_eq!(n_outer + 1 + body.domain.n_inside(), 41 * 41);
}

/// A voxel touching the tissue only at a corner is not atrium: the solver
/// leaves it uncoupled (diagonal couplings need a complete quad).
#[test]
fn the_atrial_body_is_face_connected() {
    let mut sub = Substrate::sheet(6, 6, 0.5, 0.1, 0.05, 0.5).unwrap();
    sub.domain.mask.mapv_inplace(|_| false);
    for (i, j) in [(0, 0), (1, 0), (0, 1), (1, 1), (2, 2), (3, 3), (3, 4)] {
        sub.domain.mask[[i, j, 0]] = true;
    }
    let body = atrial_body(&sub).unwrap();
    let kept: Vec<_> = body
        .domain
        .mask
        .indexed_iter()
        .filter(|(_, m)| **m)
        .map(|((i, j, _), _)| (i, j))
        .collect();
    assert_eq!(kept, vec![(0, 0), (0, 1), (1, 0), (1, 1)]);
}
