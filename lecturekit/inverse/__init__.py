"""Chapter 8: the network's Jacobian as an inverse-problems tool.

* :mod:`~lecturekit.inverse.least_squares`: Gauss–Newton and Levenberg–Marquardt on
  ``Φ_λ(w̄) = ½‖r(w̄)‖² + ½λ‖w̄‖²``, for any residual and for the network;
* :mod:`~lecturekit.inverse.regularisation`: choosing λ (Tikhonov path, L-curve, discrepancy
  principle, hold-out validation, early stopping);
* :mod:`~lecturekit.inverse.uncertainty`: linearised covariance, confidence bands, coverage.
"""

from .least_squares import (
    LeastSquaresResult,
    NetworkFit,
    first_reach,
    fit_gauss_newton,
    fit_levenberg_marquardt,
    gauss_newton,
    levenberg_marquardt,
    pack_weights,
    residual_and_jacobian,
    unpack_weights,
)
from .regularisation import (
    EarlyStopping,
    TikhonovPath,
    discrepancy_level,
    discrepancy_principle,
    discrepancy_stop,
    early_stopping,
    holdout_errors,
    l_curve_corner,
    l_curve_curvature,
    tikhonov_path,
)
from .uncertainty import (
    Band,
    Covariance,
    Coverage,
    band_half_width,
    confidence_band,
    coverage_simulation,
    linearised_covariance,
)

__all__ = [
    "Band",
    "Covariance",
    "Coverage",
    "EarlyStopping",
    "LeastSquaresResult",
    "NetworkFit",
    "TikhonovPath",
    "band_half_width",
    "confidence_band",
    "coverage_simulation",
    "discrepancy_level",
    "discrepancy_principle",
    "discrepancy_stop",
    "early_stopping",
    "first_reach",
    "fit_gauss_newton",
    "fit_levenberg_marquardt",
    "gauss_newton",
    "holdout_errors",
    "l_curve_corner",
    "l_curve_curvature",
    "levenberg_marquardt",
    "linearised_covariance",
    "pack_weights",
    "residual_and_jacobian",
    "tikhonov_path",
    "unpack_weights",
]
