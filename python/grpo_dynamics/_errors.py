"""The exception raised for bad input: :class:`GrpoError`."""

from __future__ import annotations

__all__ = ["GrpoError"]


class GrpoError(ValueError):
    """Bad input or an impossible request, as reported by the Rust library.

    Attributes:
        kind: what went wrong, snake case (``"out_of_range"``, ``"non_finite"``,
            ``"length_mismatch"``, ``"not_ready"``, ...): the Rust ``ErrorKind``.
        param: the name of the input it is about (``"omega"``, ``"t"``, ``"reward_max"``, ...,
            or ``"input"`` for none in particular): the Rust ``Param``.
        code: the C ABI status code ``kind + 256 * param``.
        index: for :meth:`Predictor.push_many`, the index of the rejected point, else ``None``.
    """

    kind: str
    param: str
    code: int
    index: int | None

    def __init__(self, message: str, kind: str, param: str, code: int) -> None:
        super().__init__(message)
        self.kind = kind
        self.param = param
        self.code = code
        self.index = None

    def __reduce__(self):  # picklable (Ray ships exceptions between processes)
        return (type(self), (str(self), self.kind, self.param, self.code))


def _binding_error(kind: str, param: str, message: str) -> GrpoError:
    """An error raised by the Python layer itself, coded as the Rust layer codes it."""
    from . import _core

    kinds, params = _core.error_tables()
    k = next(c for c, name, _ in kinds if name == kind)
    p = next(c for c, name in params if name == param)
    return GrpoError(message, kind, param, k + 256 * p)
