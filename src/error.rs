//! Typed errors that name the bad parameter.
//!
//! Every fallible function returns [`Result<T>`]; an [`Error`] is a pair
//! (what went wrong: [`ErrorKind`], which input: [`Param`]). The C ABI packs the pair into one
//! `int32_t` status: `status = kind + 256 * param` (`GRPO_OK = 0`), so `status & 0xff` is the kind
//! and `status >> 8` the parameter.

use core::fmt;

/// `core::result::Result` with this crate's [`Error`].
pub type Result<T> = core::result::Result<T, Error>;

/// What went wrong. The discriminant is the low byte of the C status code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(u8)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A value that must be finite is NaN or infinite.
    NonFinite = 1,
    /// A value lies outside its valid range (e.g. `omega <= 0`, `zeta < 0`, `f` outside (0, 1)).
    OutOfRange = 2,
    /// A slice is empty.
    Empty = 3,
    /// Two slices that must have the same length do not.
    LengthMismatch = 4,
    /// Fewer points than the operation needs (e.g. fewer points than fit parameters).
    TooFewPoints = 5,
    /// A sequence that must be strictly increasing is not (e.g. times or steps).
    NotIncreasing = 6,
    /// A series is constant where variation is required (e.g. a flat reward curve to fit).
    Constant = 7,
    /// A lower bound exceeds its upper bound.
    BoundsInverted = 8,
    /// A start value lies outside its bounds.
    OutsideBounds = 9,
    /// A target is never reached (e.g. the fraction of the gain, or no root in the bracket).
    NotReached = 10,
    /// An iteration diverged (non-finite state or state beyond the safe range).
    Diverged = 11,
    /// A linear system is singular / the problem is rank deficient.
    Singular = 12,
    /// A fixed-capacity buffer is full.
    CapacityExceeded = 13,
    /// Not enough data yet for the question asked (e.g. predictor before its first fit).
    NotReady = 14,
    /// A required pointer argument is NULL (C ABI).
    NullPointer = 15,
    /// A caller buffer is too small or misaligned (C ABI).
    BadBuffer = 16,
    /// An enum code is unknown (C ABI, e.g. a model number).
    UnknownCode = 17,
    /// A Rust panic was caught at the C boundary (a bug; please report it).
    Panic = 18,
    /// A quantity the data cannot determine (e.g. a calibrated curvature `K` whose tail is too
    /// short, too noisy or faster than any monotone approach allows).
    Undetermined = 19,
    /// Caller-held state (e.g. the C predictor's memory) fails its consistency checks: it was
    /// changed outside the library since the library last wrote it.
    Corrupted = 20,
}

impl ErrorKind {
    /// Every kind, in code order.
    pub const ALL: [ErrorKind; 20] = [
        ErrorKind::NonFinite,
        ErrorKind::OutOfRange,
        ErrorKind::Empty,
        ErrorKind::LengthMismatch,
        ErrorKind::TooFewPoints,
        ErrorKind::NotIncreasing,
        ErrorKind::Constant,
        ErrorKind::BoundsInverted,
        ErrorKind::OutsideBounds,
        ErrorKind::NotReached,
        ErrorKind::Diverged,
        ErrorKind::Singular,
        ErrorKind::CapacityExceeded,
        ErrorKind::NotReady,
        ErrorKind::NullPointer,
        ErrorKind::BadBuffer,
        ErrorKind::UnknownCode,
        ErrorKind::Panic,
        ErrorKind::Undetermined,
        ErrorKind::Corrupted,
    ];

    /// Short English description.
    pub const fn describe(self) -> &'static str {
        match self {
            ErrorKind::NonFinite => "value is NaN or infinite",
            ErrorKind::OutOfRange => "value out of range",
            ErrorKind::Empty => "empty input",
            ErrorKind::LengthMismatch => "length mismatch",
            ErrorKind::TooFewPoints => "too few points",
            ErrorKind::NotIncreasing => "not strictly increasing",
            ErrorKind::Constant => "constant series",
            ErrorKind::BoundsInverted => "lower bound above upper bound",
            ErrorKind::OutsideBounds => "start value outside bounds",
            ErrorKind::NotReached => "target never reached",
            ErrorKind::Diverged => "iteration diverged",
            ErrorKind::Singular => "singular or rank-deficient system",
            ErrorKind::CapacityExceeded => "capacity exceeded",
            ErrorKind::NotReady => "not enough data yet",
            ErrorKind::NullPointer => "NULL pointer",
            ErrorKind::BadBuffer => "buffer too small or misaligned",
            ErrorKind::UnknownCode => "unknown code",
            ErrorKind::Panic => "internal panic caught at the C boundary",
            ErrorKind::Undetermined => "not determined by the data",
            ErrorKind::Corrupted => "corrupted state",
        }
    }
}

macro_rules! params {
    ($( $(#[$doc:meta])* $v:ident = $code:literal => $name:literal, )*) => {
        /// Which input or quantity an [`Error`] is about. The discriminant is bits 8..16 of the C
        /// status code; codes are stable (new parameters are appended).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[cfg_attr(feature = "defmt", derive(defmt::Format))]
        #[repr(u8)]
        #[non_exhaustive]
        pub enum Param {
            $( $(#[$doc])* $v = $code, )*
        }

        impl Param {
            /// Every parameter, in code order.
            pub const ALL: &'static [Param] = &[$(Param::$v,)*];

            /// The parameter's name as written in the docs (snake case, as in the C structs).
            pub const fn name(self) -> &'static str {
                match self {
                    $( Param::$v => $name, )*
                }
            }
        }
    };
}

params! {
    /// No single parameter (the whole input or the operation itself).
    None = 0 => "input",
    /// Plateau / fixed point `r_star`.
    RStar = 1 => "r_star",
    /// Initial reward `r0`.
    R0 = 2 => "r0",
    /// Initial slope `v0`.
    V0 = 3 => "v0",
    /// Natural frequency `omega`.
    Omega = 4 => "omega",
    /// Damping ratio `zeta`.
    Zeta = 5 => "zeta",
    /// Time `t` (or a slice of times).
    T = 6 => "t",
    /// Grid start `t0`.
    T0 = 7 => "t0",
    /// Grid step `dt`.
    Dt = 8 => "dt",
    /// A count or length `n`.
    N = 9 => "n",
    /// Fraction of the gain `f`.
    Fraction = 10 => "f",
    /// Mass `m`.
    Mass = 11 => "m",
    /// Damping `gamma`.
    Gamma = 12 => "gamma",
    /// Oscillator stiffness `k`.
    Stiffness = 13 => "k",
    /// Timescale `tau` (inverse stiffness `gamma / k`).
    Tau = 14 => "tau",
    /// Inertial delay `t_m = m / gamma`.
    TM = 15 => "t_m",
    /// Learning rate `eta`.
    Eta = 16 => "eta",
    /// Momentum `mu`.
    Mu = 17 => "mu",
    /// Curvature scale `K` of the mean-field drift.
    K = 18 => "K",
    /// Refresh interval / lag `kref`.
    Kref = 19 => "kref",
    /// Saturation-law plateau `R_inf`.
    RInf = 20 => "r_inf",
    /// Saturation-law timescale at the reference size `tau1`.
    Tau1 = 21 => "tau1",
    /// Size exponent `alpha`.
    Alpha = 22 => "alpha",
    /// Reference model size `N1`.
    N1 = 23 => "n1",
    /// Model size `N`.
    ModelSize = 24 => "model_size",
    /// A target value (reward target, classifier target).
    Target = 25 => "target",
    /// Observed values `y` (rewards).
    Y = 26 => "y",
    /// Per-point weights.
    Weights = 27 => "weights",
    /// Parameter bounds.
    Bounds = 28 => "bounds",
    /// Start values of a fit.
    Start = 29 => "start",
    /// Robust-loss scale.
    LossScale = 30 => "loss_scale",
    /// Relative cost tolerance `ftol`.
    Ftol = 31 => "ftol",
    /// Relative step tolerance `xtol`.
    Xtol = 32 => "xtol",
    /// Gradient tolerance `gtol`.
    Gtol = 33 => "gtol",
    /// Evaluation budget.
    MaxEvaluations = 34 => "max_evaluations",
    /// Model / parameter-set selector.
    Model = 35 => "model",
    /// Fit parameters (model output non-finite, singular Jacobian, ...).
    Params = 36 => "params",
    /// KL coefficient `beta`.
    Beta = 37 => "beta",
    /// Reference success probability `p_ref`.
    PRef = 38 => "p_ref",
    /// Logit gain `c`.
    C = 39 => "c",
    /// Advantage regulariser `eps`.
    Eps = 40 => "eps",
    /// Group size `G`.
    G = 41 => "G",
    /// Number of simulation steps.
    Steps = 42 => "steps",
    /// A probability or trajectory `p`.
    P = 43 => "p",
    /// A tolerance.
    Tol = 44 => "tol",
    /// Band width in standard deviations `z`.
    Z = 45 => "z",
    /// Training reward series.
    Reward = 46 => "reward",
    /// Evaluation reward series.
    EvalReward = 47 => "eval_reward",
    /// Token entropy series.
    Entropy = 48 => "entropy",
    /// Fraction of zero-variance groups.
    ZeroStdFrac = 49 => "frac_reward_zero_std",
    /// Attainable maximum reward.
    RMax = 50 => "r_max",
    /// Prediction horizon.
    Horizon = 51 => "horizon",
    /// Lower reward bound of the predictor.
    RewardMin = 52 => "reward_min",
    /// Upper reward bound of the predictor.
    RewardMax = 53 => "reward_max",
    /// Training step.
    Step = 54 => "step",
    /// Window or capacity.
    Capacity = 55 => "capacity",
    /// Caller memory (C ABI).
    Memory = 56 => "mem",
    /// An output pointer (C ABI).
    Output = 57 => "out",
    /// An options struct (C ABI).
    Options = 58 => "options",
    /// Normalisation selector.
    Normalization = 59 => "normalization",
    /// KL-direction selector.
    Kl = 60 => "kl",
    /// Lag-mode selector.
    Lag = 61 => "lag",
    /// Robust-loss selector.
    Loss = 62 => "loss",
    /// A status code.
    Status = 63 => "status",
    /// Predictor setting `drift` (allowed level drift).
    Drift = 64 => "drift",
    /// Predictor setting `collapse_drop` (drop that counts as a collapse).
    CollapseDrop = 65 => "collapse_drop",
    /// Predictor setting `level_half_life`.
    LevelHalfLife = 66 => "level_half_life",
    /// Predictor setting `gain_shrink`.
    GainShrink = 67 => "gain_shrink",
    /// Diagnostics threshold `phi_hacking`.
    PhiHacking = 68 => "phi_hacking",
    /// Diagnostics threshold `phi_suspect`.
    PhiSuspect = 69 => "phi_suspect",
    /// Diagnostics threshold `min_late_train_gain`.
    MinLateTrainGain = 70 => "min_late_train_gain",
    /// Diagnostics threshold `warn`.
    Warn = 71 => "warn",
    /// Diagnostics threshold `critical`.
    Critical = 72 => "critical",
    /// Diagnostics threshold `heterogeneity`.
    Heterogeneity = 73 => "heterogeneity",
    /// Diagnostics threshold `collapse_ratio`.
    CollapseRatio = 74 => "collapse_ratio",
    /// Diagnostics threshold `premature_gap`.
    PrematureGap = 75 => "premature_gap",
    /// Absolute minimum gain of the predictor's stop rule.
    MinGain = 76 => "min_gain",
    /// Minimum gain of the stop rule as a share of the observed spread.
    MinGainShare = 77 => "min_gain_share",
    /// Confidence of the stop rule.
    Confidence = 78 => "confidence",
    /// Confirmations of the stop rule.
    Confirmations = 79 => "confirmations",
    /// Weight of the power-law component of the forecast combination.
    PowerWeight = 80 => "power_weight",
    /// Interval factor of the forecast combination.
    IntervalK = 81 => "interval_k",
    /// The optimizer's learning rate setting (or per-step column) of a calibration.
    Lr = 82 => "lr",
    /// Adam's `beta1` (momentum) setting of a calibration.
    Beta1 = 83 => "beta1",
    /// The gain of a reward curve (plateau minus first reward).
    Gain = 84 => "gain",
    /// Initial step bound factor of the LM solver (`Options::step_bound`).
    StepBound = 85 => "step_bound",
}

/// An error: what went wrong ([`ErrorKind`]) and with which input ([`Param`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Error {
    kind: ErrorKind,
    param: Param,
}

impl Error {
    /// An error of `kind` about `param`.
    pub const fn new(kind: ErrorKind, param: Param) -> Self {
        Error { kind, param }
    }
    /// What went wrong.
    pub const fn kind(self) -> ErrorKind {
        self.kind
    }
    /// Which input it is about.
    pub const fn param(self) -> Param {
        self.param
    }
    /// The C status code `kind + 256 * param` (never 0).
    pub const fn code(self) -> i32 {
        self.kind as i32 + 256 * self.param as i32
    }
    /// Decode a C status code; `None` for 0 (OK) and for unknown codes.
    pub fn from_code(code: i32) -> Option<Error> {
        if code <= 0 {
            return None;
        }
        let k = (code & 0xff) as u8;
        let p = (code >> 8) as usize;
        let kind = ErrorKind::ALL.iter().copied().find(|x| *x as u8 == k)?;
        let param = Param::ALL.iter().copied().find(|x| *x as usize == p)?;
        Some(Error::new(kind, param))
    }
    /// Shorthand for `ErrorKind::NonFinite`.
    pub const fn non_finite(param: Param) -> Self {
        Error::new(ErrorKind::NonFinite, param)
    }
    /// Shorthand for `ErrorKind::OutOfRange`.
    pub const fn out_of_range(param: Param) -> Self {
        Error::new(ErrorKind::OutOfRange, param)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.param.name(), self.kind.describe())
    }
}

/// `core::error::Error` (stable since Rust 1.81): `?` into `Box<dyn Error>` and error-reporting
/// crates work without the `std` feature.
impl core::error::Error for Error {}

// compile-time proof that the impl exists in every build, `no_std` included
const _: () = {
    const fn is_error<E: core::error::Error>() {}
    is_error::<Error>()
};

/// Validation helpers shared by every module (one mechanism for every check).
pub(crate) mod check {
    use super::{Error, ErrorKind, Param, Result};
    use crate::real::Real;

    /// `x` must be finite.
    #[inline]
    pub fn finite<T: Real>(x: T, p: Param) -> Result<T> {
        if x.is_finite() {
            Ok(x)
        } else {
            Err(Error::non_finite(p))
        }
    }

    /// `x` must be finite and `> 0`.
    #[inline]
    pub fn positive<T: Real>(x: T, p: Param) -> Result<T> {
        finite(x, p)?;
        if x > T::ZERO {
            Ok(x)
        } else {
            Err(Error::out_of_range(p))
        }
    }

    /// `x` must be finite and `>= 0`.
    #[inline]
    pub fn non_negative<T: Real>(x: T, p: Param) -> Result<T> {
        finite(x, p)?;
        if x >= T::ZERO {
            Ok(x)
        } else {
            Err(Error::out_of_range(p))
        }
    }

    /// `x` must be finite and lie in the open interval `(lo, hi)`.
    #[inline]
    pub fn open<T: Real>(x: T, lo: T, hi: T, p: Param) -> Result<T> {
        finite(x, p)?;
        if x > lo && x < hi {
            Ok(x)
        } else {
            Err(Error::out_of_range(p))
        }
    }

    /// `x` must be finite and lie in `[lo, hi)`.
    #[inline]
    pub fn half_open<T: Real>(x: T, lo: T, hi: T, p: Param) -> Result<T> {
        finite(x, p)?;
        if x >= lo && x < hi {
            Ok(x)
        } else {
            Err(Error::out_of_range(p))
        }
    }

    /// Every element of `xs` must be finite.
    #[inline]
    pub fn all_finite<T: Real>(xs: &[T], p: Param) -> Result<()> {
        // no early exit: a branch-free `and` over the slice vectorises (bad input is the rare case)
        if xs.iter().fold(true, |ok, x| ok & x.is_finite()) {
            Ok(())
        } else {
            Err(Error::non_finite(p))
        }
    }

    /// `xs` must be non-empty.
    #[inline]
    pub fn non_empty<T>(xs: &[T], p: Param) -> Result<()> {
        if xs.is_empty() {
            Err(Error::new(ErrorKind::Empty, p))
        } else {
            Ok(())
        }
    }

    /// `a` and `b` must have the same length (the error names `p`, the second slice).
    #[inline]
    pub fn same_len<A, B>(a: &[A], b: &[B], p: Param) -> Result<()> {
        if a.len() == b.len() {
            Ok(())
        } else {
            Err(Error::new(ErrorKind::LengthMismatch, p))
        }
    }

    /// A computed value must be finite, else the computation diverged (about `p`).
    #[inline]
    pub fn result<T: Real>(x: T, p: Param) -> Result<T> {
        if x.is_finite() {
            Ok(x)
        } else {
            Err(Error::new(ErrorKind::Diverged, p))
        }
    }
}
