"""HDF5 files: atomic writes, schema-checked reads naming the file and field on any problem.

- calorimeter (CaloChallenge layout): ``incident_energies`` (N, 1) and ``showers``
  (N, n_voxels), both MeV, float. qhep adds attributes (binning, flatten order,
  material, generator settings, seed, package version) that Geant4 files need not have.
- events: ``particles/{px,py,pz,e,pdg,charge}`` flat over all events (GeV) with
  ``particles/offsets`` (N + 1): event k owns rows offsets[k]:offsets[k+1];
  ``partons/...`` the same for the truth partons; ``events/{thrust,thrust_axis,sphericity}``.
- jet images: ``images`` (N, P, P) energy fractions, ``labels`` (N,) 1 quark / 0 gluon,
  ``jet_energy`` (N,) GeV.
- jet clustering (``qhep jets cluster``): per-event columns (N,), the per-particle
  assignment flat over all events (``spins`` +-1 for thrust hemispheres, ``labels``
  0..k-1 for k jets) with ``offsets`` (N + 1), and the settings as attributes.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from qhep.data.events import EventSample
from qhep.errors import SchemaError

__all__ = ["CLUSTERING_COLUMNS", "CaloFile", "JetClustering", "JetImages", "atomic_h5", "file_kind", "read_calo",
           "read_clustering", "read_events", "read_jet_images", "write_calo", "write_clustering", "write_events",
           "write_jet_images"]


class atomic_h5:  # noqa: N801 - used like a function in a with-statement
    """Context manager writing an HDF5 file to a temporary name, renamed into place on success.

    On any failure (while writing, or a destination that cannot be replaced, such as a
    directory) the temporary file is removed: no partial file and no ``.tmp`` is left. The
    file gets the usual umask permissions, not ``mkstemp``'s 0600.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def __enter__(self) -> h5py.File:
        if self.path.is_dir():
            raise IsADirectoryError(21, "is a directory, not a file name", str(self.path))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        os.close(fd)
        self.tmp = Path(tmp)
        try:
            self.fh = h5py.File(self.tmp, "w")
        except BaseException:
            self.tmp.unlink(missing_ok=True)
            raise
        return self.fh

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            self.fh.close()
            if exc_type is None:
                umask = os.umask(0)
                os.umask(umask)
                os.chmod(self.tmp, 0o666 & ~umask)
                os.replace(self.tmp, self.path)
        finally:
            self.tmp.unlink(missing_ok=True)


@dataclass
class CaloFile:
    """A calorimeter file in memory. Energies in GeV here; the file stores MeV."""

    energies_gev: np.ndarray  # (N,)
    showers_mev: np.ndarray  # (N, n_voxels)
    attrs: dict[str, Any] = field(default_factory=dict)

    @property
    def n_voxels(self) -> int:
        """Voxels per shower."""
        return int(self.showers_mev.shape[1])


def write_calo(path: str | Path, energies_gev: np.ndarray, showers_mev: np.ndarray,
               attrs: dict[str, Any] | None = None) -> Path:
    """Write a CaloChallenge-layout file atomically; non-scalar attributes are stored as JSON."""
    energies = np.asarray(energies_gev, dtype=np.float64).reshape(-1, 1) * 1000.0
    showers = np.asarray(showers_mev, dtype=np.float32)
    if showers.ndim != 2 or showers.shape[0] != energies.shape[0]:
        raise SchemaError(f"showers must be (N, n_voxels) with N = {energies.shape[0]}; got {showers.shape}")
    with atomic_h5(path) as fh:
        fh.create_dataset("incident_energies", data=energies, compression="gzip")
        fh.create_dataset("showers", data=showers, compression="gzip", chunks=(min(1024, len(showers)) or 1,
                                                                                showers.shape[1]))
        _write_attrs(fh, "calo", {"energy_unit": "MeV", **(attrs or {})})
    return Path(path)


def _fail(path: Path, field_name: str, problem: str) -> SchemaError:
    return SchemaError(f"{path}: field '{field_name}': {problem}")


def _open(path: str | Path) -> tuple[Path, h5py.File]:
    path = Path(path)
    if not path.exists():
        raise SchemaError(f"{path}: no such file")
    try:
        return path, h5py.File(path, "r")
    except OSError as exc:
        raise SchemaError(f"{path}: not a readable HDF5 file (truncated or corrupt?): {exc}") from None


def _read(fh: h5py.File, path: Path, name: str, kind: str = "float", shape: tuple[int | None, ...] | None = None,
          finite: bool = True, nonneg: bool = False) -> np.ndarray:
    """Read dataset ``name`` and check it: present, dtype kind, shape (None = any), finite, >= 0."""
    if name not in fh:
        raise _fail(path, name, f"missing; found {sorted(fh.keys())}")
    ds = fh[name]
    if not isinstance(ds, h5py.Dataset):
        raise _fail(path, name, "is a group, expected a dataset")
    want = np.floating if kind == "float" else np.integer
    if not np.issubdtype(ds.dtype, want):
        raise _fail(path, name, f"dtype {ds.dtype}, expected a{'n integer' if kind == 'int' else ' float'} type")
    if shape is not None and (ds.ndim != len(shape) or any(w is not None and w != d for w, d in zip(shape, ds.shape))):
        expected = "(" + ", ".join("N" if w is None else str(w) for w in shape) + ("," if len(shape) == 1 else "") + ")"
        raise _fail(path, name, f"shape {ds.shape}, expected {expected}")
    try:
        arr = ds[...]
    except (OSError, RuntimeError) as exc:
        raise SchemaError(f"{path}: cannot read '{name}' (truncated file?): {exc}") from None
    if finite and kind == "float":
        bad = ~np.isfinite(arr)
        if bad.any():
            raise _fail(path, name, f"{int(bad.sum())} NaN or infinite values")
    if nonneg and (arr < 0).any():
        raise _fail(path, name, f"{int((arr < 0).sum())} negative energies")
    return arr


def _attrs(fh: h5py.File) -> dict[str, Any]:
    attrs = {}
    for key, value in fh.attrs.items():
        if isinstance(value, str) and value[:1] in "[{":
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                pass
        attrs[key] = value.item() if isinstance(value, np.generic) else value
    return attrs


def _write_attrs(fh: h5py.File, kind: str, attrs: dict[str, Any]) -> None:
    from qhep import __version__

    for key, value in {"qhep_version": __version__, "qhep_kind": kind, **attrs}.items():
        fh.attrs[key] = value if isinstance(value, (str, int, float)) else json.dumps(value, default=str)


def read_calo(path: str | Path) -> CaloFile:
    """Read and check a CaloChallenge-layout file (qhep's or Geant4's)."""
    path, fh = _open(path)
    with fh:
        inc = _read(fh, path, "incident_energies", shape=(None, 1), finite=False)
        n = inc.shape[0]
        if "showers" in fh and isinstance(fh["showers"], h5py.Dataset) and fh["showers"].ndim == 2 \
                and fh["showers"].shape[0] != n:
            raise _fail(path, "showers", f"{fh['showers'].shape[0]} rows but incident_energies has {n}")
        showers = _read(fh, path, "showers", shape=(n, None), nonneg=True).astype(np.float32)
        attrs = _attrs(fh)
    energies = inc[:, 0].astype(np.float64)
    if not np.isfinite(energies).all():
        raise _fail(path, "incident_energies", f"{int((~np.isfinite(energies)).sum())} NaN or infinite values")
    if (energies <= 0).any():
        raise _fail(path, "incident_energies", "incident energies must be > 0")
    return CaloFile(energies / 1000.0, showers, attrs)


# ----------------------------------------------------------------------------- events
_PARTICLE_FIELDS = ("px", "py", "pz", "e")


def write_events(path: str | Path, sample: EventSample) -> Path:
    """Write Pythia events: groups ``particles`` and ``partons`` (ragged, with ``offsets``), ``events``."""
    with atomic_h5(path) as fh:
        for group, p4, pdg, offsets in (("particles", sample.p4, sample.pdg, sample.offsets),
                                        ("partons", sample.parton_p4, sample.parton_pdg, sample.parton_offsets)):
            g = fh.create_group(group)
            for i, name in enumerate(_PARTICLE_FIELDS):
                g.create_dataset(name, data=p4[:, i], compression="gzip")
            g.create_dataset("pdg", data=pdg, compression="gzip")
            g.create_dataset("offsets", data=offsets)
        fh["particles"].create_dataset("charge", data=sample.charge, compression="gzip")
        ev = fh.create_group("events")
        ev.create_dataset("thrust", data=sample.thrust)
        ev.create_dataset("thrust_axis", data=sample.thrust_axis)
        ev.create_dataset("sphericity", data=sample.sphericity)
        _write_attrs(fh, "events", {"ecm_gev": sample.ecm, "energy_unit": "GeV", "settings": sample.settings})
    return Path(path)


def _ragged(fh: h5py.File, path: Path, group: str, n_events: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    offsets = _read(fh, path, f"{group}/offsets", kind="int", shape=(None,))
    field_name = f"{group}/offsets"
    if offsets.size < 1 or offsets[0] != 0:
        raise _fail(path, field_name, "must start at 0")
    if (np.diff(offsets) < 0).any():
        raise _fail(path, field_name, "must be non-decreasing")
    if n_events is not None and offsets.size != n_events + 1:
        raise _fail(path, field_name, f"has {offsets.size} entries, expected N + 1 = {n_events + 1}")
    cols = [_read(fh, path, f"{group}/{name}", shape=(None,)) for name in _PARTICLE_FIELDS]
    pdg = _read(fh, path, f"{group}/pdg", kind="int", shape=(None,))
    for name, col in zip(_PARTICLE_FIELDS + ("pdg",), cols + [pdg]):
        if col.size != offsets[-1]:
            raise _fail(path, f"{group}/{name}", f"{col.size} entries but offsets add up to {int(offsets[-1])}")
    if (cols[3] < 0).any():
        raise _fail(path, f"{group}/e", f"{int((cols[3] < 0).sum())} negative energies")
    return np.stack(cols, axis=1).astype(np.float64), pdg.astype(np.int32), offsets.astype(np.int64)


def read_events(path: str | Path) -> EventSample:
    """Read and check an events file written by :func:`write_events`."""
    path, fh = _open(path)
    with fh:
        thrust = _read(fh, path, "events/thrust", shape=(None,), finite=False)
        n = thrust.size
        axis = _read(fh, path, "events/thrust_axis", shape=(n, 3), finite=False)
        spher = _read(fh, path, "events/sphericity", shape=(n,), finite=False)
        p4, pdg, offsets = _ragged(fh, path, "particles", n)
        charge = _read(fh, path, "particles/charge", shape=(p4.shape[0],))
        pp4, ppdg, poffsets = _ragged(fh, path, "partons", n)
        attrs = _attrs(fh)
    settings = attrs.get("settings", {}) if isinstance(attrs.get("settings"), dict) else {}
    return EventSample(p4, pdg, charge.astype(np.float32), offsets, pp4, ppdg, poffsets, thrust, axis, spher,
                       float(attrs.get("ecm_gev", np.nan)), settings)


# ------------------------------------------------------------------------- jet images
@dataclass
class JetImages:
    """Jet images: ``images`` (N, P, P) energy fractions, ``labels`` (N,) 1 = quark, 0 = gluon."""

    images: np.ndarray
    labels: np.ndarray
    jet_energy: np.ndarray  # (N,) GeV
    attrs: dict[str, Any] = field(default_factory=dict)

    @property
    def pixels(self) -> int:
        """Pixels per side, P."""
        return int(self.images.shape[1])


def write_jet_images(path: str | Path, jets: JetImages) -> Path:
    """Write jet images and labels atomically."""
    with atomic_h5(path) as fh:
        fh.create_dataset("images", data=jets.images.astype(np.float32), compression="gzip")
        fh.create_dataset("labels", data=jets.labels.astype(np.int8))
        fh.create_dataset("jet_energy", data=jets.jet_energy)
        _write_attrs(fh, "jet-images", {"label_names": ["gluon", "quark"], **jets.attrs})
    return Path(path)


def read_jet_images(path: str | Path) -> JetImages:
    """Read and check a jet-image file."""
    path, fh = _open(path)
    with fh:
        images = _read(fh, path, "images", shape=(None, None, None), nonneg=True)
        n, p1, p2 = images.shape
        if p1 != p2:
            raise _fail(path, "images", f"shape {images.shape}, expected square images (N, P, P)")
        labels = _read(fh, path, "labels", kind="int", shape=(n,))
        if not np.isin(labels, (0, 1)).all():
            raise _fail(path, "labels", "labels must be 0 (gluon) or 1 (quark)")
        energy = _read(fh, path, "jet_energy", shape=(n,), nonneg=True)
        attrs = _attrs(fh)
    return JetImages(images.astype(np.float32), labels.astype(np.int8), energy, attrs)


# ----------------------------------------------------------------------- jet clustering
# per-event columns of each kind of clustering file: name -> (dtype kind, must be finite).
# NaN marks "unknown" (P(optimum) off statevector, optimum not checkable, no parton match).
CLUSTERING_COLUMNS: dict[str, dict[str, tuple[str, bool]]] = {
    "jets": {"thrust": ("float", True), "exact_thrust": ("float", True), "floor_thrust": ("float", False),
             "n_particles": ("int", True), "n_qubits": ("int", True), "p_optimum": ("float", False),
             "optimum_found": ("float", False), "seconds": ("float", True)},
    "kjets": {"objective": ("float", True), "proto_optimum": ("float", False), "n_particles": ("int", True),
              "n_qubits": ("int", True), "p_optimum": ("float", False), "optimum_found": ("float", False),
              "median_parton_angle": ("float", False), "seconds": ("float", True)},
}
_ASSIGNMENT = {"jets": "spins", "kjets": "labels"}
_OPTIONAL_COLUMNS = {"floor_thrust"}  # files written before it was recorded lack it


@dataclass
class JetClustering:
    """Every event of an events file split into jets: what ``qhep jets cluster`` writes.

    ``kind``: ``jets`` (two thrust hemispheres; ``assignments`` are spins +-1) or ``kjets``
    (k jets; ``assignments`` are labels 0..k-1). ``columns``: per-event arrays (N,) named in
    :data:`CLUSTERING_COLUMNS` (thrust dimensionless, objective GeV^2, angles rad, seconds
    of wall time). ``assignments`` is flat over all particles; event k owns rows
    ``offsets[k]:offsets[k+1]``, in the particle order of the events file. ``attrs``: method,
    backend, events (the events file), reps, shots, max_qubits (0: none), seed, mitigation,
    and for ``kjets`` jets and radius (rad).
    """

    kind: str
    columns: dict[str, np.ndarray]
    assignments: np.ndarray
    offsets: np.ndarray
    attrs: dict[str, Any] = field(default_factory=dict)

    @property
    def n_events(self) -> int:
        """Events clustered, N."""
        return int(self.offsets.size - 1)

    def event(self, k: int) -> np.ndarray:
        """The assignment (spins or labels) of event k's particles."""
        return self.assignments[self.offsets[k]:self.offsets[k + 1]]


def write_clustering(path: str | Path, clustering: JetClustering) -> Path:
    """Write a clustering file atomically (no partial file on failure), after checking its shapes."""
    c = clustering
    if c.kind not in CLUSTERING_COLUMNS:
        raise SchemaError(f"{path}: clustering kind {c.kind!r}, expected one of {', '.join(CLUSTERING_COLUMNS)}")
    missing = [k for k in CLUSTERING_COLUMNS[c.kind] if k not in c.columns and k not in _OPTIONAL_COLUMNS]
    if missing:
        raise SchemaError(f"{path}: a {c.kind} clustering needs the columns {', '.join(missing)}")
    offsets = np.asarray(c.offsets, dtype=np.int64)
    n = offsets.size - 1
    for key, values in c.columns.items():
        if np.shape(values) != (n,):
            raise SchemaError(f"{path}: column '{key}' has shape {np.shape(values)}, expected ({n},)")
    if offsets.size < 1 or offsets[-1] != len(c.assignments):
        raise SchemaError(f"{path}: offsets end at {int(offsets[-1]) if offsets.size else None}, but there are "
                          f"{len(c.assignments)} assignments")
    with atomic_h5(path) as fh:
        for key, values in c.columns.items():
            fh.create_dataset(key, data=np.asarray(values))
        fh.create_dataset(_ASSIGNMENT[c.kind], data=np.asarray(c.assignments))
        fh.create_dataset("offsets", data=offsets)
        _write_attrs(fh, c.kind, c.attrs)
    return Path(path)


def read_clustering(path: str | Path) -> JetClustering:
    """Read and check a clustering file; any problem is a one-line :class:`SchemaError` naming file and field."""
    path, fh = _open(path)
    with fh:
        kind = fh.attrs.get("qhep_kind")
        if kind not in CLUSTERING_COLUMNS:
            raise SchemaError(f"{path}: not a 'qhep jets cluster' output (qhep_kind {kind!r}, expected jets or kjets)")
        offsets = _read(fh, path, "offsets", kind="int", shape=(None,))
        if offsets.size < 2 or offsets[0] != 0:
            raise _fail(path, "offsets", "must start at 0 and hold N + 1 >= 2 entries")
        if (np.diff(offsets) < 0).any():
            raise _fail(path, "offsets", "must be non-decreasing")
        n = offsets.size - 1
        columns = {}
        for key, (dtype, finite) in CLUSTERING_COLUMNS[kind].items():
            if key in _OPTIONAL_COLUMNS and key not in fh:
                continue
            columns[key] = _read(fh, path, key, kind=dtype, shape=(n,), finite=finite)
        name = _ASSIGNMENT[kind]
        assignments = _read(fh, path, name, kind="int", shape=(int(offsets[-1]),))
        attrs = _attrs(fh)
    if not np.array_equal(columns["n_particles"], np.diff(offsets)):
        raise _fail(path, "n_particles", "does not match the event sizes the offsets give")
    if kind == "jets" and not np.isin(assignments, (-1, 1)).all():
        raise _fail(path, name, "spins must be -1 or +1")
    if kind == "kjets" and (assignments < 0).any():
        raise _fail(path, name, f"{int((assignments < 0).sum())} negative jet labels")
    for key in ("method", "events"):
        if key not in attrs:
            raise SchemaError(f"{path}: attribute '{key}' missing; the file was not written by 'qhep jets cluster'")
    return JetClustering(str(kind), columns, assignments, offsets.astype(np.int64), attrs)


def file_kind(path: str | Path) -> str:
    """``calo``, ``events`` or ``jet-images``: what a file holds (Geant4 files have no qhep_kind)."""
    path, fh = _open(path)
    with fh:
        kind = fh.attrs.get("qhep_kind")
        if kind is None:
            kind = "calo" if "showers" in fh else "events" if "particles" in fh else "jet-images" if "images" in fh \
                else None
    if kind is None:
        raise SchemaError(f"{path}: neither a calorimeter, events nor jet-image file")
    return str(kind)
