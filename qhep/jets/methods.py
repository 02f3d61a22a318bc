"""Names of the hemisphere/jet methods (a light module, so ``qhep --help`` does not import torch)."""

from __future__ import annotations

__all__ = ["CLASSICAL", "METHODS", "VARIATIONAL"]

VARIATIONAL = ("qaoa", "vqe")
CLASSICAL = ("brute-force", "sa", "random", "exact-thrust", "ee_kt", "durham", "anti_kt")
METHODS = VARIATIONAL + CLASSICAL
