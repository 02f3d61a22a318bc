"""qhep: Qiskit-first quantum machine learning for high-energy physics.

Subpackages (each with its own ``__all__``; layers and data path in ``docs/architecture.md``):

- :mod:`qhep.execution` -- one Runner for statevector, Aer, fake IBM devices and IBM hardware;
  Qiskit V2 primitive adapters; the job ledger
- :mod:`qhep.transpile` -- target-aware, cached transpilation
- :mod:`qhep.noise` -- device noise models restricted to the qubits a circuit uses
- :mod:`qhep.mitigation` -- ZNE, readout, DD and twirling behind one config; expand/combine
  over any executor
- :mod:`qhep.circuits` -- ansatz and benchmark circuit builders, OpenQASM reading
- :mod:`qhep.data` -- calorimeter showers, Pythia events, jet images, HDF5 I/O
- :mod:`qhep.connectors` -- torch modules around circuits (exact or shot-based gradients)
- :mod:`qhep.models` -- shower and jet-image generators (GANs, Born machine, diffusion)
- :mod:`qhep.metrics` -- physics metrics of generated samples (showers, jet images)
- :mod:`qhep.jets` -- thrust and jet clustering as Ising problems, their solvers and references
- :mod:`qhep.hardware` -- hardware job specs, device-time estimates, submission and retrieval
- :mod:`qhep.studies` -- study tasks (one registry), noise studies over backends and mitigation
- :mod:`qhep.reports` -- the HTML reports of noise studies
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("qhep")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0+unknown"

__all__ = ("__version__",)


def __dir__() -> tuple[str, ...]:
    return __all__
