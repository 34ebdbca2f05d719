//! openCARP mesh input (`geometry::carp`) on constructed meshes: boxes
//! split into tetrahedra, so the voxelised tissue is known exactly.

use twin_cardiac::cell::{CellModel, MitchellSchaeffer};
use twin_cardiac::geometry::CarpMesh;
use twin_cardiac::tissue::{Monodomain, Site, Stimulus, Substrate};
use twin_core::pde::{Domain, Grid};

/// openCARP text of boxes `[x0, x0 + size[0]] × [0, size[1]] × [0, size[2]]`
/// (mm, written in µm), each split into the 6 tetrahedra of the Kuhn
/// triangulation (all sharing the diagonal from corner 000 to 111), with a
/// tag and a fibre per box.
fn boxes(list: &[(f64, [f64; 3], i32, [f64; 3])]) -> (String, String, String) {
    let (mut pts, mut elem, mut lon) = (Vec::new(), Vec::new(), Vec::new());
    for &(x0, size, tag, fibre) in list {
        let base = pts.len();
        for c in 0..8 {
            let b = [c & 1, (c >> 1) & 1, (c >> 2) & 1];
            pts.push(format!(
                "{} {} {}",
                1e3 * (x0 + b[0] as f64 * size[0]),
                1e3 * b[1] as f64 * size[1],
                1e3 * b[2] as f64 * size[2]
            ));
        }
        // Each permutation of the axes is one monotone path 000 → 111.
        for perm in [
            [0, 1, 2],
            [0, 2, 1],
            [1, 0, 2],
            [1, 2, 0],
            [2, 0, 1],
            [2, 1, 0],
        ] {
            let mut corner = 0usize;
            let mut nodes = vec![base + corner];
            for axis in perm {
                corner |= 1 << axis;
                nodes.push(base + corner);
            }
            elem.push(format!(
                "Tt {} {} {} {} {tag}",
                nodes[0], nodes[1], nodes[2], nodes[3]
            ));
            lon.push(format!("{} {} {}", fibre[0], fibre[1], fibre[2]));
        }
    }
    let file = |header: String, rows: Vec<String>| format!("{header}\n{}\n", rows.join("\n"));
    (
        file(pts.len().to_string(), pts),
        file(elem.len().to_string(), elem),
        file("1".into(), lon),
    )
}

/// A 10 mm cube at 1 mm: the six tetrahedra fill it (volume 1000 mm³) and
/// every one of the 1000 voxel centres is inside exactly once, including the
/// centres on the shared diagonal faces; two boxes with their own tags and
/// fibres keep them voxel by voxel.
#[test]
fn boxes_voxelise_exactly_with_their_regions_and_fibres() {
    let (pts, elem, lon) = boxes(&[
        (0.0, [10.0; 3], 7, [2.0, 0.0, 0.0]),
        (10.0, [10.0; 3], 9, [0.0, 1.0, 0.0]),
    ]);
    let mesh = CarpMesh::parse(&pts, &elem, Some(&lon)).unwrap();
    assert!((mesh.volume_mm3().unwrap() - 2000.0).abs() < 1e-9);
    let sub = mesh.voxelise(1.0, 0.1, 0.025, &[(9, 1)]).unwrap();
    assert_eq!(sub.domain.grid.shape, [20, 10, 10]);
    assert_eq!(sub.domain.n_inside(), 2000);
    for ((i, j, k), &r) in sub.region.indexed_iter() {
        let (want_r, want_f) = if i < 10 {
            (0, [1.0, 0.0, 0.0])
        } else {
            (1, [0.0, 1.0, 0.0])
        };
        assert_eq!(r, want_r, "region at {i} {j} {k}");
        for (a, want) in want_f.iter().enumerate() {
            assert_eq!(sub.fibre[[i, j, k, a]], *want);
        }
    }
    // Without a .lon file: isotropic at the longitudinal diffusivity.
    let iso = CarpMesh::parse(&pts, &elem, None).unwrap();
    let sub = iso.voxelise(1.0, 0.1, 0.025, &[]).unwrap();
    assert!(sub.d_trans_mm2_per_ms.iter().all(|&d| d == 0.1));
}

/// A 20 × 4 × 4 mm slab voxelised at 0.5 mm is the same substrate as the
/// slab built directly on the same grid: a plane wave gives identical
/// activation times.
#[test]
fn a_voxelised_slab_conducts_like_the_direct_one() {
    let (pts, elem, lon) = boxes(&[(0.0, [20.0, 4.0, 4.0], 1, [1.0, 0.0, 0.0])]);
    let mesh = CarpMesh::parse(&pts, &elem, Some(&lon)).unwrap();
    let from_mesh = mesh.voxelise(0.5, 0.1, 0.025, &[]).unwrap();
    let grid = Grid::with_origin([40, 8, 8], [0.5; 3], [0.25; 3]).unwrap();
    let direct = Substrate::uniform(Domain::full(grid), [1.0, 0.0, 0.0], 0.1, 0.025).unwrap();
    assert_eq!(from_mesh, direct);
    let ms = MitchellSchaeffer::default();
    let mut md = Monodomain::new(from_mesh, vec![ms], 0.05).unwrap();
    md.add_stimulus(Stimulus::train(
        Site::Box {
            min_mm: [0.0, 0.0, 0.0],
            max_mm: [1.0, 4.0, 4.0],
        },
        0.0,
        1000.0,
        1,
        ms.default_stimulus(),
    ))
    .unwrap();
    md.run(80.0);
    let last = md.first_activation_ms()[md.n_nodes() - 1];
    assert!(
        last.is_finite() && last > 20.0,
        "far end activated at {last} ms"
    );
}

#[test]
fn malformed_meshes_give_errors_that_name_the_line() {
    let (pts, elem, _) = boxes(&[(0.0, [1.0; 3], 1, [1.0, 0.0, 0.0])]);
    let err = |p: &str, e: &str, l: Option<&str>| CarpMesh::parse(p, e, l).unwrap_err().to_string();
    assert!(err("9\n0 0 0\n", &elem, None).contains(".pts"));
    assert!(err(&pts.replacen("0 0 0", "0 zero 0", 1), &elem, None).contains(".pts line 2"));
    let far = elem.replacen("Tt 0", "Tt 99", 1);
    assert!(err(&pts, &far, None).contains("node indices below 8"));
    let tri = elem.replacen("Tt 0 1 3 7 1", "Tr 0 1 3 1", 1);
    assert!(err(&pts, &tri, None).contains("Tt (tetrahedra) elements only"));
    assert!(err(&pts, &elem, Some("3\n1 0 0\n")).contains("1 or 2"));
    assert!(err(&pts, &elem, Some("1\n1 0 0\n")).contains("one row per element"));
    // A flat element has no inverse.
    let flat = "4\n0 0 0\n1000 0 0\n0 1000 0\n1000 1000 0\n";
    let mesh = CarpMesh::parse(flat, "1\nTt 0 1 2 3 1\n", None).unwrap();
    assert!(
        mesh.voxelise(0.5, 0.1, 0.1, &[])
            .unwrap_err()
            .to_string()
            .contains("non-zero volume")
    );
    assert!(CarpMesh::read("/nonexistent/mesh").is_err());
}

/// A real-shaped left atrium: the wall of case 01 of Rodero et al. 2021's CT-derived
/// four-chamber meshes (`data/atria/rodero01_la`, openCARP text; source and licence in
/// `data/README.md`). The reader must give back the mesh's wall volume, 26,093.3 mm³
/// (sum of |det|/6 over its 31,533 tetrahedra, computed with NumPy 2.4.6 from the VTK
/// file the text was converted from); voxelised at 0.5 mm the wall keeps that volume
/// within 5 %; and a stimulus at one end activates the whole wall, the later the farther
/// from the stimulus.
#[test]
fn a_real_left_atrium_voxelises_to_its_wall_volume_and_conducts() {
    let base = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/atria/rodero01_la/la");
    let mesh = CarpMesh::read(base).unwrap();
    let volume = mesh.volume_mm3().unwrap();
    assert!((volume / 26_093.3 - 1.0).abs() < 1e-4, "{volume}");
    let tissue = mesh.voxelise(0.5, 0.1, 0.1, &[]).unwrap();
    let voxels = tissue.domain.mask.iter().filter(|&&m| m).count();
    let voxel_volume = voxels as f64 * 0.125;
    println!("wall {volume:.0} mm³, voxelised at 0.5 mm: {voxel_volume:.0} mm³ ({voxels} voxels)");
    assert!((voxel_volume / volume - 1.0).abs() < 0.05, "{voxel_volume}");

    let grid = tissue.domain.grid;
    let ms = MitchellSchaeffer::default();
    let mut md = Monodomain::new(tissue, vec![ms], 0.05).unwrap();
    let x0 = grid.origin_mm[0];
    md.add_stimulus(Stimulus::train(
        Site::Box {
            min_mm: [x0 - 1.0, -1e3, -1e3],
            max_mm: [x0 + 4.0, 1e3, 1e3],
        },
        0.0,
        1000.0,
        1,
        ms.default_stimulus(),
    ))
    .unwrap();
    md.run(320.0);
    let t = md.first_activation_ms();
    let activated = t.iter().filter(|x| x.is_finite()).count();
    let x: Vec<f64> = md
        .coords()
        .iter()
        .map(|c| grid.origin_mm[0] + c[0] as f64 * grid.spacing_mm[0])
        .collect();
    let last = t.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    println!(
        "activated {activated} of {} nodes, last at {last:.0} ms",
        t.len()
    );
    assert!(activated as f64 >= 0.99 * t.len() as f64);
    // Farther along x from the stimulated end, later on average: the mean activation
    // time of each 10 mm slab rises with the slab's distance.
    let slab_means: Vec<f64> = (0..8)
        .filter_map(|s| {
            let (lo, hi) = (x0 + 10.0 * s as f64, x0 + 10.0 * (s + 1) as f64);
            let v: Vec<f64> = x
                .iter()
                .zip(t)
                .filter(|(xi, ti)| (lo..hi).contains(*xi) && ti.is_finite())
                .map(|(_, ti)| *ti)
                .collect();
            (v.len() > 50).then(|| v.iter().sum::<f64>() / v.len() as f64)
        })
        .collect();
    println!("mean activation per 10 mm slab: {slab_means:.0?}");
    assert!(slab_means.len() >= 6);
    assert!(slab_means.windows(2).all(|w| w[1] > w[0]), "{slab_means:?}");
}
