"""The ``--backend SPEC`` grammar, parsed once for every command.

Grammar (``docs/architecture.md`` describes each form)::

    statevector | statevector:gpu | aer | aer:gpu | fake:NAME[@S] | ibm:NAME | ibm:fake_NAME
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from qhep.errors import BackendSpecError

Kind = Literal["statevector", "aer", "fake", "ibm"]

_FORMS = "statevector, statevector:gpu, aer, aer:gpu, fake:NAME[@S], ibm:NAME, ibm:fake_NAME"


@dataclass(frozen=True)
class BackendSpec:
    """A parsed backend SPEC.

    Attributes:
        kind: which runner family executes circuits.
        device: IBM device short name (``torino``) for ``fake``/``ibm``; else ``None``.
        gpu: run the simulator on an NVIDIA GPU.
        noise_scale: factor S applied to every error rate of a ``fake`` device (1 = as calibrated).
        local: ``ibm:fake_NAME`` -- the runtime code path in its local testing mode.
    """

    kind: Kind
    device: str | None = None
    gpu: bool = False
    noise_scale: float = 1.0
    local: bool = False

    def __str__(self) -> str:
        if self.kind in ("statevector", "aer"):
            return self.kind + (":gpu" if self.gpu else "")
        if self.kind == "fake":
            scale = "" if self.noise_scale == 1.0 else f"@{self.noise_scale:g}"
            return f"fake:{self.device}{scale}"
        return f"ibm:{'fake_' if self.local else ''}{self.device}"


@lru_cache(maxsize=1)
def fake_device_names() -> dict[str, str]:
    """Map short names (``torino``) to ``qiskit_ibm_runtime.fake_provider`` V2 class names."""
    from qiskit_ibm_runtime import fake_provider

    names: dict[str, str] = {}
    for attr in dir(fake_provider):
        if not attr.startswith("Fake") or attr.endswith("V1"):
            continue
        if attr in ("FakeProviderForBackendV2", "FakeProvider", "FakeBackendV2"):
            continue
        short = attr[4:]
        short = short[:-2] if short.endswith("V2") else short
        short = re.sub(r"(?<!^)(?=[A-Z])", "_", short).lower()
        # Prefer the V2 class when both FakeXxx and FakeXxxV2 exist.
        if short not in names or attr.endswith("V2"):
            names[short] = attr
    return names


def _check_device(name: str) -> str:
    names = fake_device_names()
    key = name.lower()
    if key not in names:
        close = difflib.get_close_matches(key, list(names), n=5, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise BackendSpecError(
            f"unknown IBM device {name!r}{hint} (known: {len(names)} fake devices, e.g. torino, "
            "sherbrooke, brisbane)"
        )
    return key


def parse_backend(spec: str | BackendSpec) -> BackendSpec:
    """Parse a backend SPEC string; raise :class:`BackendSpecError` naming the valid forms."""
    if isinstance(spec, BackendSpec):
        return spec
    text = spec.strip()
    if text in ("statevector", "statevector:cpu"):
        return BackendSpec("statevector")
    if text == "statevector:gpu":
        return BackendSpec("statevector", gpu=True)
    if text in ("aer", "aer:cpu"):
        return BackendSpec("aer")
    if text == "aer:gpu":
        return BackendSpec("aer", gpu=True)
    match = re.fullmatch(r"fake:([A-Za-z0-9_]+)(?:@([0-9.eE+-]+))?", text)
    if match:
        scale = 1.0
        if match.group(2) is not None:
            try:
                scale = float(match.group(2))
            except ValueError:
                scale = -1.0
            if not (scale >= 0.0 and scale != float("inf")):
                raise BackendSpecError(
                    f"noise scale in {text!r} must be a finite number >= 0, got {match.group(2)!r}"
                )
        return BackendSpec("fake", device=_check_device(match.group(1)), noise_scale=scale)
    match = re.fullmatch(r"ibm:(fake_)?([A-Za-z0-9_]+)", text)
    if match:
        if match.group(1):
            return BackendSpec("ibm", device=_check_device(match.group(2)), local=True)
        return BackendSpec("ibm", device=match.group(2).lower())
    raise BackendSpecError(f"cannot parse backend {spec!r}; valid forms: {_FORMS}")


def fake_backend(name: str):  # -> FakeBackendV2
    """Instantiate the fake IBM device for a short name (``torino`` -> ``FakeTorino()``)."""
    from qiskit_ibm_runtime import fake_provider

    return getattr(fake_provider, fake_device_names()[_check_device(name)])()
