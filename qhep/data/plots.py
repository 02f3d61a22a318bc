"""Validation plots for data files: shower profiles per energy, event shapes against LEP, mean jet images."""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["LEP_REFERENCE", "plot_file"]

# Z-pole reference values the events are checked against (LEP averages, rounded):
# mean charged multiplicity about 21, mean 1 - T about 0.066.
LEP_REFERENCE = {"charged_multiplicity": 21.0, "one_minus_thrust": 0.066}


def _calo(path: Path, out: Path, n_bins: int = 3) -> dict:
    import matplotlib.pyplot as plt

    from qhep.data.io import read_calo

    f = read_calo(path)
    shape = tuple(f.attrs.get("image_shape") or (f.n_voxels,))
    regular = int(np.prod(shape)) == f.n_voxels and len(shape) in (1, 2) and "layer_bins" not in f.attrs
    edges = np.quantile(f.energies_gev, np.linspace(0, 1, n_bins + 1))
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    summary = {}
    for lo, hi in zip(edges[:-1], edges[1:]):
        sel = (f.energies_gev >= lo) & (f.energies_gev <= hi)
        label = f"{lo:.0f}-{hi:.0f} GeV"
        if regular and len(shape) == 2:
            cube = f.showers_mev[sel].reshape(-1, *shape)
            longi, radial = cube.sum(2).mean(0), cube.sum(1).mean(0)
        else:
            longi, radial = f.showers_mev[sel].mean(0), None
        axes[0].step(np.arange(longi.size), longi / 1000, where="mid", label=label)
        if radial is not None:
            axes[1].step(np.arange(radial.size), radial / 1000, where="mid", label=label)
        summary[label] = {"n": int(sel.sum()), "mean_total_gev": float(f.showers_mev[sel].sum(1).mean() / 1000)}
    axes[0].set(xlabel="layer" if regular else "voxel", ylabel="mean energy [GeV]", title="longitudinal profile")
    axes[1].set(xlabel="radial bin", ylabel="mean energy [GeV]", yscale="log", title="radial profile")
    _save(fig, axes, f"{path.name}: {f.attrs.get('geometry', '?')} {f.attrs.get('material', '')}", out)
    return summary


def _save(fig, axes, title: str, out: Path) -> None:
    """Legends, title, layout; write the PNG and free the figure."""
    import matplotlib.pyplot as plt

    for ax in axes:
        ax.legend()
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def _events(path: Path, out: Path) -> dict:
    import matplotlib.pyplot as plt

    from qhep.data.io import read_events

    ev = read_events(path)
    charged = np.add.reduceat(ev.charge != 0, ev.offsets[:-1]) if ev.p4.shape[0] else np.zeros(ev.n_events)
    charged = np.where(np.diff(ev.offsets) > 0, charged, 0)
    omt = 1 - ev.thrust[np.isfinite(ev.thrust)]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    axes[0].hist(charged, bins=np.arange(0, charged.max() + 2) - 0.5, histtype="step", density=True)
    axes[0].axvline(charged.mean(), color="C0", ls="--", label=f"mean {charged.mean():.2f}")
    axes[0].axvline(LEP_REFERENCE["charged_multiplicity"], color="k", label="LEP ~21")
    axes[0].set(xlabel="charged multiplicity", ylabel="events (normalised)")
    axes[1].hist(omt, bins=40, range=(0, 0.4), histtype="step", density=True)
    axes[1].axvline(omt.mean(), color="C0", ls="--", label=f"mean {omt.mean():.4f}")
    axes[1].axvline(LEP_REFERENCE["one_minus_thrust"], color="k", label="LEP ~0.066")
    axes[1].set(xlabel="1 - T", yscale="log")
    _save(fig, axes, f"{path.name}: {ev.settings.get('process', '?')} at {ev.ecm:g} GeV", out)
    return {"events": ev.n_events, "mean_charged_multiplicity": float(charged.mean()),
            "mean_one_minus_thrust": float(omt.mean())}


def _jets(path: Path, out: Path) -> dict:
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm

    from qhep.data.io import read_jet_images

    j = read_jet_images(path)
    fig, axes = plt.subplots(1, 2, figsize=(9, 4))
    summary = {}
    for ax, label, name in zip(axes, (1, 0), ("quark", "gluon")):
        sel = j.labels == label
        if sel.any():
            img = j.images[sel].mean(0)
            ax.imshow(img + 1e-6, norm=LogNorm(vmin=1e-5, vmax=1), origin="lower")
        ax.set_title(f"{name} jets ({int(sel.sum())})")
        summary[name] = int(sel.sum())
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return summary


def plot_file(path: str | Path, out: str | Path) -> dict:
    """Write the validation figure of any qhep data file to ``out`` (PNG); returns summary numbers."""
    import matplotlib

    matplotlib.use("Agg")
    from qhep.data.io import file_kind

    path, out = Path(path), Path(out)
    kind = file_kind(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    summary = {"calo": _calo, "events": _events, "jet-images": _jets}[kind](path, out)
    return {"file": str(path), "kind": kind, "figure": str(out), **summary}
