"""Styblinski-Tang 4-D on [-5, 5]^4: minimum -156.664663 at x_i = -2.903534, 2^4 local minima.

Definition as in Surjanovic & Bingham, Virtual Library of Simulation Experiments
(https://www.sfu.ca/~ssurjano/stybtang.html), after Styblinski & Tang (1990):
f(x) = 1/2 sum_i (x_i^4 - 16 x_i^2 + 5 x_i). Separable: the minimiser of each term is the root
of 4x^3 - 32x + 5 near -2.9035 (brentq to machine precision), and OPTIMUM is four times that
term's value. The local minimum with every x_i = 2.7468 is 11.2 worse.
"""

from __future__ import annotations

OPTIMUM = -156.66466281508565
DIMENSIONS = 4


def objective(hp: dict, budget: int | None = None) -> float:
    x = [hp[f"x{i}"] for i in range(1, DIMENSIONS + 1)]
    return 0.5 * sum(v**4 - 16 * v**2 + 5 * v for v in x)
