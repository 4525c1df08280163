"""Type stub of the compiled extension ``grpo_dynamics._core`` (the PyO3 layer).

Flat on purpose: numbers, contiguous float64 arrays, tuples and dicts. The typed public API with
dataclasses and defaults is the package ``grpo_dynamics``. Every function raises
``grpo_dynamics.GrpoError`` on bad input.
"""

from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
P5 = Tuple[float, float, float, float, float]
F6 = Tuple[float, float, float, float, float, float]

DEFAULT_WINDOW: int

def version() -> str: ...
def error_tables() -> Tuple[List[Tuple[int, str, str]], List[Tuple[int, str]]]: ...

# trajectories (p = (r_star, r0, v0, omega, zeta))
def trajectory_eval(p: P5, t: F64) -> F64: ...
def trajectory_grid(p: P5, t0: float, dt: float, n: int) -> F64: ...
def trajectory_jacobian(p: P5, t: F64) -> Tuple[F64, F64]: ...
def time_to_fraction(p: P5, f: float) -> float: ...
def damping_regime(p: P5) -> str: ...
def oscillator_new(p: P5) -> P5: ...
def oscillator_from_mgk(r_star: float, r0: float, v0: float, m: float, gamma: float, k: float) -> P5: ...
def oscillator_from_overdamped(r_star: float, r0: float, tau: float, t_m: float) -> P5: ...
def oscillator_from_hyper(r_star: float, r0: float, eta: float, mu: float, k: float, kref: float) -> P5: ...
def oscillator_critical(r_star: float, r0: float, omega: float) -> P5: ...

# fits: model 0..4 a parameter set, 5 auto; loss 0 least squares, 1 huber, 2 cauchy
def fit(
    t: F64,
    y: F64,
    w: Optional[F64],
    model: int,
    loss: int,
    loss_scale: float,
    ftol: Optional[float],
    xtol: Optional[float],
    gtol: float,
    max_evaluations: int,
    start: Optional[F64],
) -> Dict[str, Any]: ...

# stability (lag_mode "constant" | "periodic") and noise
def prop9_threshold(eta: float, mu: float, k: float) -> float: ...
def zeta_one_onset(eta: float, mu: float, k: float) -> float: ...
def critical_lag(eta: float, mu: float, k: float) -> float: ...
def zeta(eta: float, mu: float, k: float, kref: float) -> float: ...
def largest_stable_kref(eta: float, mu: float, k: float, lag_mode: str) -> Optional[int]: ...
def largest_monotone_kref(eta: float, mu: float, k: float, lag_mode: str) -> Optional[int]: ...
def largest_stable_lr(kref: int, lag_mode: str, mu: float, k: float) -> float: ...
def linear_regime(eta: float, mu: float, k: float, kref: int, lag_mode: str) -> Tuple[str, float]: ...
def group_noise(
    eta: float,
    mu: float,
    beta: float,
    p_ref: float,
    c: float,
    eps: float,
    kref: int,
    normalization: str,
    kl: str,
    lag_mode: str,
    g: int,
    bessel: bool,
) -> Dict[str, float]: ...
def degeneracy(p: float, g: int) -> float: ...
def degeneracy_heterogeneous(ps: F64, g: int) -> float: ...

# diagnostics; optimizer = (eta, mu, k, kref, lag_mode)
def diagnose(
    reward: F64,
    steps: Optional[F64],
    eval_reward: Optional[F64],
    entropy: Optional[F64],
    zero_std_frac: Optional[F64],
    group_size: Optional[int],
    r_min: float,
    r_max: float,
    r_max_eval: float,
    optimizer: Optional[Tuple[float, float, float, float, str]],
    expected_plateau: Optional[float],
) -> Dict[str, Any]: ...

class NativePredictor:
    def __init__(
        self,
        reward_min: float,
        reward_max: float,
        window: int,
        refit_every: Optional[int],
        min_points: Optional[int],
        interval_scale: Optional[float],
        drift: Optional[float],
        huber_k: Optional[float],
        min_gain: Optional[float],
        min_gain_share: Optional[float],
        confidence: Optional[float],
        confirmations: Optional[int],
        power_weight: Optional[float],
        interval_k: Optional[float],
        collapse_drop: Optional[float],
        level_half_life: Optional[float],
        gain_shrink: Optional[float],
        min_stop_points: Optional[float],
    ) -> None: ...
    def push(self, step: float, reward: float) -> None: ...
    def push_many(self, steps: F64, rewards: F64) -> int: ...
    def predict(
        self, horizon_step: float
    ) -> Tuple[F6, float, F6, str, str, str, Tuple[str, float, float, float, float], float]: ...
    def plateau(self) -> F6: ...
    def reward_at(self, step: float) -> F6: ...
    def reset(self) -> None: ...
    def is_fitted(self) -> bool: ...
    def points(self) -> Tuple[List[float], List[float], List[float]]: ...
    def config(self) -> Dict[str, Any]: ...
    def __len__(self) -> int: ...
