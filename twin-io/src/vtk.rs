//! VTK ImageData (`.vti`, XML, ASCII) output of voxel fields for ParaView and VisIt:
//! activation-time and phase maps, tumour densities, dose maps.
//!
//! Written by hand: the format is a short XML header plus whitespace-separated
//! numbers, and the Rust VTK crates found pull in a full mesh model for what is one
//! `write!` loop here. Each voxel is a VTK point at its centre (`Origin` = centre of
//! voxel `[0, 0, 0]`, `Spacing` = voxel size, mm); values are written x fastest, then
//! y, then z, as VTK expects. NaN (e.g. never activated) is written as `nan`, which
//! ParaView reads as NaN.

use std::io::Write;
use std::path::Path;

use ndarray::Array3;
use twin_core::pde::Grid;

use crate::error::{IoError, Result};

/// Write `fields` (name, values on `grid`) as one `.vti` file.
pub fn write_vti(
    path: impl AsRef<Path>,
    grid: &Grid,
    fields: &[(&str, &Array3<f64>)],
) -> Result<()> {
    if fields.is_empty() {
        return Err(IoError::invalid("fields", "[]", "at least one named field"));
    }
    for (name, a) in fields {
        if a.shape() != grid.shape {
            return Err(IoError::invalid(
                format!("field `{name}` shape"),
                format!("{:?}", a.shape()),
                format!("the grid's {:?}", grid.shape),
            ));
        }
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(IoError::invalid(
                "field name",
                name,
                "letters, digits and _",
            ));
        }
    }
    let [nx, ny, nz] = grid.shape;
    let [ox, oy, oz] = grid.origin_mm;
    let [sx, sy, sz] = grid.spacing_mm;
    let extent = format!("0 {} 0 {} 0 {}", nx - 1, ny - 1, nz - 1);
    let mut out = std::io::BufWriter::new(std::fs::File::create(path.as_ref())?);
    writeln!(out, r#"<?xml version="1.0"?>"#)?;
    writeln!(
        out,
        r#"<VTKFile type="ImageData" version="1.0" byte_order="LittleEndian">"#
    )?;
    writeln!(
        out,
        r#"<ImageData WholeExtent="{extent}" Origin="{ox} {oy} {oz}" Spacing="{sx} {sy} {sz}">"#
    )?;
    writeln!(out, r#"<Piece Extent="{extent}">"#)?;
    writeln!(out, r#"<PointData Scalars="{}">"#, fields[0].0)?;
    for (name, a) in fields {
        writeln!(
            out,
            r#"<DataArray type="Float64" Name="{name}" format="ascii">"#
        )?;
        for k in 0..nz {
            for j in 0..ny {
                for i in 0..nx {
                    let v = a[[i, j, k]];
                    if v.is_nan() {
                        write!(out, "nan ")?;
                    } else {
                        write!(out, "{v} ")?;
                    }
                }
                writeln!(out)?;
            }
        }
        writeln!(out, "</DataArray>")?;
    }
    writeln!(out, "</PointData>\n</Piece>\n</ImageData>\n</VTKFile>")?;
    out.flush()?;
    Ok(())
}
