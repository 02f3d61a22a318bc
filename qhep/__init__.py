"""qhep: Qiskit-first quantum machine learning for high-energy physics.

Subpackages (each with its own ``__all__``):

- :mod:`qhep.execution` -- one Runner for statevector, Aer, fake IBM devices and IBM hardware
- :mod:`qhep.transpile` -- target-aware, cached transpilation
- :mod:`qhep.noise` -- device noise models restricted to the qubits a circuit uses
- :mod:`qhep.mitigation` -- ZNE, readout, DD and twirling behind one config
- :mod:`qhep.circuits` -- ansatz and benchmark circuit builders
- :mod:`qhep.data` -- calorimeter showers, Pythia events, jet images, HDF5 I/O
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
