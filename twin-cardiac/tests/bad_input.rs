//! Bad or unusual input gives a typed error or a correct result, never a
//! panic, a hang or a silently wrong value: pacing sites on offset and 3D
//! grids, AF classification, substrate fibres and diffusivities, points
//! outside the grid, single-voxel tissue, malformed openCARP meshes and
//! lesions narrower than the grid.

use twin_cardiac::ablation::{
    InducibilityProtocol, LesionOptions, LineLesion, Strategy, apply_lesions, atrial_body,
    inducibility, lesion_set, pace_site, pacing_sites,
};
use twin_cardiac::analysis::{classify_af, conduction_velocity_between, node_at};
use twin_cardiac::cell::{CellModel, MitchellSchaeffer};
use twin_cardiac::geometry::{AtrialSheet, AtrialSheetSpec, CarpMesh};
use twin_cardiac::tissue::{Monodomain, Site, Stimulus, Substrate};
use twin_core::pde::{Domain, Grid};

/// A fully conducting isotropic substrate on `grid`.
fn full(grid: Grid) -> Substrate {
    Substrate::uniform(Domain::full(grid), [1.0, 0.0, 0.0], 0.1, 0.1).unwrap()
}

/// The pacing lattice before world coordinates (origin 0 assumed), kept
/// verbatim to prove the cohort's sites are unchanged.
fn old_pacing_sites(body: &Substrate, spacing_mm: f64) -> Vec<[f64; 2]> {
    let g = body.domain.grid;
    let tissue: Vec<[f64; 2]> = body
        .domain
        .mask
        .indexed_iter()
        .filter(|(_, m)| **m)
        .map(|((i, j, k), _)| {
            let c = g.centre_mm(i, j, k);
            [c[0], c[1]]
        })
        .collect();
    let (lx, ly) = (
        (g.shape[0] - 1) as f64 * g.spacing_mm[0],
        (g.shape[1] - 1) as f64 * g.spacing_mm[1],
    );
    let r2 = (0.25 * spacing_mm).powi(2);
    let mut sites = Vec::new();
    let mut y = 0.5 * spacing_mm;
    while y < ly {
        let mut x = 0.5 * spacing_mm;
        while x < lx {
            let nearest = tissue
                .iter()
                .map(|q| ((q[0] - x).powi(2) + (q[1] - y).powi(2), *q))
                .filter(|(d2, _)| *d2 <= r2)
                .min_by(|a, b| a.0.total_cmp(&b.0));
            if let Some((_, q)) = nearest {
                sites.push(q);
            }
            x += spacing_mm;
        }
        y += spacing_mm;
    }
    sites
}

/// The cohort's sheets (origin 0, PVI with the default 4 mm lines, truth and
/// twin spacings) keep exactly the pacing sites of the old formula.
#[test]
fn pacing_sites_of_origin_zero_sheets_are_unchanged() {
    for (diameter, dx) in [(40.0, 1.0), (40.0, 1.5), (47.0, 1.0), (33.0, 1.5)] {
        let sheet =
            AtrialSheet::new(AtrialSheetSpec::from_la_diameter(diameter, dx, 0.1, 0.04)).unwrap();
        let lesions = lesion_set(&sheet, &Strategy::Pvi, &LesionOptions::default()).unwrap();
        let mut ablated = sheet.substrate.clone();
        apply_lesions(&mut ablated, &lesions).unwrap();
        let body = atrial_body(&ablated).unwrap();
        let old = old_pacing_sites(&body, 10.0);
        assert!(old.len() >= 5, "{diameter} mm at {dx} mm: {old:?}");
        assert_eq!(pacing_sites(&body, 10.0).unwrap(), old);
    }
}

/// The lattice follows the grid origin: a 20 mm square at (100, 100) mm gets
/// the four sites 5 mm in from its first voxel centres (none before).
#[test]
fn pacing_sites_follow_the_grid_origin() {
    let g = Grid::with_origin([41, 41, 1], [0.5, 0.5, 1.0], [100.0, 100.0, 0.0]).unwrap();
    let sites = pacing_sites(&full(g), 10.0).unwrap();
    assert_eq!(
        sites,
        vec![
            [105.0, 105.0],
            [115.0, 105.0],
            [105.0, 115.0],
            [115.0, 115.0]
        ]
    );
}

/// No lattice site on the tissue is an error naming the spacing, not an
/// inducible fraction of 0 (which reads as "ablation succeeded"); 3D tissue
/// is refused rather than paced at z = 0.
#[test]
fn no_pacing_site_and_3d_tissue_are_errors() {
    let sheet = AtrialSheet::new(AtrialSheetSpec::from_la_diameter(40.0, 1.5, 0.1, 0.04)).unwrap();
    let err = pacing_sites(&sheet.substrate, 1000.0)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("site_spacing_mm") && err.contains("1000"),
        "{err}"
    );
    let protocol = InducibilityProtocol {
        site_spacing_mm: 1000.0,
        ..InducibilityProtocol::default()
    };
    let none = sheet.substrate.domain.grid.zeros();
    let ms = MitchellSchaeffer::default();
    let err = inducibility(&sheet.substrate, &[ms, ms], &none, &protocol)
        .unwrap_err()
        .to_string();
    assert!(err.contains("site_spacing_mm"), "{err}");

    let g3 = Grid::with_origin([20, 20, 4], [1.0; 3], [0.0, 0.0, 10.0]).unwrap();
    let err = pacing_sites(&full(g3), 10.0).unwrap_err().to_string();
    assert!(err.contains("2D"), "{err}");
}

/// A 2D sheet whose plane is not z = 0 is paced at its own plane.
#[test]
fn pace_site_paces_a_sheet_off_the_z_origin() {
    let g = Grid::with_origin([21, 21, 1], [0.5, 0.5, 1.0], [0.0, 0.0, 5.0]).unwrap();
    let protocol = InducibilityProtocol {
        n_beats: 1,
        ..InducibilityProtocol::default()
    };
    let md = pace_site(
        &full(g),
        &[MitchellSchaeffer::default()],
        [5.0, 5.0],
        &protocol,
    )
    .unwrap();
    let probe = node_at(&md, [5.0, 5.0, 5.0]).unwrap();
    assert_eq!(md.activation_count()[probe], 1);
}

/// A linear membrane `dv/dt = v`: an excited node grows without bound and the
/// sheet overflows to NaN, as a diverged simulation does.
#[derive(Debug, Clone, Copy)]
struct Runaway;

impl CellModel for Runaway {
    type State = ();
    fn name(&self) -> &'static str {
        "runaway"
    }
    fn resting(&self) -> (f64, ()) {
        (0.0, ())
    }
    fn step(&self, v: f64, _s: &mut (), _stim: f64, _dt: f64) -> f64 {
        v
    }
    fn v_to_mv(&self, v: f64) -> f64 {
        v
    }
    fn default_stimulus(&self) -> twin_cardiac::cell::StimulusPulse {
        twin_cardiac::cell::StimulusPulse {
            amplitude_per_ms: 1.0,
            duration_ms: 1.0,
        }
    }
    fn max_dt_ms(&self) -> f64 {
        10.0
    }
    fn activation_threshold(&self) -> f64 {
        0.5
    }
}

fn stimulated<M: CellModel>(cell: M) -> Monodomain<M> {
    let sub = Substrate::sheet(20, 20, 0.5, 0.1, 0.1, 0.0).unwrap();
    let pulse = cell.default_stimulus();
    let mut md = Monodomain::new(sub, vec![cell], 0.1).unwrap();
    let site = Site::Disk {
        centre_mm: [5.0, 5.0, 0.0],
        radius_mm: 1.0,
    };
    md.add_stimulus(Stimulus::train(site, 0.0, 1000.0, 1, pulse))
        .unwrap();
    md.run(5.0);
    md
}

/// A sample interval below the step (no time would pass), non-positive or
/// non-finite, or a bad window, is an error rather than "sustained" or a
/// hang; a diverged sheet is an error rather than "terminated".
#[test]
fn classify_af_rejects_bad_intervals_and_diverged_sheets() {
    let ms = MitchellSchaeffer::default();
    for (window, sample) in [
        (100.0, 0.04),
        (100.0, -10.0),
        (100.0, 0.0),
        (100.0, f64::NAN),
        (f64::INFINITY, 10.0),
        (-5.0, 10.0),
    ] {
        let mut md = stimulated(ms);
        let t0 = md.t_ms();
        let err = classify_af(&mut md, window, sample)
            .err()
            .unwrap_or_else(|| panic!("window {window}, sample {sample} accepted"))
            .to_string();
        assert!(err.contains("_ms"), "{err}");
        assert_eq!(md.t_ms(), t0, "simulated before validating");
    }
    // Valid intervals still classify: a single wave dies out.
    let mut md = stimulated(ms);
    let out = classify_af(&mut md, 1000.0, 10.0).unwrap();
    assert!(!out.sustained && out.terminated_at_ms.is_some(), "{out:?}");

    let mut md = stimulated(Runaway);
    let err = classify_af(&mut md, 3000.0, 10.0).unwrap_err().to_string();
    assert!(err.contains("non-finite"), "{err}");
}

/// The doc promises `d_trans <= d_long`; fibres must be finite unit vectors
/// (a length-2 fibre quadruples the anisotropic part of the tensor).
#[test]
fn substrate_rejects_bad_fibres_and_inverted_anisotropy() {
    let base = Substrate::sheet(6, 6, 0.5, 0.1, 0.04, 0.0).unwrap();
    let mut s = base.clone();
    s.d_trans_mm2_per_ms[[2, 3, 0]] = 0.2;
    let err = s.validate().unwrap_err().to_string();
    assert!(
        err.contains("d_trans_mm2_per_ms") && err.contains("0.2"),
        "{err}"
    );

    let mut s = base.clone();
    s.fibre[[1, 1, 0, 0]] = 2.0;
    let err = s.validate().unwrap_err().to_string();
    assert!(err.contains("fibre") && err.contains("unit"), "{err}");

    let mut s = base.clone();
    s.fibre[[1, 1, 0, 1]] = f64::NAN;
    let err = s.validate().unwrap_err().to_string();
    assert!(err.contains("fibre"), "{err}");
    let err = Monodomain::new(s, vec![MitchellSchaeffer::default()], 0.1)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("fibre"), "{err}");

    // Outside the tissue the fibre is never used.
    let mut s = base;
    s.domain.mask[[0, 0, 0]] = false;
    s.fibre[[0, 0, 0, 0]] = 0.0;
    assert!(s.validate().is_ok());
}

/// A NaN coordinate is outside the grid (it used to round to voxel 0).
#[test]
fn nan_points_are_outside_the_grid() {
    let mut md = stimulated(MitchellSchaeffer::default());
    md.run(100.0);
    let err = node_at(&md, [f64::NAN, 0.0, 0.0]).unwrap_err().to_string();
    assert!(err.contains("point_mm"), "{err}");
    assert!(conduction_velocity_between(&md, [0.0, 0.0, 0.0], [2.0, 0.0, 0.0]).is_ok());
    assert!(conduction_velocity_between(&md, [f64::NAN, 0.0, 0.0], [2.0, 0.0, 0.0]).is_err());
}

/// A single voxel is a single cell: no neighbours, an action potential.
#[test]
fn a_single_voxel_fires_like_a_cell() {
    let ms = MitchellSchaeffer::default();
    let sub = Substrate::sheet(1, 1, 0.5, 0.1, 0.1, 0.0).unwrap();
    let mut md = Monodomain::new(sub, vec![ms], 0.1).unwrap();
    md.add_stimulus(Stimulus::train(
        Site::Disk {
            centre_mm: [0.0; 3],
            radius_mm: 0.1,
        },
        1.0,
        1000.0,
        1,
        ms.default_stimulus(),
    ))
    .unwrap();
    md.run(20.0);
    assert_eq!(md.activation_count(), &[1]);
    assert!(md.v_at(0) > 0.8, "{}", md.v_at(0));
}

/// A tetrahedron spanning 2³² mm in x and y at 1 mm would need 2⁶⁴ voxels,
/// which wraps to 0 in an unchecked product: an error, not a panicking
/// allocation; hand-built meshes with bad indices or short tag and fibre
/// lists are errors, not panics.
#[test]
fn malformed_carp_meshes_are_errors() {
    let unit = CarpMesh {
        points_mm: vec![
            [0.0, 0.0, 0.0],
            [1.0, 0.0, 0.0],
            [0.0, 1.0, 0.0],
            [0.0, 0.0, 1.0],
        ],
        tets: vec![[0, 1, 2, 3]],
        tags: vec![1],
        fibres: None,
    };
    assert!((unit.volume_mm3().unwrap() - 1.0 / 6.0).abs() < 1e-12);

    let huge = CarpMesh {
        points_mm: vec![
            [0.0; 3],
            [2f64.powi(32), 0.0, 0.0],
            [0.0, 2f64.powi(32), 0.0],
            [0.0, 0.0, 0.5],
        ],
        ..unit.clone()
    };
    let err = huge.voxelise(1.0, 0.1, 0.1, &[]).unwrap_err().to_string();
    assert!(err.contains("dx_mm"), "{err}");

    let bad_index = CarpMesh {
        tets: vec![[0, 1, 2, 9]],
        ..unit.clone()
    };
    let short_tags = CarpMesh {
        tags: vec![],
        ..unit.clone()
    };
    let short_fibres = CarpMesh {
        fibres: Some(vec![]),
        ..unit.clone()
    };
    let nan_point = CarpMesh {
        points_mm: vec![
            [f64::NAN; 3],
            [1.0, 0.0, 0.0],
            [0.0, 1.0, 0.0],
            [0.0, 0.0, 1.0],
        ],
        ..unit.clone()
    };
    for (mesh, field) in [
        (bad_index, "tets"),
        (short_tags, "tags"),
        (short_fibres, "fibres"),
        (nan_point, "points_mm"),
    ] {
        let err = mesh.voxelise(0.1, 0.1, 0.1, &[]).unwrap_err().to_string();
        assert!(err.contains(field), "{err}");
        let err = mesh.volume_mm3().unwrap_err().to_string();
        assert!(err.contains(field), "{err}");
    }
}

/// A line narrower than the grid spacing can fall between voxel centres and
/// vanish: an error. Widths of at least the spacing always hit voxels.
#[test]
fn lesions_narrower_than_the_grid_are_errors() {
    let g = Grid::new_2d(30, 10, 1.5, 1.5).unwrap();
    let line = |width_mm| LineLesion {
        points_mm: vec![[5.0, 0.75], [30.0, 0.75]],
        width_mm,
        gaps: vec![],
    };
    let err = line(1.0).rasterise(&g).unwrap_err().to_string();
    assert!(err.contains("width_mm") && err.contains("1.5"), "{err}");
    let mask = line(1.5).rasterise(&g).unwrap();
    // Every column the line crosses (x from 5 to 30 mm) is cut.
    for i in 4..=19 {
        assert!((0..10).any(|j| mask[[i, j, 0]]), "column {i} not cut");
    }
    // The defaults are valid at the study's spacings.
    for dx in [0.5, 1.0, 1.5] {
        let sheet =
            AtrialSheet::new(AtrialSheetSpec::from_la_diameter(40.0, dx, 0.1, 0.04)).unwrap();
        assert!(lesion_set(&sheet, &Strategy::PviBox, &LesionOptions::default()).is_ok());
    }
}
