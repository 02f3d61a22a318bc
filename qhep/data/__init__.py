"""Physics data qhep makes itself (parametrised EM showers) and reads (CaloChallenge HDF5)."""

from __future__ import annotations

from qhep.data.io import CaloFile, read_calo, write_calo
from qhep.data.showers import GEOMETRIES, MATERIALS, ShowerSample, generate_showers

__all__ = ("GEOMETRIES", "MATERIALS", "CaloFile", "ShowerSample", "generate_showers", "read_calo", "write_calo")


def __dir__() -> tuple[str, ...]:
    return __all__
