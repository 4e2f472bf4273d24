"""Private Numba RK4 integrator of Lorenz-63 (data for the sparsely-forced-BPTT demos)."""
from numba import njit


@njit(cache=True)
def _lorenz_rhs(x, y, z, s, r, b):
    return s * (y - x), x * (r - z) - y, x * y - b * z


@njit(cache=True)
def _lorenz_run(x0, dt, n_sub, s, r, b, out):
    """Fill out[i] with the state every dt (n_sub RK4 sub-steps per sample), starting at x0."""
    x, y, z = x0[0], x0[1], x0[2]
    h = dt / n_sub
    for i in range(out.shape[0]):
        out[i, 0], out[i, 1], out[i, 2] = x, y, z
        for _ in range(n_sub):
            k1 = _lorenz_rhs(x, y, z, s, r, b)
            k2 = _lorenz_rhs(x + 0.5 * h * k1[0], y + 0.5 * h * k1[1], z + 0.5 * h * k1[2], s, r, b)
            k3 = _lorenz_rhs(x + 0.5 * h * k2[0], y + 0.5 * h * k2[1], z + 0.5 * h * k2[2], s, r, b)
            k4 = _lorenz_rhs(x + h * k3[0], y + h * k3[1], z + h * k3[2], s, r, b)
            x += h / 6.0 * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0])
            y += h / 6.0 * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1])
            z += h / 6.0 * (k1[2] + 2 * k2[2] + 2 * k3[2] + k4[2])
