//! Trajectory evaluation on arbitrary parameters and times.
//! Properties: a constructor either rejects the input with a typed error or every evaluation at a
//! valid time is finite and within the documented magnitude bound; the gradient is finite; the
//! uniform-grid path agrees with pointwise evaluation.
#![no_main]
use arbitrary::Arbitrary;
use grpo_dynamics::trajectory::Oscillator;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input {
    r_star: f64,
    r0: f64,
    v0: f64,
    omega: f64,
    zeta: f64,
    t0: f64,
    dt: f64,
    n: u8,
}

fuzz_target!(|inp: Input| {
    let Ok(m) = Oscillator::new(inp.r_star, inp.r0, inp.v0, inp.omega, inp.zeta) else {
        return;
    };
    let n = inp.n as usize;
    let mut grid = [0.0f64; 256];
    let grid = &mut grid[..n];
    match m.eval_grid(inp.t0, inp.dt, grid) {
        Err(e) => {
            use grpo_dynamics::ErrorKind;
            match e.kind() {
                // bad grid parameters are reported as such
                ErrorKind::NonFinite | ErrorKind::OutOfRange => {}
                // overflow of the computation: pointwise evaluation must fail somewhere too
                // overflow of the computation: allowed only near the end of the f64 range
                // (magnitudes beyond 1e300, or a phase omega t beyond 1e6) or where pointwise
                // evaluation fails too
                ErrorKind::Diverged => {
                    let t_last = inp.t0 + inp.dt * (n.max(1) as f64 - 1.0);
                    let extreme = !t_last.is_finite()
                        || m.omega * t_last > 1e6
                        || m.bound(t_last).map_or(true, |b| b > 1e300);
                    assert!(
                        extreme || (0..n).any(|i| m.value(inp.t0 + inp.dt * i as f64).is_err()),
                        "grid diverged where pointwise evaluation did not"
                    );
                }
                k => panic!("unexpected error kind {k:?}"),
            }
        }
        Ok(()) => {
            assert!(grid.iter().all(|g| g.is_finite()), "grid value not finite");
            let t_last = inp.t0 + inp.dt * (n.max(1) as f64 - 1.0);
            if !t_last.is_finite() {
                return; // the last time overflows f64: only finiteness applies
            }
            let bound = m.bound(t_last).expect("bound of a valid model");
            // where the phase is determined by the inputs (omega t <= 1e6; beyond, the rounding
            // of t alone moves the phase by more than any tolerance) values must also respect the
            // magnitude bound and the grid must agree with pointwise evaluation
            let conditioned = m.omega * t_last <= 1e6;
            for (i, g) in grid.iter().enumerate() {
                let t = inp.t0 + inp.dt * i as f64;
                assert!(
                    !conditioned || g.abs() <= bound * (1.0 + 1e-12) + 1e-300,
                    "grid value beyond bound"
                );
                if let Ok(v) = m.value(t) {
                    assert!(
                        !conditioned || v.abs() <= bound * (1.0 + 1e-12) + 1e-300,
                        "value {v} beyond bound {bound}"
                    );
                }
                if let Ok((v, grad)) = m.value_and_gradient(t) {
                    assert!(v.is_finite() && grad.iter().all(|x| x.is_finite()));
                    let scale = bound.max(f64::MIN_POSITIVE);
                    // recurrences re-anchor every 64 points: agreement relative to the bound
                    if conditioned {
                        assert!(
                            (v - g).abs() <= 1e-9 * scale,
                            "grid {g} vs pointwise {v} at t={t}"
                        );
                    }
                }
            }
        }
    }
});
