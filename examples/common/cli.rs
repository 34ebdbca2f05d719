//! Shared by the examples that take options and an output folder. Their bare
//! argument names the folder, but one that starts with `-` is an option the
//! example does not know (a typo, or `--help`): it gets the usage instead of
//! becoming a folder name and starting a run that may last hours. A handful of
//! flags per example needs no argument-parsing crate.

use std::path::PathBuf;

/// The output folder named by the bare argument `arg`. For `-h` / `--help`,
/// prints `usage` and exits; any other argument starting with `-` is an error
/// that names it (with `usage` on stderr).
pub fn output_folder(arg: &str, usage: &str) -> Result<PathBuf, String> {
    match arg {
        "-h" | "--help" => {
            println!("usage: {usage}");
            std::process::exit(0)
        }
        option if option.starts_with('-') => {
            eprintln!("usage: {usage}");
            Err(format!("unknown option `{option}`"))
        }
        folder => Ok(PathBuf::from(folder)),
    }
}
