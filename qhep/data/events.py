"""e+e- collision events from Pythia 8 with parton truth and Pythia's event shapes.

Processes (lepton beams, ``PDF:lepton = off``, so every event is at exactly ``ecm``):

- ``ee-z``: gamma*/Z -> q qbar at 91.1876 GeV (u, d, s, c, b by default);
- ``ee-zh``: e+e- -> ZH at 240 GeV, Z -> q qbar, H -> b bbar (four jets);
- ``ee-qq``: gamma*/Z -> q qbar at ``ecm`` (default 125 GeV; light quarks u, d, s),
- ``ee-gg``: e+e- -> H -> g g with m_H set to ``ecm`` (default 125 GeV), so quark and
  gluon jets of ``ee-qq`` and ``ee-gg`` have the same energy, ecm / 2.

Stored per event: the visible final-state particles after the selection (ragged,
see :mod:`qhep.data.io`), the hard-process partons (quarks and gluons leaving the
hard process and resonance decays) as truth, and Pythia's ``Thrust`` and
``Sphericity`` computed on exactly the stored particles (unselected particles are
hidden from the analysis by negating their status).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["PROCESSES", "EventSample", "Selection", "centre_of_mass", "generate_events", "pythia_settings"]

PROCESSES: dict[str, dict[str, Any]] = {
    "ee-z": {"ecm": 91.1876, "flavours": (1, 2, 3, 4, 5), "doc": "gamma*/Z -> q qbar at the Z pole"},
    "ee-zh": {"ecm": 240.0, "flavours": (1, 2, 3, 4, 5), "doc": "ZH, Z -> q qbar, H -> b bbar (four jets)"},
    "ee-qq": {"ecm": 125.0, "flavours": (1, 2, 3), "doc": "gamma*/Z -> light q qbar (quark jets)"},
    "ee-gg": {"ecm": 125.0, "flavours": (), "doc": "H -> g g with m_H = ecm (gluon jets)"},
}


@dataclass(frozen=True)
class Selection:
    """Which visible final-state particles are kept (neutrinos are never kept).

    Attributes:
        charged_only: keep charged particles only.
        e_min: minimum energy, GeV.
        cos_max: acceptance |cos theta| <= cos_max (theta to the beam axis).
    """

    charged_only: bool = False
    e_min: float = 0.0
    cos_max: float = 1.0


def centre_of_mass(process: str, ecm: float | None = None) -> float:
    """The energy (GeV) ``process`` runs at: ``ecm`` or the process default; checked."""
    if process not in PROCESSES:
        raise ValueError(f"unknown process {process!r}; choose from {', '.join(PROCESSES)}")
    value = float(PROCESSES[process]["ecm"] if ecm is None else ecm)
    if value <= 0:
        raise ValueError(f"--ecm must be positive, got {value}")
    return value


def pythia_settings(process: str, ecm: float | None = None, flavours: tuple[int, ...] | None = None) -> list[str]:
    """Pythia configuration strings for ``process`` at ``ecm`` GeV (without seed and printing)."""
    ecm = centre_of_mass(process, ecm)
    spec = PROCESSES[process]
    flav = " ".join(str(f) for f in (spec["flavours"] if flavours is None else flavours))
    base = ["Beams:idA = 11", "Beams:idB = -11", f"Beams:eCM = {ecm}", "PDF:lepton = off"]
    if process in ("ee-z", "ee-qq"):
        return base + ["WeakSingleBoson:ffbar2gmZ = on", "23:onMode = off", f"23:onIfAny = {flav}"]
    if process == "ee-zh":
        return base + ["HiggsSM:ffbar2HZ = on", "23:onMode = off", f"23:onIfAny = {flav}",
                       "25:onMode = off", "25:onIfMatch = 5 -5"]
    return base + ["HiggsSM:ffbar2H = on", f"25:m0 = {ecm}", "25:onMode = off", "25:onIfMatch = 21 21"]


_QUIET = ["Print:quiet = on", "Next:numberCount = 0", "Next:numberShowEvent = 0", "Next:numberShowProcess = 0",
          "Next:numberShowInfo = 0"]


@dataclass
class EventSample:
    """Events in ragged form: particle ``i`` of event ``k`` is row ``offsets[k] + i``.

    Attributes:
        p4: (M, 4) px, py, pz, E of all kept particles, GeV.  pdg: (M,) PDG ids.  charge: (M,) charges, e.
        offsets: (N + 1,) start of each event's particles.
        parton_p4, parton_pdg, parton_offsets: hard-process partons, same ragged form.
        thrust, sphericity: (N,) Pythia's values on the kept particles.  thrust_axis: (N, 3).
        ecm: centre-of-mass energy, GeV.  settings: process, selection, seed, Pythia strings.
    """

    p4: np.ndarray
    pdg: np.ndarray
    charge: np.ndarray
    offsets: np.ndarray
    parton_p4: np.ndarray
    parton_pdg: np.ndarray
    parton_offsets: np.ndarray
    thrust: np.ndarray
    thrust_axis: np.ndarray
    sphericity: np.ndarray
    ecm: float
    settings: dict = field(default_factory=dict)

    @property
    def n_events(self) -> int:
        """Number of events."""
        return int(self.offsets.size - 1)

    @property
    def multiplicity(self) -> np.ndarray:
        """(N,) number of kept particles per event."""
        return np.diff(self.offsets)

    def particles(self, k: int) -> np.ndarray:
        """(n, 4) four-momenta of event ``k``, GeV."""
        return self.p4[self.offsets[k]:self.offsets[k + 1]]

    def partons(self, k: int) -> np.ndarray:
        """(n, 4) four-momenta of the truth partons of event ``k``, GeV."""
        return self.parton_p4[self.parton_offsets[k]:self.parton_offsets[k + 1]]

    def event_index(self) -> np.ndarray:
        """(M,) event number of every particle row."""
        return np.repeat(np.arange(self.n_events), self.multiplicity)


def _keep(particle: Any, sel: Selection) -> bool:
    if not (particle.isFinal() and particle.isVisible()):
        return False
    if sel.charged_only and not particle.isCharged():
        return False
    if particle.e() < sel.e_min:
        return False
    if sel.cos_max < 1.0:
        p = particle.pAbs()
        if p > 0 and abs(particle.pz()) / p > sel.cos_max:
            return False
    return True


def _pythia(strings: list[str], seed: int) -> Any:
    import pythia8mc

    pythia = pythia8mc.Pythia("", False)
    for s in strings + _QUIET + ["Random:setSeed = on", f"Random:seed = {seed}"]:
        if not pythia.readString(s):
            raise RuntimeError(f"Pythia rejected setting {s!r}")
    if not pythia.init():
        raise RuntimeError(f"Pythia failed to initialise with {strings}")
    return pythia


def _iterate(pythia: Any, n: int, max_failures: int = 100) -> Iterator[Any]:
    failures = 0
    produced = 0
    while produced < n:
        if not pythia.next():
            failures += 1
            if failures > max_failures:
                raise RuntimeError(f"Pythia failed {failures} times in a row")
            continue
        failures = 0
        produced += 1
        yield pythia


def generate_events(n: int, process: str = "ee-z", *, ecm: float | None = None, seed: int = 1,
                    selection: Selection | None = None, flavours: tuple[int, ...] | None = None,
                    progress: Any = None) -> EventSample:
    """Generate ``n`` events of ``process``; ``progress`` (a tqdm bar) is updated per event."""
    import pythia8mc

    if n <= 0:
        raise ValueError("number of events must be positive")
    sel = selection or Selection()
    strings = pythia_settings(process, ecm, flavours)
    ecm_value = centre_of_mass(process, ecm)
    if not 1 <= seed <= 900_000_000:
        raise ValueError("Pythia seeds must lie in 1..900000000")
    pythia = _pythia(strings, seed)
    thrust, spher = pythia8mc.Thrust(1), pythia8mc.Sphericity(2.0, 1)
    rows: list[tuple[float, float, float, float, int, float]] = []
    partons: list[tuple[float, float, float, float, int]] = []
    offsets, p_offsets = [0], [0]
    t_val, t_axis, s_val = np.zeros(n), np.zeros((n, 3)), np.zeros(n)
    for k, py in enumerate(_iterate(pythia, n)):
        event = py.event
        for j in range(event.size()):
            prt = event[j]
            if not prt.isFinal():
                continue
            if _keep(prt, sel):
                rows.append((prt.px(), prt.py(), prt.pz(), prt.e(), prt.id(), prt.charge()))
            else:
                prt.statusNeg()  # hide from the event-shape analyses
        offsets.append(len(rows))
        proc = py.process
        for j in range(proc.size()):
            prt = proc[j]
            if prt.isFinal() and (prt.isQuark() or prt.isGluon()):
                partons.append((prt.px(), prt.py(), prt.pz(), prt.e(), prt.id()))
        p_offsets.append(len(partons))
        if offsets[-1] - offsets[-2] >= 2 and thrust.analyze(event):
            t_val[k] = thrust.thrust()
            ax = thrust.eventAxis(1)
            t_axis[k] = (ax.px(), ax.py(), ax.pz())
        else:
            t_val[k] = np.nan
        s_val[k] = spher.sphericity() if offsets[-1] - offsets[-2] >= 2 and spher.analyze(event) else np.nan
        if progress is not None:
            progress.update(1)
    arr = np.asarray(rows, dtype=np.float64).reshape(-1, 6)
    parr = np.asarray(partons, dtype=np.float64).reshape(-1, 5)
    settings = {"generator": "pythia8", "pythia_version": _pythia_version(), "process": process,
                "ecm": ecm_value, "seed": seed, "selection": sel.__dict__, "pythia_settings": strings}
    return EventSample(arr[:, :4].copy(), arr[:, 4].astype(np.int32), arr[:, 5].astype(np.float32),
                       np.asarray(offsets, dtype=np.int64), parr[:, :4].copy(), parr[:, 4].astype(np.int32),
                       np.asarray(p_offsets, dtype=np.int64), t_val, t_axis, s_val, ecm_value, settings)


def _pythia_version() -> str:
    from importlib.metadata import version

    return version("pythia8mc")
