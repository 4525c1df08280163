//! The C layouts of the diagnosis evidence structs are a contract (docs/c.md, ABI stability
//! policy): `grpo_diagnosis_evidence` is caller-allocated and shipped in a release, so its size and
//! every field offset must stay those of that release (a C client compiled against the old header
//! passes a struct of exactly that size); `grpo_concentration_evidence` is frozen from its first
//! release on. The expected numbers are the C layout rules applied by hand to the released field
//! list (u32 = 4 bytes, u64 / f64 = 8 bytes aligned to 8), not read from the Rust types.
#![cfg(feature = "capi")]

use core::mem::{align_of, offset_of, size_of};
use grpo_dynamics::capi::{grpo_concentration_evidence, grpo_diagnosis_evidence};

#[test]
fn diagnosis_evidence_layout_is_the_released_one() {
    type E = grpo_diagnosis_evidence;
    // six u32 codes (0..24), one u64 (24), sixteen f64 (32..160)
    let u32s = [
        offset_of!(E, hacking_skipped),
        offset_of!(E, degeneracy_skipped),
        offset_of!(E, concentration_skipped),
        offset_of!(E, drop_skipped),
        offset_of!(E, drop_detected),
        offset_of!(E, drop_window),
    ];
    assert_eq!(u32s, [0, 4, 8, 12, 16, 20]);
    assert_eq!(offset_of!(E, drop_best_end), 24);
    let f64s = [
        offset_of!(E, drop_sigma),
        offset_of!(E, drop_current),
        offset_of!(E, drop_best),
        offset_of!(E, drop_floor),
        offset_of!(E, drop_z),
        offset_of!(E, drop_z_crit),
        offset_of!(E, drop_lost),
        offset_of!(E, drop_min_lost),
        offset_of!(E, drop_alpha),
        offset_of!(E, phi_hacking),
        offset_of!(E, phi_suspect),
        offset_of!(E, degeneracy_warn),
        offset_of!(E, degeneracy_critical),
        offset_of!(E, heterogeneity),
        offset_of!(E, collapse_ratio),
        offset_of!(E, premature_gap),
    ];
    let want: Vec<usize> = (0..16).map(|i| 32 + 8 * i).collect();
    assert_eq!(f64s.to_vec(), want);
    assert_eq!(size_of::<E>(), 160);
    assert_eq!(align_of::<E>(), 8);
}

#[test]
fn concentration_evidence_layout_has_no_implicit_padding() {
    type E = grpo_concentration_evidence;
    let u32s = [
        offset_of!(E, skipped),
        offset_of!(E, verdict),
        offset_of!(E, severity),
        offset_of!(E, collapsed),
        offset_of!(E, window),
        offset_of!(E, reserved),
    ];
    assert_eq!(u32s, [0, 4, 8, 12, 16, 20]);
    assert_eq!(offset_of!(E, collapse_index), 24);
    let f64s = [
        offset_of!(E, entropy_ratio),
        offset_of!(E, h0),
        offset_of!(E, reward_at_collapse),
        offset_of!(E, plateau),
        offset_of!(E, headroom),
        offset_of!(E, gap_fraction),
        offset_of!(E, collapse_ratio),
        offset_of!(E, premature_gap),
        offset_of!(E, smoothing_fraction),
    ];
    let want: Vec<usize> = (0..9).map(|i| 32 + 8 * i).collect();
    assert_eq!(f64s.to_vec(), want);
    // 6 * 4 + 8 + 9 * 8 = 104: the fields cover every byte (no uninitialised padding)
    assert_eq!(size_of::<E>(), 104);
    assert_eq!(align_of::<E>(), 8);
}
