"""Jet images: energy fractions on a P x P grid of angles around each jet axis.

Jets are the two thrust hemispheres of an event (``mode="hemisphere"``) or the
FastJet exclusive ``ee_kt`` (Durham) jets (``mode="exclusive"``, ``n_jets`` per
event). Frame of a jet with unit axis a: e_x is the direction of increasing polar
angle (the beam-plane direction, so images are not rotated per jet) and
e_y = a x e_x; a particle sits at (atan2(p.e_x, p.a), atan2(p.e_y, p.a)) radians,
and the image covers [-R, R]^2. A pixel holds E_particles / E_jet, so an image sums
to the fraction of the jet energy inside the window (<= 1). The label is the
flavour of the truth parton closest in angle to the jet axis: 1 quark, 0 gluon.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from qhep.data.clustering import exclusive_labels
from qhep.data.events import EventSample
from qhep.data.io import JetImages

__all__ = ["jet_images"]


def _frames(axes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unit e_x (towards increasing theta) and e_y = a x e_x for unit axes (J, 3)."""
    z = np.array([0.0, 0.0, 1.0])
    ex = axes * axes[:, 2:3] - z  # proportional to d a / d theta (up to sign and norm)
    small = np.linalg.norm(ex, axis=1) < 1e-9  # axis along the beam: any perpendicular will do
    ex[small] = np.array([1.0, 0.0, 0.0])
    ex /= np.linalg.norm(ex, axis=1, keepdims=True)
    ey = np.cross(axes, ex)
    return ex, ey


def _hemisphere_jets(ev: EventSample) -> tuple[np.ndarray, np.ndarray]:
    """(jet index per particle, n_jets per event) from the sign of p . thrust axis."""
    idx = ev.event_index()
    side = (np.einsum("mk,mk->m", ev.p4[:, :3], ev.thrust_axis[idx]) < 0).astype(np.int64)
    return 2 * idx + side, np.full(ev.n_events, 2)


def _exclusive_jets(ev: EventSample, n_jets: int) -> tuple[np.ndarray, np.ndarray]:
    labels = exclusive_labels(ev.p4, ev.offsets, n_jets, "ee_kt")
    return n_jets * ev.event_index() + labels, np.full(ev.n_events, n_jets)


def jet_images(ev: EventSample, pixels: int = 16, radius: float = 0.4,
               mode: Literal["hemisphere", "exclusive"] = "hemisphere", n_jets: int = 2) -> JetImages:
    """Images of every jet of every event; ``radius`` is the half-width of the window, radians."""
    if pixels < 2:
        raise ValueError("--pixels must be at least 2")
    if not 0 < radius < np.pi / 2:
        raise ValueError("radius must lie in (0, pi/2) radians")
    if mode == "hemisphere":
        jet_of, per_event = _hemisphere_jets(ev)
    elif mode == "exclusive":
        jet_of, per_event = _exclusive_jets(ev, n_jets)
    else:
        raise ValueError(f"unknown jet mode {mode!r}; choose hemisphere or exclusive")
    n_jet_slots = int(per_event.sum())
    p_jet = np.zeros((n_jet_slots, 4))
    np.add.at(p_jet, jet_of, ev.p4)
    filled = np.bincount(jet_of, minlength=n_jet_slots) > 0
    axes = p_jet[:, :3] / np.maximum(np.linalg.norm(p_jet[:, :3], axis=1, keepdims=True), 1e-300)
    ex, ey = _frames(axes)
    p3 = ev.p4[:, :3]
    along = np.einsum("mk,mk->m", p3, axes[jet_of])
    x = np.arctan2(np.einsum("mk,mk->m", p3, ex[jet_of]), along)
    y = np.arctan2(np.einsum("mk,mk->m", p3, ey[jet_of]), along)
    inside = (np.abs(x) < radius) & (np.abs(y) < radius)
    ix = np.clip(((x + radius) / (2 * radius) * pixels).astype(np.int64), 0, pixels - 1)
    iy = np.clip(((y + radius) / (2 * radius) * pixels).astype(np.int64), 0, pixels - 1)
    images = np.zeros((n_jet_slots, pixels, pixels))
    np.add.at(images, (jet_of[inside], iy[inside], ix[inside]), ev.p4[inside, 3])
    images /= np.maximum(p_jet[:, 3], 1e-300)[:, None, None]
    # label: flavour of the closest truth parton
    event_of_jet = np.repeat(np.arange(ev.n_events), per_event)
    labels = np.zeros(n_jet_slots, dtype=np.int8)
    parton_angle = np.full(n_jet_slots, np.nan)
    for k in range(ev.n_events):
        partons = ev.partons(k)
        if partons.size == 0:
            continue
        pdg = ev.parton_pdg[ev.parton_offsets[k]:ev.parton_offsets[k + 1]]
        dirs = partons[:, :3] / np.linalg.norm(partons[:, :3], axis=1, keepdims=True)
        jets = np.flatnonzero(event_of_jet == k)
        cos = np.clip(axes[jets] @ dirs.T, -1, 1)
        best = np.argmax(cos, axis=1)
        labels[jets] = (np.abs(pdg[best]) != 21).astype(np.int8)
        parton_angle[jets] = np.arccos(cos[np.arange(jets.size), best])
    keep = filled
    attrs = {"pixels": pixels, "radius_rad": radius, "mode": mode, "n_jets": n_jets if mode == "exclusive" else 2,
             "ecm_gev": ev.ecm, "source_settings": ev.settings,
             "frame": "x: polar-angle direction, y: axis x e_x; pixel = E / E_jet",
             "mean_parton_angle_rad": float(np.nanmean(parton_angle[keep]))}
    return JetImages(images[keep].astype(np.float32), labels[keep], p_jet[keep, 3], attrs)
