//! Fuzz the NIfTI-1 reader: any bytes (plain or gzip) give a volume or an error, never
//! a panic; a volume read is finite, matches its grid, and (when float32 can hold
//! it) writes back and reads again to the same geometry and values.
#![no_main]

use libfuzzer_sys::fuzz_target;
use twin_io::nifti_io::{volume_from_bytes, write_volume};

fuzz_target!(|data: &[u8]| {
    let Ok(v) = volume_from_bytes(data.to_vec()) else { return };
    assert_eq!(v.data.shape(), &v.grid.shape[..]);
    assert!(v.data.iter().all(|x| x.is_finite()));
    if v.data.len() > 1 << 16 {
        return; // keep the round trip cheap
    }
    let path = std::env::temp_dir().join(format!("nifti-fuzz-{}.nii", std::process::id()));
    if write_volume(&path, &v).is_err() {
        return; // values or geometry beyond float32: refused by the writer, by design
    }
    let back = volume_from_bytes(std::fs::read(&path).unwrap()).unwrap();
    std::fs::remove_file(&path).ok();
    assert_eq!(back.grid.shape, v.grid.shape);
    for (a, b) in back.data.iter().zip(v.data.iter()) {
        // Written as float32 or float64: equal to float32 precision at least.
        assert!((a - b).abs() <= 1e-6 * b.abs().max(1.0), "{a} vs {b}");
    }
});
