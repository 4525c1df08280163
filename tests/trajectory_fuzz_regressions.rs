//! Inputs found by `cargo fuzz run trajectory`, kept as regression tests after the fixes.
use grpo_dynamics::trajectory::Oscillator;
use grpo_dynamics::ErrorKind;

/// Huge omega: D = omega^2 (zeta^2 - 1) does not exist in f64 (the grid used to produce inf/NaN
/// where pointwise evaluation was finite); such parameters are now rejected by name.
#[test]
fn omega_whose_square_overflows_is_rejected() {
    let e = Oscillator::<f64>::new(1.2e111, 4.8e-299, -1.46e260, 2.631236153185096e199, 0.0)
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.param()),
        (ErrorKind::OutOfRange, grpo_dynamics::Param::Omega)
    );
}

/// A huge phase q t used to feed a huge "phase correction" into sin/cos (value 1e293 for a
/// trajectory bounded by 2.4e111); the grid must stay finite and bounded as well.
#[test]
fn huge_phase_respects_the_magnitude_bound() {
    let m = Oscillator::<f64>::new(
        1.2024538023801698e111,
        4.47966536881545e-299,
        4.792751712992139e-304,
        1e150,
        0.0,
    )
    .unwrap();
    let t = 147455.99999809265;
    let bound = m.bound(t + 1.0).unwrap();
    let v = m.value(t).unwrap();
    assert!(v.abs() <= bound * (1.0 + 1e-12));
    let mut g = [0.0; 255];
    m.eval_grid(t, 7.745124724826422e-121, &mut g).unwrap();
    assert!(g
        .iter()
        .all(|x| x.is_finite() && x.abs() <= bound * (1.0 + 1e-12)));
}

/// zeta^2 overflowing: the kernel constants do not exist in f64, so the parameters are rejected.
#[test]
fn overflowing_kernel_constants_are_rejected() {
    let e = Oscillator::<f64>::new(
        1.2e111,
        4.8e-299,
        4.6e-299,
        7.82557414227758e-256,
        2.6312366249911037e199,
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::OutOfRange);
}

/// zeta = -0.0: the slow rate is -0 and the magnitude bound used to be -inf.
#[test]
fn bound_with_negative_zero_damping() {
    let m = Oscillator::<f64>::new(
        1.2018666667344763e111,
        -5.8501227551939645e255,
        4.895162488728795e-307,
        1.834809392423127e106,
        -0.0,
    )
    .unwrap();
    let b = m.bound(2.7846014e-317).unwrap();
    assert!(b.is_finite() && b >= 5.85e255);
}

/// Tiny omega with a huge step (omega h = 0.013, 255 points, phase 3.4): the grid's partner
/// update `D G y` underflowed to zero, so the value ran off along a straight line past the
/// magnitude bound. The partner is now carried as `w / omega` (dimensionless factors).
#[test]
fn tiny_omega_huge_step_keeps_the_curvature() {
    let m = Oscillator::<f64>::new(
        4.7923049731427285e-304,
        4.895162488715843e-307,
        4.0993e-320,
        1.8921819458395744e-307,
        4.1684e-320,
    )
    .unwrap();
    let (t0, dt) = (1.8921819458395744e-307, 7.133032536379067e304);
    let mut g = [0.0; 255];
    m.eval_grid(t0, dt, &mut g).unwrap();
    let bound = m.bound(t0 + dt * 254.0).unwrap();
    for (i, x) in g.iter().enumerate() {
        let t = t0 + dt * i as f64;
        assert!(
            x.abs() <= bound * (1.0 + 1e-12) + 1e-300,
            "{i}: {x} > {bound}"
        );
        let v = m.value(t).unwrap();
        assert!(
            (x - v).abs() <= 1e-9 * bound,
            "{i}: grid {x} vs pointwise {v}"
        );
    }
}
