"""Six-hump camel 2-D on [-3, 3] x [-2, 2]: two global minima of -1.031628 at +-(0.0898, -0.7127).

Definition as in Surjanovic & Bingham, Virtual Library of Simulation Experiments
(https://www.sfu.ca/~ssurjano/camel6.html), after Molga & Smutnicki (2005):
f(x) = (4 - 2.1 x1^2 + x1^4 / 3) x1^2 + x1 x2 + (-4 + 4 x2^2) x2^2. OPTIMUM from BFGS to a
gradient of 1e-14 from the textbook minimiser (a 3001 x 2001 grid agrees to 4e-6).
"""

from __future__ import annotations

OPTIMUM = -1.0316284534898768


def objective(hp: dict, budget: int | None = None) -> float:
    x1, x2 = hp["x1"], hp["x2"]
    return (4 - 2.1 * x1**2 + x1**4 / 3) * x1**2 + x1 * x2 + (-4 + 4 * x2**2) * x2**2
