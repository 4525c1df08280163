//! The crate's one standard normal quantile (`src/numerics/normal.rs`, Acklam's approximation)
//! against an independent reference: values of Python's `statistics.NormalDist().inv_cdf`
//! (exact to double precision), reproduced by
//!
//! ```text
//! python3 -c "from statistics import NormalDist as N; [print(p, N().inv_cdf(p)) for p in (1e-12, 1e-9, ...)]"
//! ```

use grpo_dynamics::numerics::normal_quantile;

const REFERENCE: [(f64, f64); 26] = [
    (1e-12, -7.034483825301132),
    (1e-09, -5.9978070150076865),
    (1e-06, -4.753424308822899),
    (0.0001, -3.71901648545568),
    (0.001, -3.090232306167813),
    (0.01, -2.3263478740408408),
    (0.02, -2.0537489106318225),
    (0.02425, -1.9729610513118845),
    (0.03, -1.8807936081512509),
    (0.05, -1.6448536269514726),
    (0.1, -1.2815515655446008),
    (0.2, -0.8416212335729142),
    (0.3, -0.5244005127080407),
    (0.4, -0.2533471031357998),
    (0.5, 0.0),
    (0.6, 0.2533471031357998),
    (0.7, 0.5244005127080407),
    (0.8, 0.8416212335729144),
    (0.9, 1.2815515655446008),
    (0.95, 1.6448536269514715),
    (0.975, 1.9599639845400536),
    (0.98, 2.053748910631822),
    (0.99, 2.3263478740408408),
    (0.999, 3.090232306167813),
    (0.9999, 3.7190164854557084),
    (0.999999, 4.753424308817089),
];

#[test]
fn f64_matches_the_reference_within_acklams_bound() {
    for (p, z) in REFERENCE {
        let got = normal_quantile(p);
        // Acklam's published relative error bound 1.15e-9 (absolute near z = 0)
        let tol = 1.2e-9 * z.abs().max(1.0);
        assert!((got - z).abs() <= tol, "p = {p}: {got} vs {z}");
    }
}

#[test]
fn f32_matches_the_reference_to_four_digits() {
    for (p, z) in REFERENCE {
        if !(1e-6..=0.999).contains(&p) {
            continue; // f32(p) near 1 misstates the tail probability 1 - p (by 6e-8 absolute)
        }
        let got = normal_quantile(p as f32) as f64;
        // the central rational function cancels (coefficients up to 276 of both signs): f32
        // keeps about 4 significant digits of z there
        assert!(
            (got - z).abs() <= 1e-4 * z.abs().max(1.0),
            "p = {p}: {got} vs {z}"
        );
    }
}

#[test]
fn symmetric_and_monotone() {
    let mut prev = f64::NEG_INFINITY;
    for i in 1..1000 {
        let p = i as f64 / 1000.0;
        let z = normal_quantile(p);
        assert!(z > prev, "not increasing at {p}");
        assert!(
            (z + normal_quantile(1.0 - p)).abs() < 1e-12,
            "not symmetric at {p}"
        );
        prev = z;
    }
}
