//! NIfTI reading against the MNI ICBM152 files in `data/mni152/`, round trips,
//! geometry, resampling and corrupted files.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use ndarray::Array3;
use proptest::prelude::*;
use twin_core::pde::Grid;
use twin_io::nifti_io::{
    LabelMap, Volume, read_labels, read_probability, read_volume, resample_labels,
    resample_trilinear, volume_from_bytes, write_labels, write_volume,
};

fn mni(name: &str) -> PathBuf {
    PathBuf::from(format!(
        "{}/../data/mni152/mni_icbm152_{name}_tal_nlin_sym_09a_converted.nii.gz",
        env!("CARGO_MANIFEST_DIR")
    ))
}

fn tmp(ext: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!("twin_io_test_{}_{n}.{ext}", std::process::id()))
}

/// Golden values from data/README.md (read the same by nibabel 5.4.2 and nifti 0.18.0):
/// shape, affine origin, sum of voxel values, non-zero and distinct counts, voxel (98,134,72).
#[test]
fn mni152_golden_values() {
    for (name, sum, nonzero, distinct, centre) in [
        ("t1", 333_468_829u64, 1_886_539usize, 225usize, 71.0),
        ("gm", 257_090_788, 1_961_850, 256, 23.0),
        ("wm", 170_935_158, 1_679_097, 256, 0.0),
    ] {
        let v = read_volume(mni(name)).unwrap();
        assert_eq!(v.grid.shape, [197, 233, 189], "{name}");
        assert_eq!(v.grid.spacing_mm, [1.0; 3]);
        assert_eq!(v.grid.origin_mm, [-98.0, -134.0, -72.0]);
        assert_eq!(v.grid.centre_mm(98, 134, 72), [0.0; 3]);
        assert_eq!(v.data.iter().map(|&x| x as u64).sum::<u64>(), sum, "{name}");
        assert_eq!(
            v.data.iter().filter(|&&x| x != 0.0).count(),
            nonzero,
            "{name}"
        );
        let mut seen = [false; 256];
        v.data.iter().for_each(|&x| seen[x as usize] = true);
        assert_eq!(seen.iter().filter(|&&s| s).count(), distinct, "{name}");
        assert_eq!(v.data[[98, 134, 72]], centre, "{name}");
    }
    // Probability maps: value / 255, and GM + WM never exceeds 1 (README).
    let gm = read_probability(mni("gm"), 255.0).unwrap();
    let wm = read_probability(mni("wm"), 255.0).unwrap();
    assert!((gm.data[[98, 134, 72]] - 23.0 / 255.0).abs() < 1e-15);
    assert!(
        ndarray::Zip::from(&gm.data)
            .and(&wm.data)
            .all(|g, w| g + w <= 1.0 + 1e-12)
    );
    // A uint8 map read as labels keeps its values; divided by a too small maximum it is rejected.
    let lab = read_labels(mni("gm")).unwrap();
    assert_eq!(lab.labels[[98, 134, 72]], 23);
    assert!(read_probability(mni("gm"), 100.0).is_err());
}

#[test]
fn write_read_mni_subvolume_preserves_geometry() {
    let v = read_volume(mni("t1")).unwrap();
    let g = Grid::with_origin([40, 30, 20], [1.0; 3], [-20.0, -15.0, -10.0]).unwrap();
    let sub = resample_trilinear(&v, &g, 0.0).unwrap();
    // Grid points coincide with source voxel centres: resampling is a copy.
    assert_eq!(sub.data[[20, 15, 10]], v.data[[98, 134, 72]]);
    let p = tmp("nii.gz");
    write_volume(&p, &sub).unwrap();
    let back = read_volume(&p).unwrap();
    std::fs::remove_file(&p).ok();
    assert_eq!(back, sub);
}

#[test]
fn trilinear_reproduces_linear_fields_and_labels_stay_integer() {
    // Trilinear interpolation is exact for f = a + b x + c y + d z.
    let src = Grid::with_origin([12, 10, 8], [2.0, 1.5, 3.0], [-5.0, 2.0, 1.0]).unwrap();
    let f = |p: [f64; 3]| 1.0 + 0.5 * p[0] - 0.25 * p[1] + 2.0 * p[2];
    let data = Array3::from_shape_fn(src.shape, |(i, j, k)| f(src.centre_mm(i, j, k)));
    let v = Volume { grid: src, data };
    let dst = Grid::with_origin([9, 7, 5], [1.3, 0.7, 2.1], [-3.1, 3.3, 4.0]).unwrap();
    let r = resample_trilinear(&v, &dst, f64::NAN).unwrap();
    for ((i, j, k), &x) in r.data.indexed_iter() {
        assert!((x - f(dst.centre_mm(i, j, k))).abs() < 1e-12);
    }
    let labels = Array3::from_shape_fn(src.shape, |(i, _, _)| if i < 6 { 1u16 } else { 4 });
    let m = LabelMap { grid: src, labels };
    let rl = resample_labels(&m, &dst, 0).unwrap();
    assert!(rl.labels.iter().all(|&l| l == 1 || l == 4));
    // Nearest neighbour: x = -3.1 mm is nearest to source voxel 1 (x = -3 mm): label 1.
    assert_eq!(rl.labels[[0, 0, 0]], 1);
}

/// Build a NIfTI-1 file in memory by writing through the crate and reading the bytes.
fn nifti_bytes(v: &Volume) -> Vec<u8> {
    let p = tmp("nii");
    write_volume(&p, v).unwrap();
    let b = std::fs::read(&p).unwrap();
    std::fs::remove_file(&p).ok();
    b
}

fn small_volume() -> Volume {
    let g = Grid::with_origin([4, 3, 2], [1.0, 2.0, 3.0], [10.0, 20.0, 30.0]).unwrap();
    Volume {
        grid: g,
        data: Array3::from_shape_fn(g.shape, |(i, j, k)| (i + 10 * j + 100 * k) as f64),
    }
}

fn set_f32(b: &mut [u8], off: usize, x: f32) {
    b[off..off + 4].copy_from_slice(&x.to_le_bytes());
}

#[test]
fn flips_oblique_and_wrong_dimensions() {
    let v = small_volume();
    let base = nifti_bytes(&v);
    // srow_x at byte 280: negate x (radiological flip). World positions must not change.
    let mut b = base.clone();
    set_f32(&mut b, 280, -1.0);
    set_f32(&mut b, 292, 13.0); // origin of voxel 0 is now x = 13, voxel 3 at x = 10
    let f = volume_from_bytes(b).unwrap();
    assert_eq!(f.grid.origin_mm[0], 10.0);
    assert_eq!(f.grid.spacing_mm[0], 1.0);
    assert_eq!(f.data[[0, 1, 1]], v.data[[3, 1, 1]]);
    // Oblique: a rotation term in srow_x.
    let mut b = base.clone();
    set_f32(&mut b, 284, 0.3);
    let e = volume_from_bytes(b).unwrap_err().to_string();
    assert!(e.contains("oblique"), "{e}");
    // Wrong dimensionality: 5 dimensions with a 4th of size 2 (dim at byte 40, i16).
    let mut b = base.clone();
    b[40..42].copy_from_slice(&5i16.to_le_bytes());
    b[48..50].copy_from_slice(&2i16.to_le_bytes());
    b[50..52].copy_from_slice(&1i16.to_le_bytes());
    let e = volume_from_bytes(b).unwrap_err().to_string();
    assert!(e.contains("dim"), "{e}");
    // A negative dim[0] (a signed 16-bit field) is reported as the negative number it
    // is, not as its unsigned reading 65023 (issue 23). Out of 1..=7 the reader also
    // tries the other byte order, which turns -513 into -3: either is negative.
    let mut b = base.clone();
    b[40..42].copy_from_slice(&(-513i16).to_le_bytes());
    let e = volume_from_bytes(b).unwrap_err().to_string();
    assert!(
        e.contains("dim[0]") && (e.contains("-3 dim") || e.contains("-513 dim")),
        "{e}"
    );
    // A vox_offset near f32::MAX is an error, not an overflow (found by fuzzing).
    let mut b = base.clone();
    set_f32(&mut b, 108, 3.0e38);
    let e = volume_from_bytes(b).unwrap_err().to_string();
    assert!(e.contains("data") && e.contains("header needs"), "{e}");
    // A negative extent is reported as such.
    let mut b = base.clone();
    b[44..46].copy_from_slice(&(-4i16).to_le_bytes());
    let e = volume_from_bytes(b).unwrap_err().to_string();
    assert!(e.contains("-4"), "{e}");
    // Truncated data.
    let e = volume_from_bytes(base[..base.len() - 5].to_vec())
        .unwrap_err()
        .to_string();
    assert!(e.contains("data"), "{e}");
    // Not NIfTI at all.
    assert!(volume_from_bytes(b"hello".to_vec()).is_err());
}

#[test]
fn spatial_units_scale_the_grid_and_a_nan_affine_is_an_error() {
    // NIfTI-1: xyzt_units is the byte at offset 123; its low three bits are the
    // spatial unit (1 m, 2 mm, 3 µm), the next three the temporal unit (8 s).
    let v = small_volume();
    let base = nifti_bytes(&v);
    assert_eq!(base[123] & 0x07, 2, "written in mm");
    for (code, mm_per_unit) in [(1u8, 1000.0), (3, 1e-3), (2 | 8, 1.0), (0, 1.0)] {
        let mut b = base.clone();
        b[123] = code;
        let g = volume_from_bytes(b).unwrap().grid;
        for a in 0..3 {
            let want = v.grid.spacing_mm[a] * mm_per_unit;
            assert!(
                (g.spacing_mm[a] - want).abs() <= 1e-9 * want,
                "code {code} axis {a}"
            );
            let want = v.grid.origin_mm[a] * mm_per_unit;
            assert!(
                (g.origin_mm[a] - want).abs() <= 1e-9 * want.abs(),
                "code {code} axis {a}"
            );
        }
    }
    let mut b = base.clone();
    b[123] = 5;
    let e = volume_from_bytes(b).unwrap_err().to_string();
    assert!(e.contains("xyzt_units") && e.contains('5'), "{e}");
    // A NaN off-diagonal term is not an axis-aligned affine.
    let mut b = base.clone();
    set_f32(&mut b, 284, f32::NAN);
    let e = volume_from_bytes(b).unwrap_err().to_string();
    assert!(e.contains("affine") && e.contains("NaN"), "{e}");
}

#[test]
fn a_file_name_with_several_dots_is_written_where_asked() {
    let dir = std::env::temp_dir().join(format!("twin_io_dots_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let v = small_volume();
    // The nifti crate alone would write `sub-01.run1.nii` to `sub-01.nii`.
    let wanted = dir.join("sub-01.run1.nii");
    write_volume(&wanted, &v).unwrap();
    assert_eq!(read_volume(&wanted).unwrap(), v);
    assert!(!dir.join("sub-01.nii").exists());
    let gz = dir.join("sub-01.run2.nii.gz");
    write_volume(&gz, &v).unwrap();
    assert_eq!(read_volume(&gz).unwrap(), v);
    // Only the folder's two files remain (no temporary left behind).
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 2);
    // Another extension is an error that does not echo the (possibly identifying) name.
    let e = write_volume(dir.join("Jane_Doe.nrrd"), &v)
        .unwrap_err()
        .to_string();
    assert!(e.contains(".nii") && !e.contains("Jane"), "{e}");
    std::fs::remove_dir_all(&dir).ok();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn volume_round_trip(
        shape in (1usize..6, 1usize..6, 1usize..4),
        spacing in (1u8..16, 1u8..16, 1u8..16),
        origin in (-500i32..500, -500i32..500, -500i32..500),
        seed in 0u32..1000,
    ) {
        // Geometry on a 1/4 mm lattice and values exact in f32, so the round trip is exact.
        let g = Grid::with_origin(
            [shape.0, shape.1, shape.2],
            [spacing.0 as f64 / 4.0, spacing.1 as f64 / 4.0, spacing.2 as f64 / 4.0],
            [origin.0 as f64 / 4.0, origin.1 as f64 / 4.0, origin.2 as f64 / 4.0],
        ).unwrap();
        let data = Array3::from_shape_fn(g.shape, |(i, j, k)| {
            ((i * 7 + j * 13 + k * 29 + seed as usize) % 1000) as f64 * 0.125 - 50.0
        });
        let v = Volume { grid: g, data };
        prop_assert_eq!(volume_from_bytes(nifti_bytes(&v)).unwrap(), v.clone());
        let m = LabelMap { grid: g, labels: v.data.mapv(|x| (x.abs() * 8.0) as u16) };
        let p = tmp("nii.gz");
        write_labels(&p, &m).unwrap();
        let back = read_labels(&p).unwrap();
        std::fs::remove_file(&p).ok();
        prop_assert_eq!(back, m);
    }

    /// Corrupting any bytes of the header or data gives a value or an error, never a panic.
    #[test]
    fn corrupted_files_never_panic(edits in proptest::collection::vec((0usize..400, any::<u8>()), 1..8)) {
        let mut b = nifti_bytes(&small_volume());
        for (pos, byte) in edits {
            let n = b.len();
            b[pos % n] = byte;
        }
        if let Ok(v) = volume_from_bytes(b) {
            prop_assert!(v.data.iter().all(|x| x.is_finite()));
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(b in proptest::collection::vec(any::<u8>(), 0..800)) {
        let _ = volume_from_bytes(b);
    }
}
