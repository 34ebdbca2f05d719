//! Reading a long CSV of 10,000 patients × 100 rows = 1,000,000 rows (generated in memory).
//!
//! Target: at least 1 M rows/s. Peer: pandas `read_csv` + `groupby` on the same text,
//! `benches/peers/pandas_csv_long.py` (not run in CI).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::fmt::Write;
use twin_io::table::read_long;

const PATIENTS: usize = 10_000;
const ROWS_PER_PATIENT: usize = 100;

fn long_csv() -> String {
    let codes = [
        ("4548-4", "%"),
        ("1558-6", "mg/dL"),
        ("2160-0", "mg/dL"),
        ("98979-8", "mL/min/{1.73_m2}"),
        ("29463-7", "kg"),
        ("8480-6", "mm[Hg]"),
        ("8462-4", "mm[Hg]"),
        ("9318-7", "mg/g"),
    ];
    let mut s = String::with_capacity(PATIENTS * ROWS_PER_PATIENT * 40);
    s.push_str("patient_id,time,code,value,unit\n");
    for p in 0..PATIENTS {
        for r in 0..ROWS_PER_PATIENT {
            let (code, unit) = codes[r % codes.len()];
            let t = (r / codes.len()) as f64 * 91.25;
            let v = 5.0 + ((p * 31 + r * 17) % 1000) as f64 / 37.0;
            writeln!(s, "pt-{p:05},{t},{code},{v:.4},{unit}").unwrap();
        }
    }
    s
}

fn bench(c: &mut Criterion) {
    let csv = long_csv();
    let rows = (PATIENTS * ROWS_PER_PATIENT) as u64;
    let records = read_long(csv.as_bytes()).unwrap();
    assert_eq!(records.len(), PATIENTS);
    assert_eq!(
        records
            .iter()
            .map(|r| r.observations.len() as u64)
            .sum::<u64>(),
        rows
    );
    let mut g = c.benchmark_group("csv_long");
    g.sample_size(10);
    g.throughput(Throughput::Elements(rows));
    g.bench_function("read_long_1M_rows_10k_patients", |b| {
        // Freeing the records is the caller's cost, not the reader's: timed without the drop.
        b.iter_with_large_drop(|| read_long(std::hint::black_box(csv.as_bytes())).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
