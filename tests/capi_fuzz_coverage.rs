//! Every function the C header declares is called by the capi fuzz target
//! (`fuzz/fuzz_targets/capi.rs`) and timed by the adversarial harness
//! (`examples/capi_adversarial.rs`, issue 14). A new export without a fuzz call or a harness
//! case fails here. Text-based: a function counts as called when `name(` appears in the target
//! (the header's inline `grpo_fit_result_stderr` is mirrored there under the same name) and as
//! timed when `"name"` labels a case of the harness.
#![cfg(feature = "capi")]

const HEADER: &str = include_str!("../include/grpo_dynamics.h");
const FUZZ: &str = include_str!("../fuzz/fuzz_targets/capi.rs");
const HARNESS: &str = include_str!("../examples/capi_adversarial.rs");

#[path = "common/header.rs"]
mod common_header;

fn header_functions() -> Vec<String> {
    common_header::header_functions(HEADER)
}

#[test]
fn header_parse_finds_every_export() {
    let names = header_functions();
    // counted independently: cbindgen puts every declaration at column 0 starting with its
    // (lowercase) return type, comments start with ` *` / `/**`, macros with `#`
    let decls = HEADER
        .lines()
        .filter(|l| l.starts_with(|c: char| c.is_ascii_lowercase()) && l.contains('('))
        .count();
    assert!(names.len() >= 43, "{names:?}");
    assert_eq!(names.len(), decls, "{names:?}");
    for known in [
        "grpo_version",
        "grpo_predictor_config_default",
        "grpo_fit_result_stderr",
        "grpo_whatif_steps",
    ] {
        assert!(names.iter().any(|n| n == known), "{known} not found");
    }
}

#[test]
fn fuzz_target_calls_every_export() {
    let missing: Vec<String> = header_functions()
        .into_iter()
        .filter(|f| !FUZZ.contains(&format!("{f}(")))
        .collect();
    assert!(
        missing.is_empty(),
        "not called by the capi fuzz target: {missing:?}"
    );
}

#[test]
fn harness_times_every_export() {
    let missing: Vec<String> = header_functions()
        .into_iter()
        .filter(|f| !HARNESS.contains(&format!("\"{f}\"")))
        .collect();
    assert!(
        missing.is_empty(),
        "not timed by capi_adversarial: {missing:?}"
    );
}
