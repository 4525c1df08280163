"""Integrations with the frameworks GRPO runs and sweeps live in (optional extras).

* :mod:`grpo_dynamics.integrations.trl` -- ``GRPODynamicsCallback``, a transformers
  ``TrainerCallback`` for TRL's ``GRPOTrainer`` (extra ``trl``: ``transformers``).
* :mod:`grpo_dynamics.integrations.optuna` -- ``GRPODynamicsPruner``, an
  ``optuna.pruners.BasePruner`` (extra ``optuna``).
* :mod:`grpo_dynamics.integrations.ray` -- ``GRPODynamicsStopper`` (a ``ray.tune.Stopper``) and
  ``GRPODynamicsScheduler`` (a ``ray.tune`` trial scheduler) (extra ``ray``).

Every submodule imports without its framework: the framework is imported when one of its classes
is first used (module ``__getattr__``), and a missing framework raises ``ImportError`` naming
the extra to install.
"""

from ._common import TrialForecast

__all__ = ["TrialForecast"]
