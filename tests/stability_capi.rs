//! C ABI of the stability modules: values through the extern functions, and NULL / NaN / unknown
//! enum codes / bad lengths as statuses (outputs untouched on error).
#![cfg(feature = "capi")]

use grpo_dynamics::bandit::Bandit;
use grpo_dynamics::capi::*;
use grpo_dynamics::{Error, ErrorKind, Param};
use std::ptr::{null, null_mut};

fn status(kind: ErrorKind, param: Param) -> i32 {
    Error::new(kind, param).code()
}

fn preset_a() -> grpo_bandit {
    grpo_bandit {
        eta: 0.3,
        mu: 0.8,
        beta: 1.0,
        p_ref: 1.0 / (1.0 + 3f64.exp()),
        c: 1.0 / 16.0,
        eps: 0.0,
        kref: 0,
        normalization: 1,
        kl: 0,
        lag: 0,
    }
}

const K_A: f64 = 0.01885910853;

#[test]
fn scalar_predicates() {
    unsafe {
        let mut v = -1.0;
        assert_eq!(grpo_prop9_threshold(0.3, 0.8, K_A, &mut v), GRPO_OK);
        assert!((v - 35.34985).abs() < 5e-5);
        assert_eq!(grpo_zeta_one_onset(0.3, 0.8, K_A, &mut v), GRPO_OK);
        assert!((v - 7.81178).abs() < 5e-5);
        assert_eq!(grpo_critical_lag(0.3, 0.8, K_A, &mut v), GRPO_OK);
        assert!((v - 51.48475).abs() < 5e-5);
        assert_eq!(grpo_zeta(0.3, 0.8, K_A, 0.0, &mut v), GRPO_OK);
        assert!((v - 1.401385).abs() < 5e-6);
        // clarifications: 0 (OK) when already unstable / already underdamped
        assert_eq!(grpo_critical_lag(4.0, 0.8, 1.0, &mut v), GRPO_OK);
        assert_eq!(v, 0.0);
        assert_eq!(grpo_zeta_one_onset(1.0, 0.8, 0.5, &mut v), GRPO_OK);
        assert_eq!(v, 0.0);
        let mut d = 0u32;
        assert_eq!(grpo_largest_stable_kref(0.3, 0.8, K_A, 0, &mut d), GRPO_OK);
        assert_eq!(d, 51);
        assert_eq!(
            grpo_largest_monotone_kref(0.3, 0.8, K_A, 0, &mut d),
            GRPO_OK
        );
        assert_eq!(d, 7);
        d = 99;
        assert_eq!(
            grpo_largest_stable_kref(4.0, 0.8, 1.0, 0, &mut d),
            status(ErrorKind::NotReached, Param::Kref)
        );
        assert_eq!(d, 99);
        // periodic refresh, Preset A: monotone up to 15, stable up to 78 (docs/model.md C.10)
        assert_eq!(
            grpo_largest_monotone_kref(0.3, 0.8, K_A, 1, &mut d),
            GRPO_OK
        );
        assert_eq!(d, 15);
        assert_eq!(grpo_largest_stable_kref(0.3, 0.8, K_A, 1, &mut d), GRPO_OK);
        assert_eq!(d, 78);
        assert_eq!(
            grpo_largest_stable_kref(0.3, 0.8, K_A, 2, &mut d),
            status(ErrorKind::UnknownCode, Param::Lag)
        );
        assert_eq!(grpo_largest_stable_eta(79, 1, 0.8, K_A, &mut v), GRPO_OK);
        assert!(v < 0.3);
        assert_eq!(grpo_largest_stable_eta(78, 1, 0.8, K_A, &mut v), GRPO_OK);
        assert!(v > 0.3);
        assert_eq!(grpo_largest_stable_eta(52, 0, 0.8, K_A, &mut v), GRPO_OK);
        assert!(v < 0.3);
        let (mut r, mut rho) = (9u32, 0.0);
        assert_eq!(
            grpo_linear_regime(0.3, 0.8, K_A, 52, 0, &mut r, &mut rho),
            GRPO_OK
        );
        assert_eq!((r, (rho * 1e6).round()), (2, 1000116.0));
        assert_eq!(
            grpo_linear_regime(0.3, 0.8, K_A, 8, 1, &mut r, &mut rho),
            GRPO_OK
        );
        assert_eq!(r, 0);
    }
}

#[test]
fn scalar_predicates_bad_input() {
    unsafe {
        let mut v = 123.0;
        let nan = f64::NAN;
        assert_eq!(
            grpo_prop9_threshold(0.3, 0.8, K_A, null_mut()),
            status(ErrorKind::NullPointer, Param::Output)
        );
        assert_eq!(
            grpo_prop9_threshold(nan, 0.8, K_A, &mut v),
            status(ErrorKind::NonFinite, Param::Eta)
        );
        assert_eq!(
            grpo_zeta_one_onset(0.3, 1.0, K_A, &mut v),
            status(ErrorKind::OutOfRange, Param::Mu)
        );
        assert_eq!(
            grpo_critical_lag(0.3, 0.8, 0.0, &mut v),
            status(ErrorKind::OutOfRange, Param::K)
        );
        assert_eq!(
            grpo_critical_lag(-0.3, 0.8, K_A, &mut v),
            status(ErrorKind::OutOfRange, Param::Eta)
        );
        assert_eq!(
            grpo_zeta(0.3, 0.8, K_A, -2.0, &mut v),
            status(ErrorKind::OutOfRange, Param::Kref)
        );
        assert_eq!(
            grpo_largest_stable_eta(3, 0, 0.8, nan, &mut v),
            status(ErrorKind::NonFinite, Param::K)
        );
        assert_eq!(v, 123.0, "output untouched on error");
        let (mut r, mut rho) = (9u32, 0.0);
        assert_eq!(
            grpo_linear_regime(0.3, 0.8, K_A, 5, 7, &mut r, &mut rho),
            status(ErrorKind::UnknownCode, Param::Lag)
        );
        assert_eq!(
            grpo_linear_regime(0.3, 0.8, K_A, 0, 1, &mut r, &mut rho),
            status(ErrorKind::OutOfRange, Param::Kref)
        );
        assert_eq!(
            grpo_linear_regime(0.3, 0.8, K_A, 5, 0, null_mut(), &mut rho),
            status(ErrorKind::NullPointer, Param::Output)
        );
        assert_eq!(r, 9);
    }
}

#[test]
fn bandit_functions() {
    unsafe {
        let b = preset_a();
        let (mut p, mut k) = (0.0, 0.0);
        assert_eq!(grpo_bandit_fixed_point(&b, &mut p, &mut k), GRPO_OK);
        assert!((p - 0.30434400724).abs() < 5e-11 && (k - K_A).abs() < 5e-11);
        let mut traj = vec![0.0; 301];
        assert_eq!(grpo_bandit_simulate(&b, 300, traj.as_mut_ptr()), GRPO_OK);
        let mut want = vec![0.0; 301];
        Bandit::<f64>::preset_a(0).simulate(&mut want).unwrap();
        assert_eq!(traj, want);
        let (mut regime, mut ov) = (9u32, -1.0);
        assert_eq!(
            grpo_classify(traj.as_ptr(), traj.len(), p, 0.01, &mut regime, &mut ov),
            GRPO_OK
        );
        assert_eq!((regime, ov), (0, 0.0));
        let b64 = grpo_bandit { kref: 64, ..b };
        assert_eq!(grpo_bandit_simulate(&b64, 300, traj.as_mut_ptr()), GRPO_OK);
        assert_eq!(
            grpo_classify(traj.as_ptr(), traj.len(), p, 0.01, &mut regime, &mut ov),
            GRPO_OK
        );
        assert_eq!(regime, 2);
        // divergence is a status
        let wild = grpo_bandit {
            eta: 1e6,
            normalization: 0,
            p_ref: 0.5,
            ..b
        };
        assert_eq!(
            grpo_bandit_simulate(&wild, 300, traj.as_mut_ptr()),
            status(ErrorKind::Diverged, Param::Steps)
        );
        // stochastic + noise prediction
        let bb = grpo_bandit {
            normalization: 0,
            p_ref: 0.5,
            c: 0.125,
            ..b
        };
        let mut s1 = vec![0.0; 101];
        let mut s2 = vec![0.0; 101];
        assert_eq!(
            grpo_bandit_simulate_stochastic(&bb, 16, 0, 5, 100, s1.as_mut_ptr()),
            GRPO_OK
        );
        assert_eq!(
            grpo_bandit_simulate_stochastic(&bb, 16, 0, 5, 100, s2.as_mut_ptr()),
            GRPO_OK
        );
        assert_eq!(s1, s2);
        let mut gn = grpo_group_noise::default();
        assert_eq!(grpo_bandit_group_noise(&bb, 16, 0, &mut gn), GRPO_OK);
        assert!((gn.p_star - 0.71859).abs() < 6e-6 && (gn.var_p / 4.602e-5 - 1.0).abs() < 1.5e-3);
        let (mut tp, mut tv) = (vec![0.0; 2001], vec![0.0; 2001]);
        assert_eq!(
            grpo_bandit_transient_variance(&bb, 16, 0, 2000, tp.as_mut_ptr(), tv.as_mut_ptr()),
            GRPO_OK
        );
        assert!(tv[0] == 0.0 && tv[2000] > 0.0);
        assert_eq!(
            grpo_bandit_transient_variance(&bb, 16, 0, 2000, tp.as_mut_ptr(), null_mut()),
            status(ErrorKind::NullPointer, Param::Output)
        );
        let mut d = 0.0;
        assert_eq!(grpo_degeneracy(0.5, 4, &mut d), GRPO_OK);
        assert_eq!(d, 0.125);
        let ps = [0.0, 1.0];
        assert_eq!(
            grpo_degeneracy_heterogeneous(ps.as_ptr(), 2, 4, &mut d),
            GRPO_OK
        );
        assert_eq!(d, 1.0);
    }
}

#[test]
fn bandit_functions_bad_input() {
    unsafe {
        let b = preset_a();
        let (mut p, mut k) = (7.0, 7.0);
        let cases = [
            (
                grpo_bandit {
                    normalization: 2,
                    ..b
                },
                status(ErrorKind::UnknownCode, Param::Normalization),
            ),
            (
                grpo_bandit { kl: 5, ..b },
                status(ErrorKind::UnknownCode, Param::Kl),
            ),
            (
                grpo_bandit { lag: 3, ..b },
                status(ErrorKind::UnknownCode, Param::Lag),
            ),
            (
                grpo_bandit { mu: 1.0, ..b },
                status(ErrorKind::OutOfRange, Param::Mu),
            ),
            (
                grpo_bandit { eta: 0.0, ..b },
                status(ErrorKind::OutOfRange, Param::Eta),
            ),
            (
                grpo_bandit { p_ref: 1.5, ..b },
                status(ErrorKind::OutOfRange, Param::PRef),
            ),
            (
                grpo_bandit {
                    beta: f64::NAN,
                    ..b
                },
                status(ErrorKind::NonFinite, Param::Beta),
            ),
            (
                grpo_bandit {
                    lag: 1,
                    kref: 0,
                    ..b
                },
                status(ErrorKind::OutOfRange, Param::Kref),
            ),
        ];
        let mut traj = vec![5.0; 11];
        for (bad, want) in cases {
            assert_eq!(grpo_bandit_fixed_point(&bad, &mut p, &mut k), want);
            assert_eq!(grpo_bandit_simulate(&bad, 10, traj.as_mut_ptr()), want);
        }
        assert_eq!((p, k), (7.0, 7.0));
        assert!(
            traj.iter().all(|&x| x == 5.0),
            "buffer untouched on validation errors"
        );
        assert_eq!(
            grpo_bandit_fixed_point(null(), &mut p, &mut k),
            status(ErrorKind::NullPointer, Param::Options)
        );
        assert_eq!(
            grpo_bandit_fixed_point(&b, null_mut(), &mut k),
            status(ErrorKind::NullPointer, Param::Output)
        );
        assert_eq!(
            grpo_bandit_simulate(&b, 10, null_mut()),
            status(ErrorKind::NullPointer, Param::Output)
        );
        assert_eq!(
            grpo_bandit_simulate(&b, usize::MAX, traj.as_mut_ptr()),
            status(ErrorKind::BadBuffer, Param::Steps)
        );
        assert_eq!(
            grpo_bandit_simulate_stochastic(&b, 1, 0, 1, 10, traj.as_mut_ptr()),
            status(ErrorKind::OutOfRange, Param::G)
        );
        let mut gn = grpo_group_noise::default();
        assert_eq!(
            grpo_bandit_group_noise(&b, 0, 0, &mut gn),
            status(ErrorKind::OutOfRange, Param::G)
        );
        assert_eq!(
            grpo_bandit_group_noise(&b, 4, 0, null_mut()),
            status(ErrorKind::NullPointer, Param::Output)
        );
        let mut d = 3.0;
        assert_eq!(
            grpo_degeneracy(f64::NAN, 4, &mut d),
            status(ErrorKind::NonFinite, Param::P)
        );
        assert_eq!(
            grpo_degeneracy(0.5, 1, &mut d),
            status(ErrorKind::OutOfRange, Param::G)
        );
        assert_eq!(
            grpo_degeneracy_heterogeneous(null(), 3, 4, &mut d),
            status(ErrorKind::NullPointer, Param::P)
        );
        assert_eq!(
            grpo_degeneracy_heterogeneous(null(), 0, 4, &mut d),
            status(ErrorKind::Empty, Param::P)
        );
        assert_eq!(d, 3.0);
        // classifier
        let (mut regime, mut ov) = (9u32, -1.0);
        let pts = [0.1, 0.2, 0.3];
        assert_eq!(
            grpo_classify(null(), 3, 0.3, 0.01, &mut regime, &mut ov),
            status(ErrorKind::NullPointer, Param::P)
        );
        assert_eq!(
            grpo_classify(pts.as_ptr(), 0, 0.3, 0.01, &mut regime, &mut ov),
            status(ErrorKind::Empty, Param::P)
        );
        assert_eq!(
            grpo_classify(pts.as_ptr(), 3, f64::NAN, 0.01, &mut regime, &mut ov),
            status(ErrorKind::NonFinite, Param::Target)
        );
        assert_eq!(
            grpo_classify(pts.as_ptr(), 3, 0.3, -0.1, &mut regime, &mut ov),
            status(ErrorKind::OutOfRange, Param::Tol)
        );
        assert_eq!(
            grpo_classify(pts.as_ptr(), 3, 0.1, 0.01, &mut regime, &mut ov),
            status(ErrorKind::OutOfRange, Param::Target)
        );
        assert_eq!(
            grpo_classify(pts.as_ptr(), 3, 0.3, 0.01, null_mut(), &mut ov),
            status(ErrorKind::NullPointer, Param::Output)
        );
        assert_eq!((regime, ov), (9, -1.0));
    }
}

/// The struct layouts are a contract with C clients.
#[test]
fn struct_layouts() {
    use std::mem::{offset_of, size_of};
    assert_eq!(size_of::<grpo_bandit>(), 64);
    let offs = [
        offset_of!(grpo_bandit, eta),
        offset_of!(grpo_bandit, mu),
        offset_of!(grpo_bandit, beta),
        offset_of!(grpo_bandit, p_ref),
        offset_of!(grpo_bandit, c),
        offset_of!(grpo_bandit, eps),
        offset_of!(grpo_bandit, kref),
        offset_of!(grpo_bandit, normalization),
        offset_of!(grpo_bandit, kl),
        offset_of!(grpo_bandit, lag),
    ];
    assert_eq!(offs, [0, 8, 16, 24, 32, 40, 48, 52, 56, 60]);
    assert_eq!(size_of::<grpo_group_noise>(), 48);
}
