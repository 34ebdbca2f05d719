//! Fuzz the long and wide CSV readers: never a panic; what is read writes back and
//! reads again to the same observations.
#![no_main]

use libfuzzer_sys::fuzz_target;
use twin_io::table::{read_long, read_wide, write_long};

fuzz_target!(|data: &[u8]| {
    if let Ok(records) = read_long(data) {
        let mut out = Vec::new();
        write_long(&records, &mut out).unwrap();
        let again = read_long(out.as_slice()).unwrap();
        assert_eq!(again, records);
    }
    let _ = read_wide(data);
});
