"""Physics data qhep makes itself (showers, Pythia events, jet images) and reads (HDF5 with schema checks)."""

from __future__ import annotations

from qhep.data.binning import read_binning_xml
from qhep.data.events import PROCESSES, EventSample, Selection, generate_events
from qhep.data.io import (
    CaloFile,
    JetClustering,
    JetImages,
    file_kind,
    read_calo,
    read_clustering,
    read_events,
    read_jet_images,
    write_calo,
    write_clustering,
    write_events,
    write_jet_images,
)
from qhep.data.jet_images import jet_images
from qhep.data.showers import GEOMETRIES, MATERIALS, ShowerSample, generate_showers
from qhep.data.transforms import PixelNormalizer, downsample, energy_fractions, from_fractions

__all__ = ("GEOMETRIES", "MATERIALS", "PROCESSES", "CaloFile", "EventSample", "JetClustering", "JetImages",
           "PixelNormalizer", "Selection", "ShowerSample", "downsample", "energy_fractions", "file_kind",
           "from_fractions", "generate_events", "generate_showers", "jet_images", "read_binning_xml", "read_calo",
           "read_clustering", "read_events", "read_jet_images", "write_calo", "write_clustering", "write_events",
           "write_jet_images")


def __dir__() -> tuple[str, ...]:
    return __all__
