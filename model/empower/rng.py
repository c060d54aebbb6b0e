"""Common random numbers: counter-based draws, pure functions of their coordinates.

Every random number in the model is ``uniform(key, step, uid, draw)`` where ``key``
combines the replicate seed with a stable hash of the stream's name (one stream per
decision, e.g. ``"sti.gonorrhoea.transmission"``). The generator is a chain of
SplitMix64 finalisers (Steele, Lea & Flood 2014), each a bijection on 64 bits:
nothing is stored, so

* a person's draw does not depend on who else was drawn, or in which order;
* adding a person changes nobody else's draws;
* numba kernels can draw inside any loop and stay reproducible;
* two scenarios with the same seed share every draw that their differences do not
  touch, so differences between them are effects, not noise.

A partnership's draw combines both members' uids, in an order-free way. Conversions of
uniforms into other distributions (normal, exponential, lognormal, Poisson) live here too.
No process may call ``np.random``, ``random`` or ``model.random``.
"""

from __future__ import annotations

import hashlib
import math
from typing import TYPE_CHECKING

import numba as nb
import numpy as np

from empower.core.stream_names import check_stream_name

if TYPE_CHECKING:
    from empower.population import Population

__all__ = [
    "stream_key",
    "mix64",
    "uniform",
    "pair_uniform",
    "uniforms",
    "uniforms_each",
    "normal_from",
    "normals",
    "exponentials",
    "lognormals",
    "poisson_from",
    "poissons",
    "Streams",
]

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_C_UID = np.uint64(0xD6E8FEB86659FD93)
_C_DRAW = np.uint64(0xCA5A826395121157)
_C_PAIR = np.uint64(0x8CB92BA72F3D8DD7)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53
_NO_DRAWS = np.empty(0, dtype=np.int64)


@nb.njit("uint64(uint64)", cache=True, inline="always")
def mix64(z):
    """SplitMix64 finaliser: a bijective 64-bit mix with full avalanche."""
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


@nb.njit("float64(uint64, int64, int64, int64)", cache=True, inline="always")
def uniform(key, step, uid, draw):
    """A uniform number in [0, 1) for (stream key, step, person uid, draw index)."""
    h = mix64(key ^ (np.uint64(step) * _GOLDEN))
    h = mix64(h ^ (np.uint64(uid) * _C_UID + _GOLDEN))
    h = mix64(h ^ (np.uint64(draw) * _C_DRAW + _C_UID))
    return np.float64(h >> np.uint64(11)) * _TO_UNIT


@nb.njit("float64(uint64, int64, int64, int64, int64)", cache=True, inline="always")
def pair_uniform(key, step, uid_a, uid_b, draw):
    """A uniform number for a partnership: the same whichever member is named first."""
    lo = min(uid_a, uid_b)
    hi = max(uid_a, uid_b)
    h = mix64(key ^ (np.uint64(step) * _GOLDEN))
    h = mix64(h ^ (np.uint64(lo) * _C_UID + _GOLDEN))
    h = mix64(h ^ (np.uint64(hi) * _C_PAIR + _C_DRAW))
    h = mix64(h ^ (np.uint64(draw) * _C_DRAW + _C_UID))
    return np.float64(h >> np.uint64(11)) * _TO_UNIT


@nb.njit("float64[:](uint64, int64, int64[:], int64)", cache=True)
def uniforms(key, step, uids, draw):
    """One uniform per uid (vector form of :func:`uniform`)."""
    out = np.empty(uids.shape[0], dtype=np.float64)
    for i in range(uids.shape[0]):
        out[i] = uniform(key, step, uids[i], draw)
    return out


@nb.njit("float64[:](uint64, int64, int64[:], int64[:])", cache=True)
def uniforms_each(key, step, uids, draws):
    """One uniform per (uid, draw index) pair."""
    out = np.empty(uids.shape[0], dtype=np.float64)
    for i in range(uids.shape[0]):
        out[i] = uniform(key, step, uids[i], draws[i])
    return out


@nb.njit("float64[:](uint64, int64, int64[:], int32[:], int64[:], int64)", cache=True)
def uniforms_of_rows(key, step, rows, uid, draws, draw):
    """One uniform per row, drawn with the row's ``uid`` (:meth:`Streams.uniforms`).

    The draw index is ``draws[i]``, or ``draw`` for all when ``draws`` is empty.
    """
    out = np.empty(rows.shape[0], dtype=np.float64)
    each = draws.shape[0] > 0
    for i in range(rows.shape[0]):
        out[i] = uniform(key, step, np.int64(uid[rows[i]]), draws[i] if each else draw)
    return out


@nb.njit("float64(float64, float64)", cache=True, inline="always")
def normal_from(u1, u2):
    """A standard normal from two uniforms (Box-Muller)."""
    r = math.sqrt(-2.0 * math.log1p(-u1))
    return r * math.cos(2.0 * math.pi * u2)


@nb.njit("int64(float64, float64)", cache=True)
def poisson_from(lam, u):
    """A Poisson count with mean ``lam`` by inversion of one uniform ``u``.

    Exact inversion up to a mean of 60; above that a rounded normal approximation
    (a skewness error below 0.13 standard deviations).
    """
    if lam <= 0.0:
        return 0
    if lam > 60.0:
        # Inverse normal CDF is not in numba; use a one-uniform Box-Muller-free form:
        # the Wilson-Hilferty-free normal quantile approximation (Abramowitz & Stegun 26.2.23).
        p = u if u > 1e-12 else 1e-12
        q = p if p < 0.5 else 1.0 - p
        t = math.sqrt(-2.0 * math.log(q))
        z = t - (2.515517 + 0.802853 * t + 0.010328 * t * t) / (
            1.0 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t
        )
        if p < 0.5:
            z = -z
        k = int(math.floor(lam + math.sqrt(lam) * z + 0.5))
        return k if k > 0 else 0
    k = 0
    prob = math.exp(-lam)
    cdf = prob
    while u >= cdf:
        k += 1
        prob *= lam / k
        if cdf + prob == cdf:  # the sum has stopped growing: u is in the far tail
            break
        cdf += prob
    return k


@nb.njit("int64[:](float64[:], float64[:])", cache=True)
def poissons(lam, u):
    """Poisson counts, one per (mean, uniform) pair (vector form of :func:`poisson_from`)."""
    out = np.empty(u.shape[0], dtype=np.int64)
    for i in range(u.shape[0]):
        out[i] = poisson_from(lam[i], u[i])
    return out


@nb.njit("float64[:](float64[:], float64[:])", cache=True)
def normals(u1, u2):
    """Standard normals, one per pair of uniforms (vector form of :func:`normal_from`)."""
    out = np.empty(u1.shape[0], dtype=np.float64)
    for i in range(u1.shape[0]):
        out[i] = normal_from(u1[i], u2[i])
    return out


def exponentials(u: np.ndarray, mean: float) -> np.ndarray:
    """Exponential draws with the given mean, one per uniform (inversion)."""
    return -np.log1p(-u) * mean


def lognormals(u1: np.ndarray, u2: np.ndarray, mean: np.ndarray | float, cv: float) -> np.ndarray:
    """Lognormal draws with the given mean(s) and coefficient of variation (skewed).

    A mean of 0 gives 0; a ``cv`` of 0 gives the mean itself.
    """
    if cv <= 0:
        return np.broadcast_to(np.asarray(mean, dtype=np.float64), u1.shape).copy()
    sigma2 = math.log1p(cv * cv)
    mu = np.log(np.maximum(mean, 1e-300)) - sigma2 / 2.0
    z = normals(np.ascontiguousarray(u1, dtype=np.float64),
                np.ascontiguousarray(u2, dtype=np.float64))
    return np.where(np.asarray(mean) > 0, np.exp(mu + math.sqrt(sigma2) * z), 0.0)


def stream_key(seed: int, name: str) -> np.uint64:
    """The 64-bit key of a named stream for a replicate seed (stable across runs)."""
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest()
    name_hash = int.from_bytes(digest, "little")
    seed_hash = int(mix64(np.uint64(seed & 0xFFFFFFFFFFFFFFFF)))
    return np.uint64(mix64(np.uint64(name_hash ^ seed_hash)))


class Streams:
    """The named streams of one replicate: ``streams["hiv.survival"]`` is a key.

    Keys are made on first use and cached; the name alone decides the key, so adding
    a stream never changes another's numbers. A site other than a setting's first
    (``site``, its name) hashes its name into every key (``"hiv.survival@NAME"``): the
    first site draws as a one-site setting does, and other sites draw other numbers.
    A name must be declared in :mod:`empower.core.stream_names`
    (:class:`~empower.core.stream_names.UnknownStream` otherwise), so no two processes
    share one by mistake and no misspelling starts a new stream.
    """

    def __init__(self, seed: int, site: str | None = None, pop: Population | None = None):
        if not 0 <= seed < 2**63:
            raise ValueError(f"seed must be a whole number from 0 to 2**63-1, got {seed}")
        self.seed = int(seed)
        self._suffix = "" if site is None else f"@{site}"
        self._keys: dict[str, np.uint64] = {}
        self._pop = pop

    def __getitem__(self, name: str) -> np.uint64:
        key = self._keys.get(name)
        if key is None:
            check_stream_name(name)
            key = stream_key(self.seed, name + self._suffix)
            self._keys[name] = key
        return key

    def uniforms(
        self, name: str, step: int, rows: np.ndarray, draw: int | np.ndarray = 0
    ) -> np.ndarray:
        """One uniform per person from stream ``name`` at ``step``.

        ``rows``: rows of the population the streams were made with (``pop``), each
        drawn with its person's uid (``pop.uid``), so a person's numbers do not depend
        on where their row is; without a population, ``rows`` are the uids.
        ``draw`` is one draw index for all, or an array with one per person.
        """
        rows = np.ascontiguousarray(rows, dtype=np.int64)
        if self._pop is not None:
            each = isinstance(draw, np.ndarray)
            draws = np.ascontiguousarray(draw, dtype=np.int64) if each else _NO_DRAWS
            if each and draws.shape != rows.shape:
                raise ValueError("draw must be one index, or one per row")
            return uniforms_of_rows(self[name], int(step), rows, self._pop.uid, draws,
                                    0 if each else int(draw))
        uids = rows
        if isinstance(draw, np.ndarray):
            return uniforms_each(self[name], int(step), uids,
                                 np.ascontiguousarray(draw, dtype=np.int64))
        return uniforms(self[name], int(step), uids, int(draw))
