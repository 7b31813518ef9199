"""A small Gaussian process: Matern-5/2 kernel with one length scale per feature (ARD).

Written for the Bayesian strategy's regime: tens to a few hundred points in the unit cube, a
handful to a few dozen features. Outputs are standardised by the caller. Hyperparameters are
the maximum a posteriori estimate under weak priors (length scales around the size of the cube,
little noise), found by multi-start L-BFGS-B on the exact log marginal likelihood and its
analytic gradient; the priors keep a fit on ten points from collapsing onto the data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import lapack
from scipy.optimize import minimize

SQRT5 = np.sqrt(5.0)
JITTER = 1e-8
LOG_LENGTH_BOUNDS = (np.log(0.01), np.log(20.0))
LOG_SIGNAL_BOUNDS = (np.log(0.05), np.log(20.0))
LOG_NOISE_BOUNDS = (np.log(1e-6), np.log(0.5))
LENGTH_PRIOR = (np.log(0.5), 1.0)
"""Normal prior (mean, sd) on each log length scale: features vary over about half the cube.
Callers may move the mean feature by feature (``length_prior``), e.g. for category features."""
SIGNAL_PRIOR = (0.0, 1.0)
NOISE_PRIOR = (np.log(1e-4), 2.0)
"""Most objectives are close to deterministic; real noise is learned from the data anyway."""


@dataclass(frozen=True)
class Hyperparameters:
    log_lengths: np.ndarray
    log_signal: float
    log_noise: float

    @classmethod
    def from_vector(cls, theta: np.ndarray) -> Hyperparameters:
        return cls(np.array(theta[:-2]), float(theta[-2]), float(theta[-1]))


def _matern(r: np.ndarray) -> np.ndarray:
    return (1.0 + SQRT5 * r + (5.0 / 3.0) * r * r) * np.exp(-SQRT5 * r)


def _inverse(k: np.ndarray) -> tuple[np.ndarray, float]:
    """The inverse of a positive definite matrix and half its log determinant.

    Through the Cholesky factor and LAPACK directly: at these sizes SciPy's checked wrappers
    cost more than the arithmetic. Raises ``LinAlgError`` when ``k`` is not positive definite.
    """
    chol = np.linalg.cholesky(k)
    chol_inv, info = lapack.dtrtri(chol, lower=1)
    if info != 0:
        raise np.linalg.LinAlgError("singular Cholesky factor")
    return chol_inv.T @ chol_inv, float(np.log(np.diag(chol)).sum())


def _scaled_sq_diffs(a: np.ndarray, b: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Per-feature squared differences over squared length scales, shape (len(a), len(b), d)."""
    diff = (a[:, None, :] - b[None, :, :]) / lengths
    return diff * diff


class GaussianProcess:
    """The posterior given data ``x`` (n, d) and standardised targets ``y`` (n,)."""

    def __init__(self, x: np.ndarray, y: np.ndarray, hyper: Hyperparameters):
        self.x = x
        self.y = y
        self.hyper = hyper
        self.lengths = np.exp(hyper.log_lengths)
        self.signal = float(np.exp(hyper.log_signal))
        noise = float(np.exp(hyper.log_noise))
        r = np.sqrt(_scaled_sq_diffs(x, x, self.lengths).sum(axis=2))
        k = self.signal * _matern(r) + (noise + JITTER) * np.eye(len(x))
        self._k_inv = _inverse(k)[0]
        self.alpha = self._k_inv @ y

    @classmethod
    def fit(
        cls,
        x: np.ndarray,
        y: np.ndarray,
        rng: np.random.Generator,
        restarts: int = 2,
        length_prior: np.ndarray | None = None,
    ) -> GaussianProcess:
        """Fit hyperparameters on (x, y), then condition on the same data. ``length_prior``:
        the prior mean of each feature's log length scale (default ``LENGTH_PRIOR``'s)."""
        d = x.shape[1]
        bounds = [LOG_LENGTH_BOUNDS] * d + [LOG_SIGNAL_BOUNDS, LOG_NOISE_BOUNDS]
        low, high = np.array(bounds).T
        length_means = np.full(d, LENGTH_PRIOR[0]) if length_prior is None else length_prior
        starts = [np.concatenate([length_means, [0.0, np.log(1e-3)]])]
        for _ in range(restarts):
            starts.append(
                np.concatenate(
                    [
                        rng.normal(length_means, LENGTH_PRIOR[1]),
                        [rng.normal(0.0, 0.5), rng.uniform(np.log(1e-6), np.log(1e-2))],
                    ]
                )
            )
        best_theta, best_value = starts[0], np.inf
        sq = _scaled_sq_diffs(x, x, np.ones(d)).reshape(-1, d)
        for start in starts:
            start = np.clip(start, low, high)
            try:
                result = minimize(
                    _neg_log_posterior,
                    start,
                    args=(sq, y, length_means),
                    jac=True,
                    method="L-BFGS-B",
                    bounds=bounds,
                    options={"maxiter": 200},
                )
            except np.linalg.LinAlgError:
                continue
            if np.isfinite(result.fun) and result.fun < best_value:
                best_theta, best_value = result.x, result.fun
        return cls(x, y, Hyperparameters.from_vector(best_theta))

    def with_data(self, x: np.ndarray, y: np.ndarray) -> GaussianProcess:
        """The same hyperparameters conditioned on other data (e.g. with pending points added)."""
        return GaussianProcess(x, y, self.hyper)

    def predict(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and standard deviation of the latent function at rows of ``x``."""
        r = np.sqrt(_scaled_sq_diffs(x, self.x, self.lengths).sum(axis=2))
        k = self.signal * _matern(r)
        mean = k @ self.alpha
        var = np.maximum(self.signal - np.einsum("ij,ij->i", k @ self._k_inv, k), 1e-12)
        return mean, np.sqrt(var)

    def predict_with_gradient(self, x: np.ndarray) -> tuple[float, float, np.ndarray, np.ndarray]:
        """Mean, standard deviation and their gradients at one point ``x`` (d,)."""
        diff = x[None, :] - self.x
        r = np.sqrt(((diff / self.lengths) ** 2).sum(axis=1))
        decay = np.exp(-SQRT5 * r)
        k = self.signal * (1.0 + SQRT5 * r + (5.0 / 3.0) * r * r) * decay
        dk = (-(5.0 / 3.0) * self.signal * (1.0 + SQRT5 * r) * decay)[:, None] * (
            diff / self.lengths**2
        )
        mean = float(k @ self.alpha)
        v = self._k_inv @ k
        var = max(self.signal - float(k @ v), 1e-12)
        std = np.sqrt(var)
        return mean, std, dk.T @ self.alpha, -(dk.T @ v) / std


def _neg_log_posterior(
    theta: np.ndarray, sq: np.ndarray, y: np.ndarray, length_means: np.ndarray | None = None
) -> tuple[float, np.ndarray]:
    """Negative log marginal likelihood plus negative log prior, and the gradient in theta.

    ``sq`` holds the squared differences of every pair of points per feature, shape (n*n, d),
    so the length scales enter through matrix-vector products. ``length_means``: the prior
    means of the log length scales (default ``LENGTH_PRIOR``'s for every feature).
    """
    n, d = len(y), sq.shape[1]
    inv_lengths2 = np.exp(-2.0 * theta[:d])
    signal, noise = np.exp(theta[d]), np.exp(theta[d + 1])
    r = np.sqrt(sq @ inv_lengths2).reshape(n, n)
    decay = np.exp(-SQRT5 * r)
    k_signal = signal * (1.0 + SQRT5 * r + (5.0 / 3.0) * r * r) * decay
    k = k_signal + (noise + JITTER) * np.eye(n)
    k_inv, half_log_det = _inverse(k)
    alpha = k_inv @ y
    value = 0.5 * y @ alpha + half_log_det
    w = np.outer(alpha, alpha) - k_inv
    g_length = signal * (5.0 / 3.0) * (1.0 + SQRT5 * r) * decay
    grad = np.empty(d + 2)
    grad[:d] = -0.5 * (sq.T @ (w * g_length).ravel()) * inv_lengths2
    grad[d] = -0.5 * np.sum(w * k_signal)
    grad[d + 1] = -0.5 * noise * np.trace(w)

    if length_means is None:
        length_means = np.full(d, LENGTH_PRIOR[0])
    means = np.concatenate([length_means, [SIGNAL_PRIOR[0], NOISE_PRIOR[0]]])
    sds = np.concatenate([np.full(d, LENGTH_PRIOR[1]), [SIGNAL_PRIOR[1], NOISE_PRIOR[1]]])
    z = (theta - means) / sds
    value += 0.5 * float(z @ z)
    grad += z / sds
    return float(value), grad
