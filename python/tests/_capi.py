"""ctypes declarations of the parts of include/grpo_dynamics.h the parity tests call (field names,
types and order exactly as in the header)."""

from __future__ import annotations

import ctypes

d, u32, i32, sz = ctypes.c_double, ctypes.c_uint32, ctypes.c_int32, ctypes.c_size_t
pd, pu32 = ctypes.POINTER(ctypes.c_double), ctypes.POINTER(ctypes.c_uint32)


class Oscillator(ctypes.Structure):
    _fields_ = [(n, d) for n in ("r_star", "r0", "v0", "omega", "zeta")]


class FitOptions(ctypes.Structure):
    _fields_ = [
        ("model", u32), ("loss", u32), ("loss_scale", d), ("max_evaluations", u32),
        ("ftol", d), ("xtol", d), ("gtol", d),
    ]


class FitResult(ctypes.Structure):
    _fields_ = [
        ("model", u32), ("termination", i32), ("n_params", u32),
        ("params", d * 8), ("stderr", d * 8), ("plateau", d), ("plateau_stderr", d),
        ("cost", d), ("r2", d), ("aicc", d), ("iterations", u32), ("evaluations", u32),
    ]


class Prediction(ctypes.Structure):
    _fields_ = [
        ("plateau", d), ("plateau_lo80", d), ("plateau_hi80", d), ("plateau_lo95", d),
        ("plateau_hi95", d), ("horizon", d), ("reward_at_horizon", d), ("horizon_lo80", d),
        ("horizon_hi80", d), ("model", u32), ("regime", u32), ("advice", u32),
        ("model_code", u32), ("r2", d),
    ]


class Bandit(ctypes.Structure):
    _fields_ = [
        ("eta", d), ("mu", d), ("beta", d), ("p_ref", d), ("c", d), ("eps", d),
        ("kref", u32), ("normalization", u32), ("kl", u32), ("lag", u32),
    ]


class GroupNoise(ctypes.Structure):
    _fields_ = [(n, d) for n in ("p_star", "stiffness", "drift_var", "var_x", "var_p", "degeneracy")]


SIGS = {
    "grpo_fit_options_default": (None, [ctypes.POINTER(FitOptions)]),
    "grpo_fit": (i32, [pd, pd, pd, sz, ctypes.POINTER(FitOptions), ctypes.POINTER(FitResult)]),
    "grpo_trajectory_eval": (i32, [ctypes.POINTER(Oscillator), pd, sz, pd]),
    "grpo_trajectory_eval_grid": (i32, [ctypes.POINTER(Oscillator), d, d, sz, pd]),
    "grpo_trajectory_jacobian": (i32, [ctypes.POINTER(Oscillator), d, pd, pd]),
    "grpo_time_to_fraction": (i32, [ctypes.POINTER(Oscillator), d, pd]),
    "grpo_predictor_size": (sz, []),
    "grpo_predictor_align": (sz, []),
    "grpo_predictor_init": (i32, [ctypes.c_void_p, sz, d, d]),
    "grpo_predictor_push": (i32, [ctypes.c_void_p, d, d]),
    "grpo_predictor_predict": (i32, [ctypes.c_void_p, d, ctypes.POINTER(Prediction)]),
    "grpo_prop9_threshold": (i32, [d, d, d, pd]),
    "grpo_zeta_one_onset": (i32, [d, d, d, pd]),
    "grpo_critical_lag": (i32, [d, d, d, pd]),
    "grpo_zeta": (i32, [d, d, d, d, pd]),
    "grpo_largest_stable_kref": (i32, [d, d, d, u32, pu32]),
    "grpo_largest_monotone_kref": (i32, [d, d, d, u32, pu32]),
    "grpo_largest_stable_eta": (i32, [u32, u32, d, d, pd]),
    "grpo_linear_regime": (i32, [d, d, d, u32, u32, pu32, pd]),
    "grpo_bandit_group_noise": (i32, [ctypes.POINTER(Bandit), u32, u32, ctypes.POINTER(GroupNoise)]),
    "grpo_degeneracy": (i32, [d, u32, pd]),
}


def load(path: str) -> ctypes.CDLL:
    lib = ctypes.CDLL(path)
    for name, (restype, argtypes) in SIGS.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes
    return lib


def arr(x) -> ctypes.Array:
    return (d * len(x))(*[float(v) for v in x])


class CPredictor:
    """A predictor in ctypes-owned, suitably aligned memory."""

    def __init__(self, lib: ctypes.CDLL, lo: float, hi: float) -> None:
        self.lib = lib
        size, align = lib.grpo_predictor_size(), lib.grpo_predictor_align()
        self.buf = ctypes.create_string_buffer(size + align)
        addr = ctypes.addressof(self.buf)
        self.mem = ctypes.c_void_p(addr + (-addr) % align)
        assert lib.grpo_predictor_init(self.mem, size, lo, hi) == 0

    def push(self, s: float, r: float) -> int:
        return self.lib.grpo_predictor_push(self.mem, s, r)

    def predict(self, h: float):
        out = Prediction()
        st = self.lib.grpo_predictor_predict(self.mem, h, ctypes.byref(out))
        return st, out
