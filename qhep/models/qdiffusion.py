"""``qdiffusion``: a fully quantum diffusion model (QuDDPM-style) for showers and images.

**Fully quantum**: data are quantum states, noise is a quantum channel, denoising is a
sequence of parametrised circuits with measured ancillas, and samples are read out by
measurement. (``qdenoiser`` in :mod:`qhep.models.denoisers` is the hybrid: classical
Gaussian noise, a circuit as noise predictor.)

Encodings (``encoding``):

- ``angle`` (default for <= 16 pixels): pixel i -> qubit i in cos(theta/2)|0> + sin(theta/2)|1>,
  sin^2(theta_i/2) = f_i = pixel / (E s_i), with s_i the largest training ratio (x 1.05); the
  readout is f_i = P(qubit i = 1), so the shape *and* the total energy are carried.
- ``amplitude`` (power-of-two pixels, e.g. 8x8 on 6 qubits): the shape sum_j sqrt(x_j / sum x) |j>
  on log2(V) qubits; the norm (the response r = sum x / E, which amplitudes cannot carry) is
  angle-encoded on one extra qubit, u = r / r_max = P(that qubit = 1). Readout: P(j) and u.

Forward process (:class:`ScrambleChannel`): at step t every qubit gets RX(a) RY(b) RZ(g) with
a, b, g ~ N(0, sigma_t^2) drawn per sample, then (``entangle``) RZZ(phi), phi ~ N(0, sigma_t^2),
on a ring. Averaged over the draws, one qubit's Bloch vector shrinks by exp(-sigma_t^2) per
step (each Gaussian rotation damps the two components it mixes by exp(-sigma^2/2); the three
averaged maps are diagonal and commute), so any ensemble goes to the maximally mixed state,
with sum_t sigma_t^2 = ``scramble`` (default 6: Bloch vectors shrink to 0.25 %).

Reverse process: at step t one circuit on the data qubits and ``ancillas`` fresh ancillas,
with gate angles theta_t = A_t + C_t c (``time: per-step``, the default: one circuit per step,
conditional on the incident energy c) or theta = A + B t/T + C c (``time: shared``: one set of
weights for every step, the timestep encoded in the angles; it trains worse, because the early
steps' large losses pull the shared weights away from the late steps'). The ancillas are
measured and discarded: the step is a channel, not a unitary (a unitary keeps every pairwise
overlap of an ensemble and cannot contract noise into data).

Training (step-wise, as QuDDPM): at a random step t, the data are noised to t-1 and one more
step to t; the reverse step maps the t-ensemble and is scored by a squared MMD (Gaussian kernels,
incident-energy condition appended) between its measured outcomes and those of the
(t-1)-ensemble. Measured outcomes: per-qubit <Z> (``angle``: the pixels) or the Z-basis
distribution of the register (``amplitude``), what the final readout measures. The output of a
step is the mixed state the device holds after the ancillas are measured; outcomes are linear
in it, so they are computed exactly from the full state. (Scoring pure-state Bloch vectors
instead fails: a channel's outputs are mixed and never reach pure targets; trained on them the
step stayed at the loss of its random start.)

Sampling: the prior is the forward channel applied for all T steps to |0...0> (it forgets its
input); T reverse steps follow. Between steps one ancilla branch is drawn per trajectory (what
one shot on a device does); each sample's image is the mean readout over ``trajectories``
trajectories, the last step's branches averaged exactly, as the shots of one circuit on a device
average them. Why by hand: no library implements quantum diffusion; circuits are Qiskit's and
are simulated by qhep's exact torch path (:func:`qhep.execution.statevector.compile_circuit`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from qhep.execution import is_exact
from qhep.execution.kernels import apply_gate, rx_matrix, ry_matrix, rz_diagonal, rzz_diagonal
from qhep.execution.statevector import compile_circuit
from qhep.models.base import ShowerData, ShowerModel, mmd2

if TYPE_CHECKING:
    from qhep.execution.torch_statevector import TorchCircuit

__all__ = ["QuantumDiffusion", "ScrambleChannel", "bloch_vectors", "reverse_circuit"]

_CDT = torch.complex128


def _rotation(a: torch.Tensor, b: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
    """(B, 2, 2) matrices RZ(g) RY(b) RX(a)."""
    return torch.diag_embed(rz_diagonal((g,))) @ ry_matrix((b,)) @ rx_matrix((a,))


class ScrambleChannel:
    """Forward quantum noise: Gaussian random single-qubit rotations and RZZ couplings per step.

    Args:
        n: qubits.
        steps: T.
        scramble: sum over steps of sigma_t^2 (rad^2); sigma_t^2 grows linearly with t.
        entangle: add RZZ(phi) on ring neighbours each step.
    """

    def __init__(self, n: int, steps: int, scramble: float = 6.0, entangle: bool = True) -> None:
        self.n, self.steps, self.entangle = n, steps, entangle
        w = np.arange(1, steps + 1, dtype=float)
        self.sigma2 = scramble * w / w.sum()

    def bloch_shrink(self, t: int) -> float:
        """Factor on the ensemble-averaged Bloch vector of one qubit after t steps (``entangle=False``)."""
        return float(np.exp(-self.sigma2[:t].sum()))

    def pairs(self) -> list[tuple[int, int]]:
        """Ring pairs coupled by RZZ."""
        if not self.entangle or self.n < 2:
            return []
        return [(q, (q + 1) % self.n) for q in range(self.n if self.n > 2 else 1)]

    def step(self, states: torch.Tensor, t: int, generator: torch.Generator) -> torch.Tensor:
        """Apply step t (1..T) to states (B, 2**n), a fresh draw per sample."""
        b, n = states.shape[0], self.n
        sd = math.sqrt(self.sigma2[t - 1])
        psi = states.reshape((b,) + (2,) * n)
        angles = torch.randn((3, n, b), generator=generator, dtype=torch.float64) * sd
        for q in range(n):
            psi = apply_gate(psi, _rotation(angles[0, q], angles[1, q], angles[2, q]), (q,), n, False)
        pairs = self.pairs()
        if pairs:
            phi = torch.randn((len(pairs), b), generator=generator, dtype=torch.float64) * sd
            for (q1, q2), ph in zip(pairs, phi):
                psi = apply_gate(psi, rzz_diagonal((ph,)), (q1, q2), n, True)
        return psi.reshape(b, 2**n)

    def run(self, states: torch.Tensor, start: int, stop: int, generator: torch.Generator) -> torch.Tensor:
        """Steps start+1 .. stop."""
        for t in range(start + 1, stop + 1):
            states = self.step(states, t, generator)
        return states


def bloch_vectors(states: torch.Tensor, n: int) -> torch.Tensor:
    """(B, n, 3) per-qubit (<X>, <Y>, <Z>) of the first n qubits; states (B, 2**N), N >= n, other qubits traced."""
    b, dim = states.shape
    out = []
    for q in range(n):
        psi = states.reshape(b, dim // 2 ** (q + 1), 2, 2**q)
        r00 = (psi[:, :, 0].abs() ** 2).sum((1, 2))
        r11 = (psi[:, :, 1].abs() ** 2).sum((1, 2))
        r01 = (psi[:, :, 0] * psi[:, :, 1].conj()).sum((1, 2))
        out.append(torch.stack([2 * r01.real, -2 * r01.imag, r00 - r11], -1))
    return torch.stack(out, 1)


def reverse_circuit(n: int, ancillas: int, layers: int):
    """(circuit, angle parameters) of one reverse step: data qubits 0..n-1, ancillas n..n+a-1.

    Each layer: RY, RZ on every qubit; RZZ on the data ring (correlations); RXX and RYY
    between ancilla k and every data qubit q = k (mod ancillas), a partial swap that can
    hand a data qubit's excess entropy to a fresh ancilla (the collisional model of
    cooling). All angles are trainable; at zero angles the step is the identity.
    """
    from qiskit import QuantumCircuit
    from qiskit.circuit import ParameterVector

    m = n + ancillas
    ring = [(q, (q + 1) % n) for q in range(n if n > 2 else 1)] if n > 1 else []
    links = [(n + k, q) for k in range(ancillas) for q in range(k, n, ancillas)]
    per_layer = 2 * m + len(ring) + 2 * len(links)
    th = ParameterVector("th", per_layer * layers)
    qc = QuantumCircuit(m)
    i = 0
    for _ in range(layers):
        for q in range(m):
            qc.ry(th[i], q)
            qc.rz(th[i + 1], q)
            i += 2
        for a, b in ring:
            qc.rzz(th[i], a, b)
            i += 1
        for a, b in links:
            qc.rxx(th[i], a, b)
            qc.ryy(th[i + 1], a, b)
            i += 2
    return qc, list(th)


class QuantumDiffusion(ShowerModel):
    """Fully quantum diffusion: scrambling channel forward, measured-ancilla circuits in reverse."""

    name = "qdiffusion"
    kind = "quantum"
    mitigated_readout = "readout on the final data-register measurement (ZNE refused: dynamic circuit)"

    def __init__(self, data_meta: dict[str, Any], config: dict[str, Any]) -> None:
        super().__init__(data_meta, config)
        v = int(data_meta["n_pixels"])
        self.encoding = str(config.get("encoding", "angle" if v <= 16 else "amplitude"))
        if self.encoding == "angle":
            self.n = v
        elif self.encoding == "amplitude":
            m = int(round(math.log2(v)))
            if 2**m != v:
                raise ValueError(f"amplitude encoding needs a power-of-two pixel count; the data have {v}")
            self.n = m + 1
        else:
            raise ValueError(f"unknown encoding {self.encoding!r}; choose angle or amplitude")
        self.steps = int(config.get("diffusion_steps", 10))
        self.ancillas = int(config.get("ancillas", 2))
        self.trajectories = int(config.get("trajectories", 4))
        self.channel = ScrambleChannel(self.n, self.steps, float(config.get("scramble", 6.0)),
                                       bool(config.get("entangle", True)))
        self.circuit, theta = reverse_circuit(self.n, self.ancillas, int(config.get("layers", 4)))
        self.theta = theta
        self.sim = compile_circuit(self.circuit)
        self.fast = compile_circuit(self.circuit, dtype=torch.complex64)  # sampling: no gradients needed
        self.register_buffer("order", torch.as_tensor([theta.index(p) for p in self.sim.parameters]))
        gen = torch.Generator().manual_seed(int(config.get("seed", 0)))
        # "shared": one circuit for every step, theta = A + B t/T + C c; "per-step": theta_t = A_t + C_t c
        self.per_step = config.get("time", "per-step") == "per-step"
        rows = 2 * self.steps if self.per_step else 3
        self.weights = torch.nn.Parameter(0.1 * torch.randn((rows, len(theta)), generator=gen, dtype=torch.float64))
        self.register_buffer("scale", torch.ones(v, dtype=torch.float64))
        self.register_buffer("rscale", torch.ones((), dtype=torch.float64))

    # ------------------------------------------------------------------ encoding
    def fit_stats(self, data: ShowerData) -> None:
        self.scale.copy_(torch.as_tensor(data.pixel_scale))
        self.rscale.copy_(torch.as_tensor(max(float(data.response.max()) * 1.05, 1e-9)))

    def encode(self, x_mev: torch.Tensor, energy_gev: torch.Tensor) -> torch.Tensor:
        """Data states (B, 2**n)."""
        ratio = x_mev / (1000.0 * energy_gev[:, None])
        if self.encoding == "angle":
            f = (ratio / self.scale).clamp(0, 1)
            state = torch.ones((x_mev.shape[0], 1), dtype=torch.float64)
            for q in range(self.n):  # qubit q is bit q: the new factor goes in front
                amp = torch.stack([torch.sqrt(1 - f[:, q]), torch.sqrt(f[:, q])], 1)
                state = (amp[:, :, None] * state[:, None, :]).reshape(x_mev.shape[0], -1)
            return state.to(_CDT)
        total = ratio.sum(1, keepdim=True)
        shape = torch.sqrt(torch.where(total > 0, ratio / total.clamp_min(1e-300), 1.0 / ratio.shape[1]))
        u = (total[:, 0] / self.rscale).clamp(0, 1)[:, None]
        return torch.cat([shape * torch.sqrt(1 - u), shape * torch.sqrt(u)], 1).to(_CDT)

    def outcomes(self, states: torch.Tensor) -> torch.Tensor:
        """Measured outcomes (B, F) of the data register of states (B, 2**N), other qubits traced out."""
        b = states.shape[0]
        if self.encoding == "angle":
            return bloch_vectors(states, self.n)[:, :, 2]
        return (states.reshape(b, -1, 2**self.n).abs() ** 2).sum(1)

    def decode(self, outcomes: torch.Tensor, energy_gev: torch.Tensor) -> torch.Tensor:
        """Pixels (B, V), MeV, from measured outcomes."""
        e = 1000.0 * energy_gev[:, None]
        if self.encoding == "angle":
            return (1 - outcomes) / 2 * self.scale * e
        d = 2 ** (self.n - 1)
        pz = outcomes
        u = pz[:, d:].sum(1, keepdim=True)
        shape = pz[:, :d] + pz[:, d:]
        return shape * u * self.rscale * e

    # ------------------------------------------------------------------ reverse process
    def angles(self, t: int, c: torch.Tensor) -> torch.Tensor:
        """Reverse-step t's gate angles (B, P), rad, in ``reverse_circuit`` order."""
        if self.per_step:
            return self.weights[2 * t - 2] + c[:, None] * self.weights[2 * t - 1]
        return self.weights[0] + (t / self.steps) * self.weights[1] + c[:, None] * self.weights[2]

    def reverse(self, states: torch.Tensor, t: int, c: torch.Tensor, sim: TorchCircuit | None = None) -> torch.Tensor:
        """Step t's circuit on data states (B, 2**n) with fresh ancillas: full states (B, 2**(n+a))."""
        sim = sim or self.sim
        b = states.shape[0]
        initial = torch.zeros((b, 2 ** (self.n + self.ancillas)), dtype=sim.dtype)
        initial[:, : 2**self.n] = states
        return sim.statevector(self.angles(t, c)[:, self.order], initial=initial)


    def _mmd(self, gen: torch.Tensor, target: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        f = gen.shape[1]
        w = math.sqrt(f)
        return mmd2(torch.cat([gen, w * c[:, None]], 1), torch.cat([target, w * c[:, None]], 1),
                    tuple(h * f for h in (0.01, 0.05, 0.25)))

    def step_loss(self, batch: dict[str, torch.Tensor], generator: torch.Generator, t: int) -> torch.Tensor:
        """MMD^2 between reverse step t applied to the t-ensemble and the (t-1)-ensemble."""
        c = self.condition_tensor(batch["energy"])
        before = self.channel.run(self.encode(batch["x"], batch["energy"]), 0, t - 1, generator)
        after = self.channel.step(before, t, generator)
        return self._mmd(self.outcomes(self.reverse(after, t, c)), self.outcomes(before), c)

    def build_optimizers(self) -> list[torch.optim.Optimizer]:
        self.opt = torch.optim.Adam(self.parameters(), lr=float(self.config.get("lr", 0.02)))
        return [self.opt]

    def training_step(self, batch: dict[str, torch.Tensor], generator: torch.Generator) -> dict[str, float]:
        t = int(torch.randint(1, self.steps + 1, (1,), generator=generator))
        loss = self.step_loss(batch, generator, t)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return {"step_mmd": loss.item()}

    # ------------------------------------------------------------------ sampling
    def sample_outcomes(self, energy_gev: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Mean measured outcomes (B, F) over ``trajectories`` trajectories per sample."""
        s = max(self.trajectories, 1)
        energy = energy_gev.repeat_interleave(s)
        c = self.condition_tensor(energy)
        b = energy.shape[0]
        states = torch.zeros((b, 2**self.n), dtype=_CDT)
        states[:, 0] = 1
        states = self.channel.run(states, 0, self.steps, generator).to(torch.complex64)
        for t in range(self.steps, 1, -1):
            full = self.reverse(states, t, c, self.fast).reshape(b, -1, 2**self.n)
            p = (full.abs() ** 2).sum(2)
            k = torch.multinomial(p / p.sum(1, keepdim=True), 1, generator=generator)[:, 0]
            branch = full[torch.arange(b), k]
            states = branch / torch.sqrt(p[torch.arange(b), k])[:, None]
        out = self.outcomes(self.reverse(states, 1, c, self.fast)).to(torch.float64)
        return out.reshape(-1, s, out.shape[1]).mean(1)

    def generate_torch(self, energy_gev: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        return self.decode(self.sample_outcomes(energy_gev, generator), energy_gev)

    def device_circuit(self):
        """The whole sampling chain as one dynamic circuit for shot backends.

        Parameters ``prior[...]`` (the forward channel's random angles, T steps) and ``r{t}[...]``
        (reverse step t's angles); ancillas are measured into ``anc`` and reset after every
        step, the data register into ``out`` at the end. One shot is one trajectory.
        """
        from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
        from qiskit.circuit import ParameterVector

        n, a = self.n, self.ancillas
        data, anc = QuantumRegister(n, "q"), QuantumRegister(a, "a")
        creg_a, creg_o = ClassicalRegister(a * self.steps, "anc"), ClassicalRegister(n, "out")
        qc = QuantumCircuit(data, anc, creg_a, creg_o)
        pairs = self.channel.pairs()
        prior = ParameterVector("prior", self.steps * (3 * n + len(pairs)))
        i = 0
        for _ in range(self.steps):
            for q in range(n):
                qc.rx(prior[i], q)
                qc.ry(prior[i + 1], q)
                qc.rz(prior[i + 2], q)
                i += 3
            for q1, q2 in pairs:
                qc.rzz(prior[i], q1, q2)
                i += 1
        for t in range(self.steps, 0, -1):
            vec = ParameterVector(f"r{t:03d}", len(self.theta))
            qc.compose(self.circuit.assign_parameters(dict(zip(self.theta, vec))), inplace=True)
            qc.measure(anc, creg_a[a * (t - 1): a * t])
            if t > 1:
                qc.reset(anc)
        qc.measure(data, creg_o)
        return qc

    def device_values(self, qc, energy_gev: np.ndarray, generator: torch.Generator) -> np.ndarray:
        """(B, P) values of ``qc`` = :meth:`device_circuit`'s parameters: fresh prior draws, trained reverse angles."""
        b = len(energy_gev)
        c = self.condition_tensor(energy_gev)
        values: dict[str, np.ndarray] = {}
        sd = np.sqrt(self.channel.sigma2)
        per = 3 * self.n + len(self.channel.pairs())
        draws = torch.randn((b, self.steps, per), generator=generator, dtype=torch.float64).numpy() * sd[None, :, None]
        values["prior"] = draws.reshape(b, -1)
        with torch.no_grad():
            for t in range(1, self.steps + 1):
                values[f"r{t:03d}"] = self.angles(t, c).numpy()
        cols = []
        for p in qc.parameters:
            name, idx = p.name.split("[")
            cols.append(values[name][:, int(idx[:-1])])
        return np.stack(cols, 1)

    def device_outcomes(self, energies_gev: np.ndarray, runner, seed: int = 0,
                        shots: int = 1000) -> tuple[np.ndarray, np.ndarray | None]:
        """Measured outcomes (B, F) of :meth:`device_circuit` on a shot ``runner``: (raw, readout-corrected).

        Each sample is one circuit of ``shots`` trajectories. The correction (None unless the
        runner's mitigation has ``readout``) undoes the per-qubit assignment errors of the final
        data-register measurement with the runner's calibration (:class:`qhep.mitigation.readout.ReadoutCalibration`'s
        per-qubit inverses: on each qubit's marginal for ``angle``, tensored on the register's
        distribution for ``amplitude``), then clipped to probabilities >= 0 and renormalised, since
        pixels are energies. The ancillas' mid-circuit readout errors pick wrong branches
        and are not undone. Both come from the same shots, so a study gets raw and mitigated rows
        for one run's cost.
        """
        cfg = getattr(runner, "mitigation", None)
        if cfg is not None and cfg.zne:
            raise ValueError("qdiffusion samples raw shots of a dynamic circuit: ZNE is not implemented for it "
                             "(folding across mid-circuit measurements and resets); use readout, dd, twirling")
        gen = torch.Generator().manual_seed(seed)
        qc = self.device_circuit()
        res = runner.sample(qc, self.device_values(qc, energies_gev, gen), shots=shots)
        bits = res.data.out.to_bool_array(order="little")  # (B, shots, n): [..., q] is qubit q
        if self.encoding == "angle":  # per-qubit marginals (B, n, 2): P(0), P(1)
            p1 = bits.mean(1)
            raw = np.stack([1 - p1, p1], -1)
        else:
            ints = (bits << np.arange(self.n)).sum(-1)  # (B, shots)
            raw = np.stack([np.bincount(row, minlength=2**self.n) for row in ints]) / bits.shape[1]
        fixed = None
        if cfg is not None and cfg.readout:
            cal, idx = runner.readout_calibration(qc)
            out = next(reg for reg in qc.cregs if reg.name == "out")
            cols = [idx[qc.find_bit(b).index] for b in out]
            if self.encoding == "angle":  # each qubit's 2x2 inverse on its own marginal
                fixed = np.einsum("qij,bqj->bqi", cal.inverse_matrices()[cols], raw)
            else:
                fixed = cal.apply(raw, cols)
            fixed = np.clip(fixed, 0.0, None)
            fixed /= np.maximum(fixed.sum(-1, keepdims=True), 1e-12)
        if self.encoding == "angle":  # <Z> = P(0) - P(1)
            raw = raw[..., 0] - raw[..., 1]
            fixed = None if fixed is None else fixed[..., 0] - fixed[..., 1]
        return raw, fixed

    def generate(self, energies_gev: np.ndarray, runner=None, seed: int = 0, shots: int = 1000) -> np.ndarray:
        """Showers; on a shot ``runner`` each sample is one circuit of ``shots`` trajectories (None: statevector).

        Readout mitigation corrects the final measurement (:meth:`device_outcomes`); ZNE is refused.
        """
        if is_exact(runner):
            return super().generate(energies_gev, seed=seed)
        raw, fixed = self.device_outcomes(energies_gev, runner, seed=seed, shots=shots)
        energy = torch.as_tensor(energies_gev, dtype=torch.float64)
        out = torch.as_tensor(raw if fixed is None else fixed, dtype=torch.float64)
        return self.decode(out, energy).numpy()

    monitor_label = "step-wise MMD², mean over steps (held out)"

    def loss_for_monitoring(self, batch: dict[str, torch.Tensor], generator: torch.Generator) -> float:
        """Step-wise loss averaged over every step (sampling would cost T circuits per sample)."""
        with torch.no_grad():
            return float(np.mean([float(self.step_loss(batch, generator, t)) for t in range(1, self.steps + 1)]))

