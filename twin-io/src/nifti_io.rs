//! NIfTI-1 volumes on [`twin_core::pde::Grid`]: read, write, resample.
//!
//! Reading uses the `nifti` crate for the header and voxel decoding (all integer and
//! float data types, `scl_slope`/`scl_inter` applied) after our own checks of the
//! header against the file size, so that corrupted or hostile files give an error and
//! never a panic or a huge allocation.
//!
//! **Geometry.** The voxel-to-world affine is the sform when `sform_code > 0`, else the
//! qform (quaternion, NIfTI-1 standard §qform) when `qform_code > 0`, else the voxel
//! sizes with origin 0. Only axis-aligned affines map onto a [`Grid`]: an axis whose
//! world direction is reversed (e.g. a radiological x flip) is flipped in memory so that
//! spacing stays positive; an **oblique or axis-permuted affine is an error**
//! (resample it first with an external tool; **registration is out of scope**).
//!
//! **Values.** [`read_volume`] returns physical values; [`read_labels`] requires integer
//! values in 0–65535; [`read_probability`] divides by a stated maximum (255 for the MNI
//! ICBM152 maps shipped in `data/mni152/`, as nilearn does) and checks the 0–1 range.
//!
//! **Writing** stores an sform (`sform_code` 2, aligned) and no qform, voxel units mm,
//! float32 data for volumes and uint16 for label maps.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use flate2::read::GzDecoder;
use ndarray::{Array3, Axis, Ix3};
use nifti::writer::WriterOptions;
use nifti::{InMemNiftiObject, IntoNdArray, NiftiHeader, NiftiObject, NiftiType};
use twin_core::pde::Grid;

use crate::error::{IoError, Result};

/// Largest volume read, in voxels (2^27 ≈ 134 M; a 1 mm whole-body CT is ~ 40 M).
pub const MAX_VOXELS: usize = 1 << 27;
/// Largest decompressed file accepted, in bytes.
pub const MAX_FILE_BYTES: u64 = 1 << 30;
/// Relative size of an off-diagonal affine entry above which the affine is oblique.
pub const OBLIQUE_TOLERANCE: f64 = 1e-6;

/// A scalar volume on a regular grid.
#[derive(Debug, Clone, PartialEq)]
pub struct Volume {
    /// Geometry (shape, voxel size, origin in world mm).
    pub grid: Grid,
    /// Values, index order `[x, y, z]`.
    pub data: Array3<f64>,
}

/// An integer label map (segmentation) on a regular grid.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelMap {
    /// Geometry.
    pub grid: Grid,
    /// Labels, index order `[x, y, z]`.
    pub labels: Array3<u16>,
}

fn nerr(field: &str, e: impl std::fmt::Display) -> IoError {
    IoError::nifti(field, e.to_string())
}

/// Read a `.nii` or `.nii.gz` file (gzip detected from the content) into memory.
fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    let mut raw = Vec::new();
    File::open(path)?
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut raw)?;
    decompress(raw)
}

fn decompress(raw: Vec<u8>) -> Result<Vec<u8>> {
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        GzDecoder::new(raw.as_slice())
            .take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut out)
            .map_err(|e| nerr("gzip", e))?;
        check_len(out)
    } else {
        check_len(raw)
    }
}

fn check_len(b: Vec<u8>) -> Result<Vec<u8>> {
    if b.len() as u64 > MAX_FILE_BYTES {
        return Err(IoError::nifti(
            "file",
            format!("larger than {MAX_FILE_BYTES} bytes"),
        ));
    }
    Ok(b)
}

fn bytes_per_voxel(t: NiftiType) -> Option<usize> {
    Some(match t {
        NiftiType::Uint8 | NiftiType::Int8 => 1,
        NiftiType::Int16 | NiftiType::Uint16 => 2,
        NiftiType::Int32 | NiftiType::Uint32 | NiftiType::Float32 => 4,
        NiftiType::Float64 | NiftiType::Int64 | NiftiType::Uint64 => 8,
        _ => return None,
    })
}

/// Check the header against the data and return (shape, affine rows).
fn check_header(h: &NiftiHeader, n_bytes: usize) -> Result<([usize; 3], [[f64; 4]; 3])> {
    if h.magic != *b"n+1\0" {
        return Err(IoError::nifti(
            "magic",
            "only single-file NIfTI-1 (n+1) is supported",
        ));
    }
    // NIfTI-1 stores dim[] as signed 16-bit integers; the nifti crate hands them over
    // as u16, so a negative entry would read as e.g. 65023: reinterpret the bits.
    let signed = h.dim.map(|d| d as i16);
    let nd = signed[0];
    if !(2..=7).contains(&nd) {
        return Err(IoError::nifti(
            "dim[0]",
            format!("{nd} dimensions; allowed 2 to 7 (dimensions beyond the third of size 1)"),
        ));
    }
    let dims = &signed[1..=nd as usize];
    if dims.iter().any(|&d| d < 1) {
        return Err(IoError::nifti(
            "dim",
            format!("{dims:?}: every dimension must be at least 1"),
        ));
    }
    if dims.iter().skip(3).any(|&d| d != 1) {
        return Err(IoError::nifti(
            "dim",
            format!("{dims:?}: only 2D or 3D volumes (time/extra dimensions of size 1)"),
        ));
    }
    let shape = [
        dims[0] as usize,
        dims[1] as usize,
        dims.get(2).map_or(1, |&d| d as usize),
    ];
    let nvox = shape.iter().product::<usize>();
    if nvox > MAX_VOXELS {
        return Err(IoError::nifti(
            "dim",
            format!("{nvox} voxels; at most {MAX_VOXELS}"),
        ));
    }
    let dtype = h.data_type().map_err(|e| nerr("datatype", e))?;
    let bpv = bytes_per_voxel(dtype).ok_or_else(|| {
        IoError::nifti(
            "datatype",
            format!("{dtype:?} not supported (integer or real scalars only)"),
        )
    })?;
    if h.bitpix as usize != 8 * bpv {
        return Err(IoError::nifti(
            "bitpix",
            format!("{} does not match datatype {dtype:?}", h.bitpix),
        ));
    }
    let off = h.vox_offset;
    if !(off.is_finite() && off >= 352.0) {
        return Err(IoError::nifti(
            "vox_offset",
            format!("{off}; allowed >= 352 for single-file NIfTI"),
        ));
    }
    // `off` may be any float up to 3.4e38 (saturating to u64::MAX): add with a check.
    let needed = (off as u64).saturating_add((nvox * bpv) as u64);
    if needed > n_bytes as u64 {
        return Err(IoError::nifti(
            "data",
            format!("file has {n_bytes} bytes, header needs {needed}"),
        ));
    }
    for (name, v) in [("scl_slope", h.scl_slope), ("scl_inter", h.scl_inter)] {
        if !v.is_finite() {
            return Err(IoError::nifti(name, format!("{v}; must be finite")));
        }
    }
    Ok((shape, affine(h)?))
}

/// Millimetres per spatial unit of the header: `xyzt_units & 7` is 1 (m), 2 (mm) or
/// 3 (µm); 0 ("unknown") is read as mm, as the common tools do.
fn mm_per_unit(h: &NiftiHeader) -> Result<f64> {
    match h.xyzt_units & 0x07 {
        0 | 2 => Ok(1.0),
        1 => Ok(1000.0),
        3 => Ok(1e-3),
        code => Err(IoError::nifti(
            "xyzt_units",
            format!(
                "spatial unit code {code}; allowed 0 (unknown, read as mm), 1 (m), 2 (mm), 3 (µm)"
            ),
        )),
    }
}

/// Voxel-to-world affine rows (mm).
fn affine(h: &NiftiHeader) -> Result<[[f64; 4]; 3]> {
    let mm = mm_per_unit(h)?;
    let aff = affine_in_header_units(h);
    if aff.iter().flatten().any(|v| !v.is_finite()) {
        return Err(IoError::nifti("affine", "contains NaN or infinite values"));
    }
    Ok(aff.map(|row| row.map(|v| v * mm)))
}

/// Voxel-to-world affine rows in the header's spatial unit (sform, else qform, else pixdim).
fn affine_in_header_units(h: &NiftiHeader) -> [[f64; 4]; 3] {
    let f = |r: [f32; 4]| r.map(f64::from);
    if h.sform_code > 0 {
        return [f(h.srow_x), f(h.srow_y), f(h.srow_z)];
    }
    let px = [h.pixdim[1], h.pixdim[2], h.pixdim[3]].map(f64::from);
    if h.qform_code > 0 {
        let (b, c, d) = (
            f64::from(h.quatern_b),
            f64::from(h.quatern_c),
            f64::from(h.quatern_d),
        );
        let a = (1.0 - (b * b + c * c + d * d)).max(0.0).sqrt();
        let qfac = if h.pixdim[0] < 0.0 { -1.0 } else { 1.0 };
        let r = [
            [
                a * a + b * b - c * c - d * d,
                2.0 * (b * c - a * d),
                2.0 * (b * d + a * c),
            ],
            [
                2.0 * (b * c + a * d),
                a * a + c * c - b * b - d * d,
                2.0 * (c * d - a * b),
            ],
            [
                2.0 * (b * d - a * c),
                2.0 * (c * d + a * b),
                a * a + d * d - c * c - b * b,
            ],
        ];
        let s = [px[0], px[1], qfac * px[2]];
        let t = [h.quatern_x, h.quatern_y, h.quatern_z].map(f64::from);
        return [0, 1, 2].map(|i| [r[i][0] * s[0], r[i][1] * s[1], r[i][2] * s[2], t[i]]);
    }
    [
        [px[0], 0.0, 0.0, 0.0],
        [0.0, px[1], 0.0, 0.0],
        [0.0, 0.0, px[2], 0.0],
    ]
}

/// Decode bytes of a single-file NIfTI-1 (optionally gzip) into a grid and raw values.
fn decode(raw: Vec<u8>) -> Result<(Grid, Array3<f64>)> {
    let bytes = decompress(raw)?;
    if bytes.len() < 352 {
        return Err(IoError::nifti(
            "header",
            format!(
                "file has {} bytes, a NIfTI-1 header needs 348 (+4)",
                bytes.len()
            ),
        ));
    }
    let h = NiftiHeader::from_reader(bytes.as_slice()).map_err(|e| nerr("header", e))?;
    let (shape, aff) = check_header(&h, bytes.len())?;
    let obj = InMemNiftiObject::from_reader(bytes.as_slice()).map_err(|e| nerr("data", e))?;
    let data = obj
        .into_volume()
        .into_ndarray::<f64>()
        .map_err(|e| nerr("data", e))?;
    // Drop trailing size-1 axes (checked above), add z for 2D; C order for the models.
    let mut data = data;
    while data.ndim() > 3 {
        data = data.remove_axis(Axis(3));
    }
    if data.ndim() == 2 {
        data.insert_axis_inplace(Axis(2));
    }
    let mut data = data
        .into_dimensionality::<Ix3>()
        .map_err(|e| nerr("dim", e))?
        .as_standard_layout()
        .into_owned();
    if data.shape() != shape {
        return Err(IoError::nifti(
            "dim",
            format!(
                "decoded shape {:?} differs from header {shape:?}",
                data.shape()
            ),
        ));
    }
    if data.iter().any(|v| !v.is_finite()) {
        return Err(IoError::nifti("data", "contains NaN or infinite values"));
    }
    // Axis-aligned check and flips.
    let mut spacing = [0.0; 3];
    let mut origin = [aff[0][3], aff[1][3], aff[2][3]];
    for a in 0..3 {
        let diag = aff[a][a];
        let scale = (0..3).map(|i| aff[i][a].abs()).fold(0.0, f64::max);
        let off = (0..3)
            .filter(|&i| i != a)
            .map(|i| aff[i][a].abs())
            .fold(0.0, f64::max);
        if !(scale.is_finite() && scale > 0.0) {
            return Err(IoError::nifti(
                "affine",
                format!("axis {a} has zero or non-finite voxel size"),
            ));
        }
        if off > OBLIQUE_TOLERANCE * scale {
            return Err(IoError::nifti(
                "affine",
                "oblique or axis-permuted orientation is not supported; resample to an axis-aligned grid first (registration is out of scope)",
            ));
        }
        if diag < 0.0 {
            data.invert_axis(Axis(a));
            origin[a] += diag * (shape[a] - 1) as f64;
        }
        spacing[a] = diag.abs();
    }
    if origin.iter().any(|o| !o.is_finite()) {
        return Err(IoError::nifti("affine", "non-finite origin"));
    }
    let grid = Grid::with_origin(shape, spacing, origin)?;
    Ok((grid, data))
}

/// Read a NIfTI-1 file (`.nii` or `.nii.gz`) as physical values on its grid.
pub fn read_volume(path: impl AsRef<Path>) -> Result<Volume> {
    volume_from_bytes(read_bytes(path.as_ref())?)
}

/// Decode an in-memory NIfTI-1 file (optionally gzip-compressed).
pub fn volume_from_bytes(bytes: Vec<u8>) -> Result<Volume> {
    let (grid, data) = decode(bytes)?;
    Ok(Volume { grid, data })
}

/// Read a label map: every value must be an integer in 0–65535.
pub fn read_labels(path: impl AsRef<Path>) -> Result<LabelMap> {
    let v = read_volume(path)?;
    labels_from_volume(v)
}

fn labels_from_volume(v: Volume) -> Result<LabelMap> {
    if let Some(bad) = v
        .data
        .iter()
        .find(|&&x| !(x.fract() == 0.0 && (0.0..=65535.0).contains(&x)))
    {
        return Err(IoError::nifti(
            "data",
            format!("label value {bad}; allowed integers 0 to 65535"),
        ));
    }
    Ok(LabelMap {
        grid: v.grid,
        labels: v.data.mapv(|x| x as u16),
    })
}

/// Read a probability map stored as `value / max_value` (e.g. 255 for uint8 maps);
/// errors if a probability falls outside 0–1.
pub fn read_probability(path: impl AsRef<Path>, max_value: f64) -> Result<Volume> {
    if !(max_value.is_finite() && max_value > 0.0) {
        return Err(IoError::invalid(
            "max_value",
            max_value,
            "a finite number > 0",
        ));
    }
    let mut v = read_volume(path)?;
    v.data.mapv_inplace(|x| x / max_value);
    if let Some(bad) = v.data.iter().find(|&&p| !(0.0..=1.0).contains(&p)) {
        return Err(IoError::nifti(
            "data",
            format!("probability {bad} outside 0 to 1 with max_value {max_value}"),
        ));
    }
    Ok(v)
}

fn header_for(grid: &Grid) -> NiftiHeader {
    let mut h = NiftiHeader::default();
    let [sx, sy, sz] = grid.spacing_mm;
    let [ox, oy, oz] = grid.origin_mm;
    h.pixdim = [1.0, sx as f32, sy as f32, sz as f32, 1.0, 1.0, 1.0, 1.0];
    h.sform_code = 2;
    h.qform_code = 0;
    h.srow_x = [sx as f32, 0.0, 0.0, ox as f32];
    h.srow_y = [0.0, sy as f32, 0.0, oy as f32];
    h.srow_z = [0.0, 0.0, sz as f32, oz as f32];
    h.xyzt_units = 2; // NIFTI_UNITS_MM
    h
}

fn check_f32(what: &str, x: f64) -> Result<()> {
    if x.is_finite() && x.abs() <= f64::from(f32::MAX) {
        Ok(())
    } else {
        Err(IoError::invalid(what, x, "finite and within float32 range"))
    }
}

/// Write a volume as float32 NIfTI-1 to a path ending in `.nii` or `.nii.gz` (gzip).
pub fn write_volume(path: impl AsRef<Path>, v: &Volume) -> Result<()> {
    v.grid.check_shape("volume data", &v.data)?;
    for &x in v.grid.origin_mm.iter().chain(&v.grid.spacing_mm) {
        check_f32("grid geometry", x)?;
    }
    if let Some(&bad) = v.data.iter().find(|x| check_f32("", **x).is_err()) {
        check_f32("volume value", bad)?;
    }
    let h = header_for(&v.grid);
    let data = v.data.mapv(|x| x as f32);
    write_exactly(path.as_ref(), |p| {
        WriterOptions::new(p)
            .reference_header(&h)
            .write_nifti(&data)
    })
}

/// Write a label map as uint16 NIfTI-1 to a path ending in `.nii` or `.nii.gz`.
pub fn write_labels(path: impl AsRef<Path>, m: &LabelMap) -> Result<()> {
    m.grid.check_shape("labels", &m.labels)?;
    let h = header_for(&m.grid);
    write_exactly(path.as_ref(), |p| {
        WriterOptions::new(p)
            .reference_header(&h)
            .write_nifti(&m.labels)
    })
}

/// Write through the `nifti` crate to exactly `path` (`.nii` or `.nii.gz`). Its writer
/// rebuilds the file name from the part before the last dot, so `sub-01.run1.nii`
/// would be written to — and overwrite — `sub-01.nii`; such a name is written under a
/// dot-free temporary name in the same folder and renamed.
fn write_exactly(path: &Path, write: impl FnOnce(&Path) -> nifti::Result<()>) -> Result<()> {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let Some(stem) = name.strip_suffix(".nii") else {
        if name.ends_with(".nii.gz") {
            return write(path).map_err(|e| nerr("write", e));
        }
        // The path is not echoed: file names can carry patient names.
        return Err(IoError::nifti(
            "path",
            "the file name must end in .nii or .nii.gz",
        ));
    };
    if !stem.contains('.') {
        return write(path).map_err(|e| nerr("write", e));
    }
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = path.with_file_name(format!("twin-io-write-{}-{n}.nii", std::process::id()));
    write(&tmp).map_err(|e| nerr("write", e))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        std::fs::remove_file(&tmp).ok();
        IoError::from(e)
    })
}

/// Trilinear resampling of a volume onto `target` (world coordinates); voxels of
/// `target` outside the source get `outside`. Uses
/// [`twin_core::pde::analysis::resample_trilinear`].
pub fn resample_trilinear(v: &Volume, target: &Grid, outside: f64) -> Result<Volume> {
    let data = twin_core::pde::analysis::resample_trilinear(&v.grid, &v.data, target, outside)?;
    Ok(Volume {
        grid: *target,
        data,
    })
}

/// Nearest-neighbour resampling of a label map onto `target` (labels must not be
/// averaged); voxels outside the source get `outside`.
pub fn resample_labels(m: &LabelMap, target: &Grid, outside: u16) -> Result<LabelMap> {
    m.grid.check_shape("labels", &m.labels)?;
    let labels = Array3::from_shape_fn(target.shape, |(i, j, k)| {
        let c = m.grid.voxel_coords(target.centre_mm(i, j, k));
        let mut idx = [0usize; 3];
        for a in 0..3 {
            let r = c[a].round();
            if !(r >= 0.0 && r < m.grid.shape[a] as f64) {
                return outside;
            }
            idx[a] = r as usize;
        }
        m.labels[idx]
    });
    Ok(LabelMap {
        grid: *target,
        labels,
    })
}
