"""One mitigation config for every backend, parsed from ``--mitigation zne,readout,dd``."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

__all__ = ["MitigationConfig", "parse_mitigation"]

Extrapolator = Literal["linear", "richardson", "exponential", "poly2"]
KNOWN = ("zne", "readout", "dd", "twirling", "pec")


@dataclass(frozen=True)
class MitigationConfig:
    """Which error mitigation to apply, and how.

    Attributes:
        readout: invert per-qubit readout assignment matrices (qhep's own calibration).
        zne: zero-noise extrapolation by global unitary folding (mitiq) at ``zne_scales``.
        zne_scales: noise scale factors (odd integers fold exactly: 1, 3, 5).
        zne_extrapolator: mitiq factory used for the fit to zero noise.
        dd: dynamical decoupling in idle windows (``dd_sequence``: XX or XY4).
        twirling: Pauli twirling of two-qubit gates, ``twirl_randomizations`` instances,
            shots split evenly among them.
        bootstrap: resamples of the shots used for the error bars of mitigated values.
    """

    readout: bool = False
    zne: bool = False
    zne_scales: tuple[float, ...] = (1.0, 3.0, 5.0)
    zne_extrapolator: Extrapolator = "linear"
    dd: bool = False
    dd_sequence: Literal["XX", "XY4"] = "XX"
    twirling: bool = False
    twirl_randomizations: int = 8
    pec: bool = False
    bootstrap: int = 100
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def any(self) -> bool:
        """True if any technique is switched on."""
        return self.readout or self.zne or self.dd or self.twirling or self.pec

    def names(self) -> list[str]:
        """Switched-on techniques, in canonical order."""
        return [n for n in KNOWN if getattr(self, "twirling" if n == "twirling" else n)]


def parse_mitigation(text: str | MitigationConfig | None) -> MitigationConfig:
    """Parse ``"zne,readout"`` (or ``""``/``None``/``"none"``) into a :class:`MitigationConfig`.

    ``zne`` may carry options: ``zne:richardson`` or ``zne:linear:1,3,5`` is not
    supported on the command line (commas separate techniques); use a config file
    for scale factors.
    """
    if isinstance(text, MitigationConfig):
        return text
    config = MitigationConfig()
    if text is None or text.strip().lower() in ("", "none", "off"):
        return config
    for item in (t.strip().lower() for t in text.split(",")):
        name, _, option = item.partition(":")
        if name not in KNOWN:
            raise ValueError(f"unknown mitigation {name!r}; choose from {', '.join(KNOWN)}")
        if name == "pec":
            raise ValueError(
                "pec is not available: it needs a learned noise model per layer, which qhep does "
                "not build yet; use zne,readout"
            )
        if name == "zne":
            config = replace(config, zne=True)
            if option:
                if option not in ("linear", "richardson", "exponential", "poly2"):
                    raise ValueError(
                        f"unknown ZNE extrapolator {option!r}; choose linear, richardson, "
                        "exponential, poly2"
                    )
                config = replace(config, zne_extrapolator=option)  # type: ignore[arg-type]
        elif name == "dd":
            config = replace(config, dd=True)
            if option:
                if option.upper() not in ("XX", "XY4"):
                    raise ValueError(f"unknown DD sequence {option!r}; choose XX or XY4")
                config = replace(config, dd_sequence=option.upper())  # type: ignore[arg-type]
        else:
            config = replace(config, **{name: True})
    return config
