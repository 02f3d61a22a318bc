import pytest

from qhep.errors import BackendSpecError
from qhep.execution import parse_backend


@pytest.mark.parametrize(
    "text, kind, device, gpu, scale, local",
    [
        ("statevector", "statevector", None, False, 1.0, False),
        ("statevector:gpu", "statevector", None, True, 1.0, False),
        ("aer", "aer", None, False, 1.0, False),
        ("aer:gpu", "aer", None, True, 1.0, False),
        ("fake:torino", "fake", "torino", False, 1.0, False),
        ("fake:sherbrooke@2.5", "fake", "sherbrooke", False, 2.5, False),
        ("fake:torino@0", "fake", "torino", False, 0.0, False),
        ("ibm:fez", "ibm", "fez", False, 1.0, False),
        ("ibm:fake_manila", "ibm", "manila", False, 1.0, True),
    ],
)
def test_grammar(text, kind, device, gpu, scale, local):
    spec = parse_backend(text)
    assert (spec.kind, spec.device, spec.gpu, spec.noise_scale, spec.local) == (kind, device, gpu, scale, local)
    assert parse_backend(str(spec)) == spec


def test_unknown_device_lists_close_matches():
    with pytest.raises(BackendSpecError, match="did you mean torino"):
        parse_backend("fake:torin")


@pytest.mark.parametrize("text", ["gpu", "fake:", "fake:torino@-1", "fake:torino@x", "aer:tpu", ""])
def test_malformed(text):
    with pytest.raises(BackendSpecError):
        parse_backend(text)
