"""FastJet exclusive clustering of ragged events into a fixed number of jets per event.

Uses the scikit-hep ``fastjet`` package's vectorised (awkward) interface, with its
banner silenced so ``--json`` output stays clean.
"""

from __future__ import annotations

import warnings

import numpy as np

__all__ = ["ALGORITHMS", "exclusive_labels"]

ALGORITHMS = ("ee_kt", "durham", "anti_kt")


def _jet_definition(algorithm: str, radius: float):
    import fastjet

    fastjet._swig.ClusterSequence.set_fastjet_banner_stream(None)
    fastjet._swig.ClusterSequence.print_banner()  # marks the banner printed (to nowhere)
    if algorithm in ("ee_kt", "durham"):  # FastJet's ee_kt is the Durham algorithm; it takes no R
        return fastjet._swig.JetDefinition(fastjet.ee_kt_algorithm)
    if algorithm == "anti_kt":  # spherical e+e- anti-kt: generalised kt with p = -1 and angular R
        return fastjet.JetDefinition(fastjet.ee_genkt_algorithm, float(radius), -1.0)
    raise ValueError(f"unknown FastJet algorithm {algorithm!r}; choose from {', '.join(ALGORITHMS)}")


def exclusive_labels(p4: np.ndarray, offsets: np.ndarray, n_jets: int, algorithm: str = "ee_kt",
                     radius: float = 0.4) -> np.ndarray:
    """Jet number (0..n_jets-1) of every particle row, clustering each event exclusively into ``n_jets``.

    ``p4`` (M, 4) px, py, pz, E (GeV), ``offsets`` (N + 1,) ragged event boundaries.
    """
    import awkward as ak
    import fastjet

    mult = np.diff(offsets)
    if (mult < n_jets).any():
        raise ValueError(f"{int((mult < n_jets).sum())} events have fewer than {n_jets} particles")
    arr = ak.unflatten(ak.zip({"px": p4[:, 0], "py": p4[:, 1], "pz": p4[:, 2], "E": p4[:, 3]}), mult)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # exclusive anti-kt "should be interpreted with care"
        cs = fastjet.ClusterSequence(arr, _jet_definition(algorithm, radius))
        members = cs.exclusive_jets_constituent_index(n_jets)
    counts = ak.to_numpy(ak.flatten(ak.num(members, axis=2)))
    flat = ak.to_numpy(ak.flatten(members, axis=None)).astype(np.int64)
    jet_number = np.repeat(np.tile(np.arange(n_jets), mult.size), counts)
    event = np.repeat(np.repeat(np.arange(mult.size), n_jets), counts)
    labels = np.full(p4.shape[0], -1, dtype=np.int64)
    labels[offsets[event] + flat] = jet_number
    if (labels < 0).any():
        raise RuntimeError("FastJet left particles unassigned in exclusive clustering")
    return labels
