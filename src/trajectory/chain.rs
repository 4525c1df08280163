//! The chain rule shared by the re-parameterisations and their grids: an oscillator plus the
//! constant matrix `J[k][p] = d(osc_k)/d(param_p)`.

use super::Oscillator;
use crate::real::Real;

/// An oscillator and the chain-rule matrix of a parameterisation with `P` parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub(crate) struct Chain<T, const P: usize> {
    pub osc: Oscillator<T>,
    /// `j[k][p] = d osc_k / d param_p`.
    pub j: [[T; P]; 5],
}

impl<T: Real, const P: usize> Chain<T, P> {
    /// Gradient in the own parameters from the oscillator gradient.
    #[inline(always)]
    pub fn apply(&self, g5: &[T; 5]) -> [T; P] {
        let mut out = [T::ZERO; P];
        for (gk, row) in g5.iter().zip(self.j.iter()) {
            for (o, jkp) in out.iter_mut().zip(row.iter()) {
                *o += *gk * *jkp;
            }
        }
        out
    }
}
