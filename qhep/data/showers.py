"""Electromagnetic showers from the Grindhammer-Peters (GFlash) parametrisation, voxelised.

Physics (Grindhammer & Peters, hep-ex/0001020; constants as in Geant4's
``GFlashHomoShowerTuning``), with y = E/E_c:

- longitudinal: dE/dt is a gamma distribution in depth t (X0) with shape alpha
  and maximum T; (ln T, ln alpha) are drawn per shower from a correlated normal,
  <ln T> = ln(ln y - 0.812), <ln alpha> = ln(0.81 + (0.458 + 2.26/Z) ln y),
  sigma = 1/(-1.4 + 1.26 ln y), 1/(-0.58 + 0.86 ln y), rho = 0.705 - 0.023 ln y;
- radial (Moliere units, tau = t/T): p 2r R_C^2/(r^2+R_C^2)^2 + (1-p) 2r R_T^2/(r^2+R_T^2)^2,
  R_C = 0.0251 + 0.00319 ln E + (0.1162 - 0.000381 Z) tau,
  R_T = (0.659 - 0.00309 Z)(exp(-2.59 (tau - 0.645)) + exp((0.3585 + 0.0412 ln E)(tau - 0.645))),
  p = p1 exp((p2 - tau)/p3 - exp((p2 - tau)/p3)), p1 = 2.632 - 0.00094 Z, p2 = 0.401 + 0.00187 Z,
  p3 = 1.313 - 0.0686 ln E;
- spots: N = 93 ln(Z) E^0.876 (E in GeV), distributed in depth like the energy
  with T_s = T (0.698 + 0.00212 Z), alpha_s = alpha (0.639 + 0.00334 Z); each
  spot of a layer carries an equal share of that layer's energy;
- sampling: the visible energy of a voxel is f_s x Gamma(k = E_vox/a^2, theta = a^2)
  (E in GeV), so the relative resolution from sampling is a/sqrt(E) exactly
  (a = the configured stochastic term) and the mean visible fraction is f_s.

Why by hand: GFlash lives inside Geant4 (C++, needs its data sets, not
downloadable here). For speed the profiles are integrated per voxel (gamma CDF
per layer, closed-form radial CDF per ring) and spot counts are drawn per voxel
from multinomials, instead of placing ~20,000 spots one by one.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

import numpy as np
from scipy.special import gammainc

__all__ = ["GEOMETRIES", "MATERIALS", "Geometry", "Material", "ShowerSample", "binned_geometry", "generate_showers",
           "geometry"]


@dataclass(frozen=True)
class Material:
    """Calorimeter medium.

    Attributes:
        z_eff: effective atomic number (mass-fraction weighted).
        x0_mm: radiation length, mm.  rm_mm: Moliere radius, mm.  ec_mev: critical energy, MeV.
        sampling_fraction: mean visible / deposited energy (1 for a homogeneous crystal).
        stochastic: stochastic term a of sigma/E = a/sqrt(E/GeV).
        layer_x0: depth of one longitudinal layer of the default geometries, X0.
    """

    name: str
    z_eff: float
    x0_mm: float
    rm_mm: float
    ec_mev: float
    sampling_fraction: float
    stochastic: float
    layer_x0: float
    description: str = ""


MATERIALS: dict[str, Material] = {
    # PDG values for PbWO4; 8 layers x 3.2 X0 = 25.6 X0 (a CMS ECAL crystal is 25.8 X0);
    # photostatistics-like stochastic term of CMS ECAL, 2.8 %.
    "pbwo4": Material("pbwo4", 68.4, 8.903, 19.59, 9.64, 1.0, 0.028, 3.2,
                      "homogeneous PbWO4 (CMS-ECAL-like)"),
    # Si-W sampling calorimeter, effective (HGCal-like) values: W-dominated Z, X0_eff 9.68 mm,
    # R_M,eff 23 mm, E_c,eff 5.36 MeV; 1 % sampling fraction, 21 % stochastic term;
    # 8 layers x 3.25 X0 = 26 X0 (CE-E is about 26 X0).
    "siw": Material("siw", 74.0, 9.68, 23.0, 5.36, 0.01, 0.21, 3.25,
                    "silicon-tungsten sampling (HGCal-like)"),
}


@dataclass(frozen=True)
class Geometry:
    """Voxel binning: layer edges (X0), radial edges (Moliere radii) or lateral strips, angular bins.

    ``lateral = "radial"`` bins in r (rings x ``n_alpha`` sectors); ``"x"`` bins the
    projection on one transverse axis (``radial_edges`` are then x edges in R_M,
    strips summed over depth and over y). ``layer_bins`` gives each layer its own
    (radial edges in R_M, n_alpha), as in the CaloChallenge binning files; it
    overrides ``radial_edges_rm``/``n_alpha``. Voxels are flattened layer-major, then
    angular, then radial (radial fastest), as in the CaloChallenge.
    """

    name: str
    layer_edges_x0: tuple[float, ...]
    radial_edges_rm: tuple[float, ...] = (0.0, float("inf"))
    n_alpha: int = 1
    lateral: Literal["radial", "x"] = "radial"
    sum_layers: bool = False
    layer_bins: tuple[tuple[tuple[float, ...], int], ...] | None = None
    layer_ids: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        if self.layer_bins is not None and len(self.layer_bins) != len(self.layer_edges_x0) - 1:
            raise ValueError(f"geometry {self.name}: {len(self.layer_bins)} layer binnings for "
                             f"{len(self.layer_edges_x0) - 1} layers")

    def bins(self, layer: int) -> tuple[tuple[float, ...], int]:
        """(radial edges in R_M, n_alpha) of ``layer``."""
        if self.layer_bins is None:
            return self.radial_edges_rm, self.n_alpha
        return self.layer_bins[layer]

    @property
    def n_layers(self) -> int:
        """Number of longitudinal layers stored (1 if summed over depth)."""
        return 1 if self.sum_layers else len(self.layer_edges_x0) - 1

    @property
    def n_radial(self) -> int:
        """Number of radial (or lateral-strip) bins (of the first layer for per-layer binning)."""
        return len(self.bins(0)[0]) - 1

    @property
    def layer_voxels(self) -> tuple[int, ...]:
        """Voxels in each simulated layer."""
        return tuple((len(self.bins(i)[0]) - 1) * self.bins(i)[1] for i in range(len(self.layer_edges_x0) - 1))

    @property
    def n_voxels(self) -> int:
        """Voxels per shower."""
        return self.layer_voxels[0] if self.sum_layers else sum(self.layer_voxels)

    @property
    def image_shape(self) -> tuple[int, ...]:
        """Natural image shape (layers, alpha, radial), singleton axes dropped; (n_voxels,) if irregular."""
        if self.layer_bins is not None and len(set(self.layer_bins)) > 1:
            return (self.n_voxels,)
        shape = tuple(s for s in (self.n_layers, self.bins(0)[1], self.n_radial) if s > 1)
        return shape or (1,)


def _layers(material: Material, n: int, thickness: float | None = None) -> tuple[float, ...]:
    t = thickness or material.layer_x0
    return tuple(float(i * t) for i in range(n + 1))


# CaloChallenge dataset 1 (photons) binning: layer id -> (r edges in mm, n_alpha); 368 voxels.
DS1_PHOTON_BINS: dict[int, tuple[tuple[float, ...], int]] = {
    0: ((0, 5, 10, 30, 50, 100, 200, 400, 600), 1),
    1: ((0, 2, 4, 6, 8, 10, 12, 15, 20, 30, 40, 50, 70, 90, 120, 150, 200), 10),
    2: ((0, 2, 5, 10, 15, 20, 25, 30, 40, 50, 60, 80, 100, 130, 160, 200, 250, 300, 350, 400), 10),
    3: ((0, 50, 100, 200, 400, 600), 1),
    12: ((0, 100, 200, 400, 1000, 2000), 1),
}
# depths (X0) chosen for the five DS1 layers: presampler, strips, middle, back, hadronic start (35 X0 in all)
DS1_LAYER_EDGES_X0 = (0.0, 1.0, 5.5, 21.5, 24.0, 35.0)


def binned_geometry(name: str, bins_mm: dict[int, tuple[tuple[float, ...], int]], material: Material,
                    layer_edges_x0: tuple[float, ...] | None = None) -> Geometry:
    """Geometry from per-layer CaloChallenge binning (r edges in mm, scaled by the material's R_M)."""
    ids = tuple(sorted(bins_mm))
    if layer_edges_x0 is None:
        layer_edges_x0 = DS1_LAYER_EDGES_X0 if len(ids) == 5 else _layers(material, len(ids))
    layer_bins = tuple((tuple(float(r) / material.rm_mm for r in bins_mm[i][0]), int(bins_mm[i][1])) for i in ids)
    return Geometry(name, tuple(layer_edges_x0), layer_bins=layer_bins, layer_ids=ids)


def geometry(name: str, material: Material) -> Geometry:
    """The named geometry for ``material``: ``8px``, ``8px-lateral``, ``8x8``, ``ds1-photon``, ``fine``."""
    inf = float("inf")
    if name == "8px":
        return Geometry(name, _layers(material, 8), (0.0, inf))
    if name == "8px-lateral":
        edges = (-inf, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, inf)
        return Geometry(name, _layers(material, 8), edges, lateral="x", sum_layers=True)
    if name == "8x8":
        return Geometry(name, _layers(material, 8), (0.0, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0, 1.5, 2.5))
    if name == "ds1-photon":
        return binned_geometry(name, DS1_PHOTON_BINS, material)
    if name == "fine":  # for physics checks: 0.5 X0 layers to 30 X0, rings of 0.1 R_M to 3 R_M
        return Geometry(name, tuple(0.5 * i for i in range(61)), tuple(0.1 * i for i in range(31)) + (inf,))
    raise ValueError(f"unknown geometry {name!r}; choose from {', '.join(GEOMETRIES)}")


GEOMETRIES = ("8px", "8px-lateral", "8x8", "ds1-photon", "fine")


@dataclass
class ShowerSample:
    """Generated showers.

    Attributes:
        energies_gev: (N,) incident energy, GeV.
        showers_mev: (N, n_voxels) visible energy per voxel, MeV.
        deposited_mev: (N,) energy deposited inside the voxel grid before sampling, MeV.
        geometry, material: what was simulated.  settings: generator settings and seed.
    """

    energies_gev: np.ndarray
    showers_mev: np.ndarray
    deposited_mev: np.ndarray
    geometry: Geometry
    material: Material
    settings: dict = field(default_factory=dict)

    def file_attributes(self) -> dict:
        """Attributes stored with the showers: binning, flatten order, material, settings, seed."""
        geo = self.geometry
        attrs = {"geometry": geo.name, "material": self.material.name, "flatten_order": "layer, alpha, radial",
                 "layer_edges_x0": list(geo.layer_edges_x0),
                 "radial_edges_rm": [str(e) for e in geo.radial_edges_rm], "n_alpha": geo.n_alpha,
                 "lateral": geo.lateral, "sum_layers": geo.sum_layers, "image_shape": list(geo.image_shape),
                 "generator_settings": self.settings, "seed": self.settings.get("seed")}
        if geo.layer_bins is not None:
            attrs["layer_bins"] = [{"layer": lid, "r_edges_mm": [r * self.material.rm_mm for r in edges],
                                    "n_alpha": na} for lid, (edges, na) in zip(geo.layer_ids or (), geo.layer_bins)]
        return attrs


def _radial_params(tau: np.ndarray, e_gev: np.ndarray, z: float):
    """(R_C, R_T, p) at depth tau = t/T; Moliere units."""
    ln_e = np.log(e_gev)
    r_c = 0.0251 + 0.00319 * ln_e + (0.1162 - 0.000381 * z) * tau
    k1 = 0.659 - 0.00309 * z
    k4 = 0.3585 + 0.0412 * ln_e
    r_t = k1 * (np.exp(-2.59 * (tau - 0.645)) + np.exp(k4 * (tau - 0.645)))
    p1, p2, p3 = 2.632 - 0.00094 * z, 0.401 + 0.00187 * z, 1.313 - 0.0686 * ln_e
    arg = (p2 - tau) / p3
    p = np.clip(p1 * np.exp(arg - np.exp(arg)), 0.0, 1.0)
    return r_c, r_t, p


def _component_cdf(edges: np.ndarray, radius: np.ndarray, lateral: str) -> np.ndarray:
    """CDF of one radial component at the bin edges (broadcast over radius)."""
    r2 = radius**2
    if lateral == "radial":
        e2 = np.where(np.isinf(edges), np.inf, edges**2)
        with np.errstate(invalid="ignore"):
            cdf = np.where(np.isinf(e2), 1.0, e2 / (e2 + r2))
        return cdf
    # projection on x of the 2D density R^2 / (pi (r^2 + R^2)^2): CDF = 1/2 + x / (2 sqrt(x^2 + R^2))
    with np.errstate(invalid="ignore"):
        cdf = np.where(np.isinf(edges), (np.sign(edges) + 1) / 2, 0.5 + edges / (2 * np.sqrt(edges**2 + r2)))
    return cdf


def generate_showers(
    n: int,
    energy_range_gev: tuple[float, float] = (10.0, 100.0),
    *,
    geometry_name: str = "8px",
    material_name: str = "pbwo4",
    spectrum: Literal["uniform", "log-uniform"] = "uniform",
    stochastic: float | None = None,
    sampling_fraction: float | None = None,
    seed: int | None = None,
    energies_gev: np.ndarray | None = None,
    sub_slices: int = 4,
    geometry_obj: Geometry | None = None,
) -> ShowerSample:
    """Generate ``n`` showers; energies uniform or log-uniform in ``energy_range_gev`` (GeV).

    ``stochastic`` and ``sampling_fraction`` override the material's values.
    ``energies_gev`` gives the incident energies explicitly (then ``n`` is its length).
    ``geometry_obj`` (e.g. from :func:`qhep.data.binning.read_binning_xml`) overrides ``geometry_name``.
    """
    if material_name not in MATERIALS:
        raise ValueError(f"unknown material {material_name!r}; choose from {', '.join(MATERIALS)}")
    mat = MATERIALS[material_name]
    geo = geometry_obj if geometry_obj is not None else geometry(geometry_name, mat)
    a = mat.stochastic if stochastic is None else float(stochastic)
    f_s = mat.sampling_fraction if sampling_fraction is None else float(sampling_fraction)
    rng = np.random.default_rng(seed)
    e_lo, e_hi = energy_range_gev
    if energies_gev is None:
        if not (0 < e_lo <= e_hi):
            raise ValueError(f"energy range must satisfy 0 < EMIN <= EMAX (GeV), got {e_lo}:{e_hi}")
        if spectrum == "uniform":
            energies = rng.uniform(e_lo, e_hi, n)
        elif spectrum == "log-uniform":
            energies = np.exp(rng.uniform(np.log(e_lo), np.log(e_hi), n))
        else:
            raise ValueError(f"unknown spectrum {spectrum!r}; choose uniform or log-uniform")
    else:
        energies = np.asarray(energies_gev, dtype=float).reshape(-1)
        n = energies.size
    y = energies * 1000.0 / mat.ec_mev
    ln_y = np.log(y)
    if np.any(ln_y - 0.812 <= 0.5):
        raise ValueError(f"incident energy too low for the parametrisation (needs E >> E_c = {mat.ec_mev} MeV)")
    z = mat.z_eff

    # longitudinal: correlated (ln T, ln alpha)
    mean_lt = np.log(ln_y - 0.812)
    mean_la = np.log(0.81 + (0.458 + 2.26 / z) * ln_y)
    sig_lt = 1.0 / (-1.4 + 1.26 * ln_y)
    sig_la = 1.0 / (-0.58 + 0.86 * ln_y)
    rho = 0.705 - 0.023 * ln_y
    g1, g2 = rng.standard_normal((2, n))
    t_max = np.exp(mean_lt + sig_lt * g1)
    alpha = np.exp(mean_la + sig_la * (rho * g1 + np.sqrt(1 - rho**2) * g2))
    alpha = np.maximum(alpha, 1.0 + 1e-6)
    beta = (alpha - 1.0) / t_max

    # sub-slices of each layer: energy and spot fractions, radial probabilities at their depth
    layer_edges = np.asarray(geo.layer_edges_x0)
    n_layers = layer_edges.size - 1
    fine = np.concatenate([np.linspace(layer_edges[i], layer_edges[i + 1], sub_slices + 1)[:-1]
                           for i in range(n_layers)] + [layer_edges[-1:]])
    cdf_e = gammainc(alpha[:, None], beta[:, None] * fine[None, :])
    frac_sub = np.diff(cdf_e, axis=1).reshape(n, n_layers, sub_slices)
    t_s = t_max * (0.698 + 0.00212 * z)
    alpha_s = np.maximum(alpha * (0.639 + 0.00334 * z), 1.0 + 1e-6)
    beta_s = (alpha_s - 1.0) / t_s
    cdf_s = gammainc(alpha_s[:, None], beta_s[:, None] * fine[None, :])
    spot_sub = np.diff(cdf_s, axis=1).reshape(n, n_layers, sub_slices)

    mid = 0.5 * (fine[:-1] + fine[1:]).reshape(n_layers, sub_slices)
    tau = mid[None] / t_max[:, None, None]
    r_c, r_t, p = _radial_params(tau, energies[:, None, None], z)
    # spots of a layer spread over its voxels with the spot-weighted radial profile of its sub-slices
    spot_w = spot_sub / np.maximum(spot_sub.sum(-1, keepdims=True), 1e-300)
    n_spots = 93.0 * np.log(z) * energies**0.876
    layer_spot_p = spot_sub.sum(-1)
    layer_spot_p = np.clip(layer_spot_p / layer_spot_p.sum(-1, keepdims=True), 0, None)
    layer_spots = np.maximum(rng.multinomial(np.round(n_spots).astype(np.int64), layer_spot_p), 1)
    deposits = []
    for layer in range(n_layers):
        edges_l, n_alpha = geo.bins(layer)
        edges = np.asarray(edges_l, dtype=float)
        rc, rt, pw = r_c[:, layer, :, None], r_t[:, layer, :, None], p[:, layer, :, None]
        cdf_r = pw * _component_cdf(edges, rc, geo.lateral) + (1 - pw) * _component_cdf(edges, rt, geo.lateral)
        ring = np.einsum("ns,nsr->nr", spot_w[:, layer], np.diff(cdf_r, axis=-1))  # (n, R)
        energy_l = frac_sub[:, layer].sum(-1) * energies * ring.sum(-1)  # GeV contained in the grid
        vox_p = np.repeat(ring[:, None, :], n_alpha, axis=1).reshape(n, -1)  # alpha-major, radial fastest
        vox_p = vox_p / np.maximum(vox_p.sum(-1, keepdims=True), 1e-300)
        spots = rng.multinomial(layer_spots[:, layer], vox_p)
        deposits.append(spots * (energy_l / np.maximum(spots.sum(-1), 1))[:, None])
    deposit = np.concatenate(deposits, axis=1)  # (n, voxels) GeV
    # sampling fluctuations: Gamma with mean E_vox, variance a^2 E_vox (GeV)
    if a > 0:
        shape = deposit / a**2
        visible = np.where(shape > 0, rng.gamma(np.maximum(shape, 1e-300), a**2), 0.0)
    else:
        visible = deposit
    visible = visible * f_s
    if geo.sum_layers:
        visible = visible.reshape(n, n_layers, -1).sum(1)
    showers = visible * 1000.0
    settings = {"generator": "grindhammer-peters", "material": asdict(mat), "geometry": geo.name,
                "spectrum": spectrum, "energy_range_gev": [float(e_lo), float(e_hi)], "stochastic": a,
                "sampling_fraction": f_s, "seed": seed, "sub_slices": sub_slices}
    return ShowerSample(energies, showers, deposit.sum(1) * 1000.0, geo, mat, settings)
