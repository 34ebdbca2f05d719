//! The parametric 3D left atrium, NIfTI label-map input, and propagation
//! through the 3D wall.

use nalgebra::{Matrix3, SymmetricEigen};
use twin_cardiac::ablation::atrial_body;
use twin_cardiac::cell::{CellModel, MitchellSchaeffer};
use twin_cardiac::error::CardiacError;
use twin_cardiac::geometry::{
    LeftAtrium, LeftAtriumSpec, Pv, atrium_from_labels, ellipsoidal_shell, read_atrium_nifti,
    write_atrium_nifti,
};
use twin_cardiac::tissue::{Monodomain, Site, Stimulus};
use twin_core::pde::Grid;
use twin_io::nifti_io::LabelMap;

const PI: f64 = std::f64::consts::PI;

fn atrium(dx: f64) -> LeftAtrium {
    LeftAtrium::new(LeftAtriumSpec::from_la_diameter(40.0, dx, 0.1, 0.04)).unwrap()
}

/// Voxelised shell volume vs 4/3 π [(a+w)(b+w)(c+w) − abc]; the error is a
/// surface effect that shrinks with dx.
#[test]
fn shell_volume_matches_the_analytic_volume() {
    let (s, w) = ([25.0, 20.0, 23.0], 3.0);
    let exact = 4.0 / 3.0 * PI * ((s[0] + w) * (s[1] + w) * (s[2] + w) - s[0] * s[1] * s[2]);
    let mut errs = Vec::new();
    for dx in [1.0, 0.5] {
        let n = (2.0 * 30.0 / dx) as usize + 1;
        let g = Grid::with_origin([n; 3], [dx; 3], [-30.0; 3]).unwrap();
        let shell = ellipsoidal_shell(&g, [0.0; 3], s, w);
        let v = shell.iter().filter(|&&m| m).count() as f64 * dx * dx * dx;
        errs.push((v - exact).abs() / exact);
    }
    eprintln!("relative shell-volume errors at dx 1, 0.5 mm: {errs:?}");
    assert!(errs[1] < 0.01, "{errs:?}");
    assert!(errs[0] < 0.03, "{errs:?}");
}

#[test]
fn atrium_has_four_connected_sleeves_and_the_requested_volume() {
    let la = atrium(0.75);
    let sub = &la.substrate;
    let voxel = sub.domain.grid.voxel_volume_mm3();
    // One connected piece: the body component is the whole tissue.
    assert_eq!(atrial_body(sub).unwrap().domain.mask, sub.domain.mask);
    // Each sleeve: a tube of inner radius r, wall w, length L beyond the
    // wall (π((r+w)² − r²) L), within 20 % (the tube meets a curved wall).
    let s = la.spec;
    let tube =
        PI * ((s.pv_radius_mm + s.wall_mm).powi(2) - s.pv_radius_mm.powi(2)) * s.pv_length_mm;
    for pv in [Pv::Lspv, Pv::Lipv, Pv::Rspv, Pv::Ripv] {
        let v = la.pv_mask(pv).iter().filter(|&&m| m).count() as f64 * voxel;
        assert!((v - tube).abs() < 0.2 * tube, "{pv:?}: {v} vs {tube} mm³");
    }
    // Holes: the mitral annulus and the lumens remove tissue from the shell.
    let shell = ellipsoidal_shell(&sub.domain.grid, [0.0; 3], s.semi_axes_mm, s.wall_mm);
    let mv = PI * s.mitral_radius_mm.powi(2) * s.wall_mm;
    let missing = shell
        .iter()
        .zip(&sub.domain.mask)
        .filter(|&(&sh, &m)| sh && !m)
        .count() as f64
        * voxel;
    let lumens = 4.0 * PI * s.pv_radius_mm.powi(2) * s.wall_mm;
    assert!(
        (missing - mv - lumens).abs() < 0.2 * (mv + lumens),
        "{missing} vs {}",
        mv + lumens
    );
    // Volume-based sizing is the inverse of the chamber volume.
    let v = LeftAtriumSpec::from_la_volume_ml(60.0, 1.0, 0.1, 0.04).unwrap();
    assert!((v.chamber_volume_ml() - 60.0).abs() < 1e-9);
    assert!(LeftAtriumSpec::from_la_volume_ml(-1.0, 1.0, 0.1, 0.04).is_err());
}

/// Fibres are unit vectors tangent to the wall. The wall normal is estimated
/// independently of the generator: the least-variance axis of the tissue
/// voxels within 4 mm (a wall patch is a thin slab).
#[test]
fn fibres_are_unit_and_tangent_to_the_wall() {
    let la = atrium(1.0);
    let sub = &la.substrate;
    let g = sub.domain.grid;
    let pts: Vec<([usize; 3], [f64; 3])> = sub
        .domain
        .mask
        .indexed_iter()
        .filter(|(_, m)| **m)
        .map(|((i, j, k), _)| ([i, j, k], g.centre_mm(i, j, k)))
        .collect();
    let mut cosines = Vec::new();
    for (n, (idx, p)) in pts.iter().enumerate() {
        let f = [0, 1, 2].map(|a| sub.fibre[[idx[0], idx[1], idx[2], a]]);
        let norm = (f[0] * f[0] + f[1] * f[1] + f[2] * f[2]).sqrt();
        assert!((norm - 1.0).abs() < 1e-12, "|f| = {norm} at {idx:?}");
        if n % 97 != 0 {
            continue;
        }
        let near: Vec<&[f64; 3]> = pts
            .iter()
            .map(|(_, q)| q)
            .filter(|q| (0..3).map(|a| (q[a] - p[a]).powi(2)).sum::<f64>() < 16.0)
            .collect();
        let mean = [0, 1, 2].map(|a| near.iter().map(|q| q[a]).sum::<f64>() / near.len() as f64);
        let mut c = Matrix3::<f64>::zeros();
        for q in &near {
            for a in 0..3 {
                for b in 0..3 {
                    c[(a, b)] += (q[a] - mean[a]) * (q[b] - mean[b]);
                }
            }
        }
        let e = SymmetricEigen::new(c);
        let k = e.eigenvalues.imin();
        let normal = e.eigenvectors.column(k);
        cosines.push((0..3).map(|a| f[a] * normal[a]).sum::<f64>().abs());
    }
    cosines.sort_by(f64::total_cmp);
    let median = cosines[cosines.len() / 2];
    let p90 = cosines[cosines.len() * 9 / 10];
    eprintln!(
        "|f·n|: median {median:.3}, 90th percentile {p90:.3} over {} samples",
        cosines.len()
    );
    // Tangent: median angle to the wall plane below 6°, 90 % below 20°
    // (junctions of veins and wall have no single plane).
    assert!(median < 0.1 && p90 < 0.35, "median {median}, p90 {p90}");
}

#[test]
fn label_maps_round_trip_through_nifti_and_bad_maps_are_rejected() {
    let la = atrium(1.0);
    let fib = twin_cardiac::fibrosis::fibrosis_map(
        &la.substrate,
        0.2,
        twin_cardiac::fibrosis::FibrosisPattern::Patchy,
        3,
    )
    .unwrap();
    let dir = std::env::temp_dir().join(format!("twin_cardiac_atrium_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("la.nii.gz");
    write_atrium_nifti(&path, &la.substrate, Some(&fib)).unwrap();
    let back = read_atrium_nifti(&path, 0.08).unwrap();
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(back.substrate.domain.grid, la.substrate.domain.grid);
    assert_eq!(back.substrate.domain.mask, la.substrate.domain.mask);
    assert_eq!(back.substrate.region, la.substrate.region);
    // Fibrosis survives except where a sleeve label (3) takes precedence.
    let body_fib = &fib & &la.substrate.region.mapv(|r| r == 0);
    assert_eq!(back.fibrosis, body_fib);
    let n_t = la.substrate.domain.n_inside() as f64;
    let expected = body_fib.iter().filter(|&&f| f).count() as f64 / n_t;
    assert!((back.fibrosis_burden - expected).abs() < 1e-12);

    let g = Grid::new_3d([8, 8, 8], [1.0; 3]).unwrap();
    let empty = LabelMap {
        grid: g,
        labels: ndarray::Array3::zeros([8, 8, 8]),
    };
    let err = atrium_from_labels(&empty, 0.1).unwrap_err();
    assert!(err.to_string().contains("no wall voxel"), "{err}");
    let flat = LabelMap {
        grid: Grid::new_2d(8, 8, 1.0, 1.0).unwrap(),
        labels: ndarray::Array3::from_elem([8, 8, 1], 1),
    };
    assert!(
        atrium_from_labels(&flat, 0.1)
            .unwrap_err()
            .to_string()
            .contains("3D volume")
    );
    let mut odd = LabelMap {
        grid: g,
        labels: ndarray::Array3::from_elem([8, 8, 8], 1),
    };
    odd.labels[[2, 2, 2]] = 7;
    assert!(matches!(
        atrium_from_labels(&odd, 0.1),
        Err(CardiacError::InvalidInput { field, .. }) if field == "label"
    ));
    assert!(read_atrium_nifti(std::env::temp_dir().join("missing_twin_la.nii"), 0.1).is_err());
}

/// A stimulus at the roof activates the whole 3D wall, the equator before
/// the floor, and each vein sleeve from its ostium outwards.
#[test]
fn a_wave_propagates_through_the_3d_wall() {
    let la = atrium(1.0);
    let ms = MitchellSchaeffer::default();
    let mut md = Monodomain::new(la.substrate.clone(), vec![ms, ms], 0.1).unwrap();
    let c = la.spec.semi_axes_mm[2] + 0.5 * la.spec.wall_mm;
    md.add_stimulus(Stimulus::train(
        Site::Disk {
            centre_mm: [0.0, 0.0, c],
            radius_mm: 3.0,
        },
        0.0,
        1000.0,
        1,
        ms.default_stimulus(),
    ))
    .unwrap();
    md.run(300.0);
    let act = md.first_activation_ms();
    let n = act.len();
    let activated = act.iter().filter(|t| t.is_finite()).count();
    assert_eq!(activated, n, "{activated} of {n} nodes activated");
    let at = |p: [f64; 3]| act[twin_cardiac::analysis::node_at(&md, p).unwrap()];
    let floor = at([0.0, 0.0, -c]);
    let roof = at([0.0, 0.0, c]);
    let side = at([la.spec.semi_axes_mm[0] + 0.5 * la.spec.wall_mm, 0.0, 0.0]);
    eprintln!("activation: roof {roof:.1} ms, lateral equator {side:.1} ms, floor {floor:.1} ms");
    assert!(
        roof < side && side < floor,
        "roof {roof}, side {side}, floor {floor}"
    );
    // In each sleeve activation spreads outwards: the outer half of the
    // sleeve (along the vein axis) activates later on average.
    let g = la.substrate.domain.grid;
    for pv in [Pv::Lspv, Pv::Lipv, Pv::Rspv, Pv::Ripv] {
        let o = la.veins[pv as usize];
        let mut pts: Vec<(f64, f64)> = la
            .pv_mask(pv)
            .indexed_iter()
            .filter(|(_, m)| **m)
            .map(|((i, j, k), _)| {
                let p = g.centre_mm(i, j, k);
                let t: f64 = (0..3).map(|a| (p[a] - o.centre_mm[a]) * o.axis[a]).sum();
                (t, act[md.index()[[i, j, k]] as usize])
            })
            .collect();
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        let half = pts.len() / 2;
        let mean = |s: &[(f64, f64)]| s.iter().map(|p| p.1).sum::<f64>() / s.len() as f64;
        let (inner, outer) = (mean(&pts[..half]), mean(&pts[half..]));
        assert!(
            outer > inner + 1.0,
            "{pv:?}: inner {inner:.1} ms, outer {outer:.1} ms"
        );
    }
}
