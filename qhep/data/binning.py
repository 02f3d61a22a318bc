"""Read a CaloChallenge binning XML (``<Bins><Bin name=... pid=...><Layer id r_edges n_bin_alpha/>``).

Radial edges in the file are mm; qhep converts them to Moliere radii of the
simulated material. Layers with ``r_edges="0"`` have no voxels and are skipped,
as in the CaloChallenge's own XMLHandler. The file gives no layer depths: pass
``layer_edges_x0`` or get the DS1 depths (5 layers) or the material's equal layers.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from qhep.data.showers import MATERIALS, Geometry, binned_geometry
from qhep.errors import SchemaError

__all__ = ["read_binning_xml"]


def _bins(path: Path, particle: str | None) -> dict[int, tuple[tuple[float, ...], int]]:
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as exc:
        raise SchemaError(f"{path}: not a readable binning XML: {exc}") from None
    entries = [el for el in root if "name" in el.attrib]
    if not entries:
        raise SchemaError(f"{path}: no <Bin name=...> (or <Particle name=...>) element under <{root.tag}>")
    if particle is None:
        chosen = entries[0]
    else:
        match = [el for el in entries if el.attrib["name"] == particle]
        if not match:
            raise SchemaError(f"{path}: particle {particle!r} not found; file has "
                              f"{', '.join(el.attrib['name'] for el in entries)}")
        chosen = match[0]
    bins: dict[int, tuple[tuple[float, ...], int]] = {}
    for layer in chosen.iter("Layer"):
        lid = layer.attrib.get("id")
        try:
            edges = tuple(float(x) for x in layer.attrib["r_edges"].split(","))
            n_alpha = int(layer.attrib.get("n_bin_alpha", "1"))
            layer_id = int(lid)  # type: ignore[arg-type]
        except (KeyError, ValueError, TypeError) as exc:
            raise SchemaError(f"{path}: Layer id={lid!r}: bad r_edges/n_bin_alpha/id ({exc})") from None
        if len(edges) < 2:
            continue
        if any(b <= a for a, b in zip(edges, edges[1:])) or edges[0] != 0:
            raise SchemaError(f"{path}: Layer id={layer_id}: r_edges must start at 0 and increase, got {edges}")
        if n_alpha < 1:
            raise SchemaError(f"{path}: Layer id={layer_id}: n_bin_alpha must be >= 1")
        bins[layer_id] = (edges, n_alpha)
    if not bins:
        raise SchemaError(f"{path}: no layer with voxels for particle {chosen.attrib['name']!r}")
    return bins


def read_binning_xml(path: str | Path, material: str = "pbwo4", particle: str | None = None,
                     layer_edges_x0: tuple[float, ...] | None = None) -> Geometry:
    """Geometry from a CaloChallenge binning file, for ``material``."""
    path = Path(path)
    bins = _bins(path, particle)
    if layer_edges_x0 is not None and len(layer_edges_x0) != len(bins) + 1:
        raise SchemaError(f"{path}: {len(bins)} layers with voxels but {len(layer_edges_x0)} layer edges given")
    return binned_geometry(f"xml:{path.name}", bins, MATERIALS[material], layer_edges_x0)
