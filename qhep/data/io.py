"""HDF5 files in the CaloChallenge layout: atomic writes, schema-checked reads.

Layout: ``incident_energies`` (N, 1) and ``showers`` (N, n_voxels), both MeV,
float. qhep adds attributes (binning, flatten order, material, generator
settings, seed, package version) that files from Geant4 do not need to have.
Every read checks the file and names the file and field on any problem.
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

from qhep.errors import SchemaError

__all__ = ["CaloFile", "atomic_h5", "read_calo", "write_calo"]


class atomic_h5:  # noqa: N801 - used like a function in a with-statement
    """Context manager writing an HDF5 file to a temporary name, renamed into place on success."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def __enter__(self) -> h5py.File:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        os.close(fd)
        self.tmp = Path(tmp)
        self.fh = h5py.File(self.tmp, "w")
        return self.fh

    def __exit__(self, exc_type, exc, tb) -> None:
        self.fh.close()
        if exc_type is None:
            os.replace(self.tmp, self.path)
        else:
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
    from qhep import __version__

    energies = np.asarray(energies_gev, dtype=np.float64).reshape(-1, 1) * 1000.0
    showers = np.asarray(showers_mev, dtype=np.float32)
    if showers.ndim != 2 or showers.shape[0] != energies.shape[0]:
        raise SchemaError(f"showers must be (N, n_voxels) with N = {energies.shape[0]}; got {showers.shape}")
    with atomic_h5(path) as fh:
        fh.create_dataset("incident_energies", data=energies, compression="gzip")
        fh.create_dataset("showers", data=showers, compression="gzip", chunks=(min(1024, len(showers)) or 1,
                                                                                showers.shape[1]))
        meta = {"qhep_version": __version__, "energy_unit": "MeV", **(attrs or {})}
        for key, value in meta.items():
            fh.attrs[key] = value if isinstance(value, (str, int, float)) else json.dumps(value, default=str)
    return Path(path)


def _fail(path: Path, field_name: str, problem: str) -> SchemaError:
    return SchemaError(f"{path}: field '{field_name}': {problem}")


def read_calo(path: str | Path) -> CaloFile:
    """Read and check a CaloChallenge-layout file (qhep's or Geant4's)."""
    path = Path(path)
    if not path.exists():
        raise SchemaError(f"{path}: no such file")
    try:
        fh = h5py.File(path, "r")
    except OSError as exc:
        raise SchemaError(f"{path}: not a readable HDF5 file (truncated or corrupt?): {exc}") from None
    with fh:
        for name in ("incident_energies", "showers"):
            if name not in fh:
                raise _fail(path, name, f"missing; found {sorted(fh.keys())}")
            if not isinstance(fh[name], h5py.Dataset):
                raise _fail(path, name, "is a group, expected a dataset")
        inc, sh = fh["incident_energies"], fh["showers"]
        if inc.ndim != 2 or inc.shape[1] != 1:
            raise _fail(path, "incident_energies", f"shape {inc.shape}, expected (N, 1)")
        if sh.ndim != 2:
            raise _fail(path, "showers", f"shape {sh.shape}, expected (N, n_voxels)")
        if sh.shape[0] != inc.shape[0]:
            raise _fail(path, "showers", f"{sh.shape[0]} rows but incident_energies has {inc.shape[0]}")
        for name, ds in (("incident_energies", inc), ("showers", sh)):
            if not np.issubdtype(ds.dtype, np.floating):
                raise _fail(path, name, f"dtype {ds.dtype}, expected a float type")
        try:
            energies = inc[:, 0].astype(np.float64)
            showers = sh[...].astype(np.float32)
        except (OSError, RuntimeError) as exc:
            raise SchemaError(f"{path}: cannot read data (truncated file?): {exc}") from None
        attrs = {}
        for key, value in fh.attrs.items():
            if isinstance(value, str) and value[:1] in "[{":
                try:
                    value = json.loads(value)
                except json.JSONDecodeError:
                    pass
            attrs[key] = value.item() if isinstance(value, np.generic) else value
    for name, arr in (("incident_energies", energies), ("showers", showers)):
        bad = ~np.isfinite(arr)
        if bad.any():
            raise _fail(path, name, f"{int(bad.sum())} NaN or infinite values")
        if (arr < 0).any():
            raise _fail(path, name, f"{int((arr < 0).sum())} negative energies")
    if (energies <= 0).any():
        raise _fail(path, "incident_energies", "incident energies must be > 0")
    return CaloFile(energies / 1000.0, showers, attrs)
