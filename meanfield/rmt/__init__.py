r"""Random-matrix theory of the full Lyapunov spectrum (physics.md §6).

One module per physics section:

==================  ========================================================================
module              contents
==================  ========================================================================
``newman``          §6.1 products of iid Gaussian matrices (exact): :func:`newman_spectrum`,
                    :func:`newman_exponents`; :func:`annealed_spectrum` measures products with
                    a fresh coupling matrix every step (QR engine)
``semicircle``      §6.1 trivial fixed point g < 1 (exact N → ∞ laws; finite-N
                    :func:`fixed_point_exponents`); §6.4 near-onset approximation
``free``            §6.2 discrete time :math:`h_{t+1} = J\phi(h_t)`: the free-probability law
                    (:class:`FreeLaw`, :func:`free_spectrum`)
``single_site``     §6.3 continuous-time chaos: the single-site (cavity) theory
                    (:func:`single_site_cdf`, :func:`single_site_spectrum`); the leaky map
                    (:func:`single_site_map_spectrum`)
``balanced``        balanced ReLU networks (§1.2, §3.2): the single-site theory with the balanced
                    DMFT's 0/1 gates, plus the mean-mode outlier (:func:`balanced_spectrum`); the
                    fixed point g <= sqrt 2 (:func:`balanced_fixed_point_spectrum`)
``snapshot``        §6.4 the snapshot approximation of continuous-time chaos
``api``             :func:`lyapunov_spectrum` (dispatch on the model), method table
``results``         :class:`RMTSpectrum`
==================  ========================================================================

Which method to trust where: see :mod:`meanfield.rmt.api`.  Not covered yet: sparse
balanced couplings and input-driven networks (:class:`~meanfield.errors.UnsupportedRegimeError`).
"""
from .api import METHODS, lyapunov_spectrum
from .balanced import balanced_fixed_point_spectrum, balanced_spectrum, mean_mode_exponent
from .free import FreeLaw, free_spectrum
from .newman import annealed_spectrum, newman_exponents, newman_spectrum
from .results import RMTSpectrum
from .semicircle import (euler_map_cdf, fixed_point_exponents, semicircle_cdf, semicircle_quantile,
                         semicircle_spectrum)
from .single_site import single_site_cdf, single_site_map_spectrum, single_site_spectrum
from .snapshot import SnapshotLaw, snapshot_spectrum

__all__ = ["lyapunov_spectrum", "METHODS", "RMTSpectrum", "FreeLaw", "free_spectrum", "newman_spectrum",
           "newman_exponents", "annealed_spectrum", "fixed_point_exponents", "semicircle_cdf",
           "semicircle_quantile", "euler_map_cdf", "semicircle_spectrum", "SnapshotLaw", "snapshot_spectrum",
           "single_site_cdf", "single_site_spectrum", "single_site_map_spectrum", "balanced_spectrum",
           "balanced_fixed_point_spectrum", "mean_mode_exponent"]
