//! The patient report page in headless Chromium (Debian `chromium`): the page
//! loads without script errors, every plot has drawn content (the page's own
//! check on `<body data-plots>`), and a screenshot is saved.
//!
//! Needs the browser, so it is ignored by the plain test run; `.ci/run` installs
//! Chromium and runs `cargo test --release --test report_browser -- --ignored`.
//! `CHROMIUM` overrides the binary, `PATIENT_TWIN_SCREENSHOTS` the screenshot folder.

use patient_twin::app::{self, Disease, Output, Sources, Step};
use patient_twin::core::twin::CalibrateOptions;
use std::path::{Path, PathBuf};
use std::process::Command;

fn chromium(args: &[String], profile: &Path) -> std::process::Output {
    let bin = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .output()
        .expect("chromium starts (apt-get install chromium)")
}

/// The value of `name="…"` on the `<body>` tag of a dumped DOM.
fn body_attribute(dom: &str, name: &str) -> Option<String> {
    let body = &dom[dom.find("<body")?..];
    let tag = &body[..body.find('>')?];
    let key = format!("{name}=\"");
    let start = tag.find(&key)? + key.len();
    Some(tag[start..start + tag[start..].find('"')?].to_string())
}

#[test]
#[ignore = "needs Debian chromium; .ci/run runs it with --ignored"]
fn report_pages_render_every_plot_without_errors() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let shots = std::env::var("PATIENT_TWIN_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| std::env::temp_dir().join("patient-twin-screenshots"));
    std::fs::create_dir_all(&shots).unwrap();
    let options = CalibrateOptions {
        quick: true,
        ..CalibrateOptions::default()
    };
    for (disease, name, record) in [
        (Disease::T2d, "t2d", "data/synthetic/t2d_patient.json"),
        (
            Disease::Breast,
            "breast",
            "data/synthetic/metastatic_breast_patient.json",
        ),
    ] {
        let sources = Sources {
            record: root.join(record),
            key: Some(b"browser-test-key-0123456789".to_vec()),
            ..Sources::default()
        };
        let Ok(Output::Result(result)) = app::run(disease, &sources, Step::Plans, &options) else {
            panic!("{name}: the twin did not produce a result");
        };
        let dir = std::env::temp_dir().join(format!(
            "patient-twin-browser-{}-{name}",
            std::process::id()
        ));
        let (_, html) = app::write_report(&result, &dir).unwrap();
        let page = std::fs::read_to_string(&html).unwrap();
        let figures = page.matches("<figure><svg").count();
        assert!(figures >= 2, "{name}: {figures} plots");
        let url = format!("file://{}", html.display());
        let profile = dir.join("profile");
        let dump = chromium(&["--dump-dom".into(), url.clone()], &profile);
        let dom = String::from_utf8_lossy(&dump.stdout);
        assert!(
            dump.status.success() && dom.contains("</html>"),
            "{name}: {}",
            String::from_utf8_lossy(&dump.stderr)
        );
        assert_eq!(
            body_attribute(&dom, "data-errors"),
            None,
            "{name}: script errors"
        );
        assert_eq!(
            body_attribute(&dom, "data-plots").as_deref(),
            Some(format!("ok {figures}").as_str()),
            "{name}: every plot has drawn content"
        );
        let shot = shots.join(format!("report_{name}.png"));
        let out = chromium(
            &[
                format!("--screenshot={}", shot.display()),
                "--window-size=1200,2400".into(),
                url,
            ],
            &profile,
        );
        assert!(out.status.success(), "{name}: screenshot failed");
        let png = std::fs::read(&shot).unwrap();
        assert!(
            png.len() > 10_000 && png.starts_with(b"\x89PNG"),
            "{name}: screenshot is a PNG"
        );
    }
}
