//! `.vti` output: header geometry and values in VTK's point order (x fastest).

use ndarray::Array3;
use twin_core::pde::Grid;
use twin_io::vtk::write_vti;

#[test]
fn vti_has_the_grid_and_values_in_vtk_order() {
    let grid = Grid::with_origin([3, 2, 2], [0.5, 1.0, 2.0], [-1.0, 0.0, 10.0]).unwrap();
    let a = Array3::from_shape_fn(grid.shape, |(i, j, k)| (i + 10 * j + 100 * k) as f64);
    let mut b = a.mapv(|v| -v);
    b[[1, 0, 0]] = f64::NAN;
    let path = std::env::temp_dir().join(format!("vti-test-{}.vti", std::process::id()));
    write_vti(&path, &grid, &[("activation_ms", &a), ("phase", &b)]).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_file(&path).ok();
    assert!(text.contains(r#"WholeExtent="0 2 0 1 0 1" Origin="-1 0 10" Spacing="0.5 1 2""#));
    let arrays: Vec<Vec<String>> = text
        .split("format=\"ascii\">")
        .skip(1)
        .map(|s| {
            s.split("</DataArray>")
                .next()
                .unwrap()
                .split_whitespace()
                .map(String::from)
                .collect()
        })
        .collect();
    assert_eq!(arrays.len(), 2);
    // x fastest, then y, then z.
    let expected: Vec<String> = (0..2)
        .flat_map(|k| {
            (0..2).flat_map(move |j| (0..3).map(move |i| (i + 10 * j + 100 * k).to_string()))
        })
        .collect();
    assert_eq!(arrays[0], expected);
    assert_eq!(arrays[1][1], "nan");
    assert_eq!(arrays[1][2], "-2");
    // Bad input: a field on another grid, an unsafe name.
    assert!(write_vti(&path, &grid, &[("x", &Array3::zeros([2, 2, 2]))]).is_err());
    assert!(write_vti(&path, &grid, &[("a\"b", &a)]).is_err());
    assert!(write_vti(&path, &grid, &[]).is_err());
}
