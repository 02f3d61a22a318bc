"""The real-vs-generated figure a calorimeter physicist looks at first.

One PNG: the mean longitudinal profile with a ratio panel, the response E_tot/E_inc against
the incident energy (mean and resolution per bin), the response distribution, and per-voxel
energy spectra on log axes, for a real sample and any number of generated ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np

from qhep.metrics.showers import Layout, response_in_bins

__all__ = ["comparison_figure"]

Sample = tuple[np.ndarray, np.ndarray]  # showers (N, V) MeV, incident energies (N,) GeV


def comparison_figure(samples: Mapping[str, Sample], path: str | Path, *, reference: str | None = None,
                      layout: Layout | None = None, title: str = "", max_voxels: int = 8) -> Path:
    """Write the comparison figure of ``samples`` (label -> (showers MeV, energies GeV)) to ``path``.

    ``reference`` (default: the first label) is the real sample: ratios are taken to it and
    the voxels shown are its ``max_voxels`` most energetic on average.
    """
    from matplotlib.figure import Figure  # no pyplot: a notebook keeps its inline backend
    from matplotlib.gridspec import GridSpec
    from matplotlib.ticker import NullFormatter

    labels = list(samples)
    ref = reference or labels[0]
    x_ref, e_ref = samples[ref]
    n_vox = min(max_voxels, x_ref.shape[1])
    voxels = np.sort(np.argsort(x_ref.mean(0))[::-1][:n_vox])
    rows = 2 + int(np.ceil(n_vox / 4))
    fig = Figure(figsize=(14, 3.2 * rows))
    grid = GridSpec(rows, 4, figure=fig, height_ratios=[2.2, 1] + [2] * (rows - 2), hspace=0.45, wspace=0.3)
    colours = {label: f"C{i}" for i, label in enumerate(labels)}

    if layout is not None:
        pos, xlabel = layout.layer_depth_x0, "depth of layer centre [X0]"

        def profile(x: np.ndarray) -> np.ndarray:
            return layout.layer_energies(x).mean(0) / 1000.0
    else:
        pos, xlabel = np.arange(x_ref.shape[1]), "voxel index"

        def profile(x: np.ndarray) -> np.ndarray:
            return x.mean(0) / 1000.0
    ax_p = fig.add_subplot(grid[0, :2])
    ax_r = fig.add_subplot(grid[1, :2], sharex=ax_p)
    p_ref = profile(x_ref)
    for label, (x, _) in samples.items():
        p = profile(x)
        style = {"color": colours[label], "lw": 2 if label == ref else 1.2, "ls": "-" if label == ref else "--"}
        ax_p.plot(pos, p, marker="o", ms=3, label=label, **style)
        ax_r.plot(pos, np.divide(p, p_ref, out=np.full_like(p, np.nan), where=p_ref > 0), marker="o", ms=3, **style)
    ax_p.set(ylabel="mean energy [GeV]", yscale="log", title="mean longitudinal profile")
    ax_p.legend(fontsize=8)
    ax_r.axhline(1.0, color="k", lw=0.8)
    ax_r.set(xlabel=xlabel, ylabel=f"ratio to {ref}", ylim=(0.5, 1.5))

    edges = np.quantile(e_ref, np.linspace(0, 1, 7))
    centres = 0.5 * (edges[:-1] + edges[1:])
    ax_e = fig.add_subplot(grid[:2, 2])
    for label, (x, e) in samples.items():
        b = response_in_bins(x, e, edges)
        ax_e.errorbar(centres, b["mean"], yerr=b["mean"] * b["resolution"], color=colours[label], marker="o",
                      ms=3, capsize=3, label=label)
    ax_e.set(xlabel="incident energy [GeV]", ylabel="E_tot / E_inc",
             title="response vs E_inc (bars: resolution)")
    ax_e.legend(fontsize=8)

    ax_h = fig.add_subplot(grid[:2, 3])
    r_ref = x_ref.sum(1) / (1000.0 * e_ref)
    lo, hi = np.quantile(r_ref, [0.001, 0.999])
    width = hi - lo
    bins = np.linspace(lo - 0.5 * width, hi + 0.5 * width, 60)
    for label, (x, e) in samples.items():
        ax_h.hist(np.clip(x.sum(1) / (1000.0 * e), bins[0], bins[-1]), bins, histtype="step", density=True,
                  color=colours[label], label=label, lw=2 if label == ref else 1.2)
    ax_h.set(xlabel="E_tot / E_inc", ylabel="density", yscale="log", title="response (overflow in end bins)")
    ax_h.legend(fontsize=8)

    for k, v in enumerate(voxels):
        ax = fig.add_subplot(grid[2 + k // 4, k % 4])
        positive = x_ref[:, v][x_ref[:, v] > 0]
        top = max(float(np.max([s[0][:, v].max() for s in samples.values()])), 1e-3)
        low = max(float(np.quantile(positive, 0.001)) if len(positive) else 1e-3, top * 1e-6)
        vb = np.geomspace(low, top * 1.01, 50)
        for label, (x, _) in samples.items():
            ax.hist(np.clip(x[:, v], vb[0], vb[-1]), vb, histtype="step", color=colours[label],
                    lw=2 if label == ref else 1.2)
        ax.set(xscale="log", yscale="log", xlabel=f"voxel {v} energy [MeV]", ylabel="showers")
        ax.xaxis.set_minor_formatter(NullFormatter())
    if title:
        fig.suptitle(title)
    path = Path(path)
    fig.savefig(path, dpi=90, bbox_inches="tight")
    return path
