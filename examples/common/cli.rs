//! Shared by the examples' argument parsing. A bare argument names a file to
//! read or a folder to write, but one that starts with `-` is an option the
//! example does not know (a typo, or `--help`): it gets the usage instead of
//! becoming a path, so it never starts a run (which may last hours) writing to
//! a folder called `--help`. A handful of flags per example needs no
//! argument-parsing crate.

// Each example calls the one that fits its parsing.
#![allow(dead_code)]

use std::path::PathBuf;

/// The path named by the bare argument `arg`. For `-h` / `--help`, prints
/// `usage` and exits; any other argument starting with `-` is an error that
/// names it (with `usage` on stderr).
pub fn path_argument(arg: &str, usage: &str) -> Result<PathBuf, String> {
    match arg {
        "-h" | "--help" => {
            println!("usage: {usage}");
            std::process::exit(0)
        }
        option if option.starts_with('-') => {
            eprintln!("usage: {usage}");
            Err(format!("unknown option `{option}`"))
        }
        path => Ok(PathBuf::from(path)),
    }
}

/// The `n`-th command-line argument (`n` = 1 is the first after the program
/// name) read by [`path_argument`], or `default` when there are fewer.
pub fn nth_path(n: usize, default: &str, usage: &str) -> Result<PathBuf, String> {
    std::env::args().nth(n).map_or_else(
        || Ok(PathBuf::from(default)),
        |arg| path_argument(&arg, usage),
    )
}

/// Checks `args` (without the program name) for an example that looks its
/// options up by name: each of `flags` takes one value, bare arguments are
/// paths, and `-h` / `--help` or an unknown `-` option go to [`path_argument`].
pub fn check_options(args: &[String], flags: &[&str], usage: &str) -> Result<(), String> {
    let mut i = 0;
    while i < args.len() {
        if flags.contains(&args[i].as_str()) {
            i += 2;
        } else {
            path_argument(&args[i], usage)?;
            i += 1;
        }
    }
    Ok(())
}
