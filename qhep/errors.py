"""Exceptions raised at qhep's public boundaries.

Each subclasses the builtin a caller would naturally catch (pyhf's pattern), and
each message names what was wrong and what is expected. Messages never contain
credentials.
"""

from __future__ import annotations

__all__ = [
    "BackendSpecError",
    "BudgetError",
    "CircuitError",
    "JobPending",
    "LedgerError",
    "MissingExtraError",
    "QhepError",
    "SchemaError",
]


class QhepError(Exception):
    """Base class of every qhep error; the CLI prints these as one line."""


class BackendSpecError(QhepError, ValueError):
    """A ``--backend`` SPEC that does not parse or names no known device."""


class CircuitError(QhepError, ValueError):
    """A circuit, parameter array or observable of the wrong shape or content."""


class SchemaError(QhepError, ValueError):
    """A data file whose content does not match the expected layout."""


class LedgerError(QhepError, RuntimeError):
    """The job ledger cannot be read or written."""


class JobPending(QhepError, RuntimeError):
    """A hardware job is queued or running and the caller asked not to wait for it."""

    def __init__(self, key: str, job_id: str, status: str) -> None:
        super().__init__(f"job {job_id} ({key}) is {status}; run the retrieval again later")
        self.key, self.job_id, self.status = key, job_id, status


class BudgetError(QhepError, ValueError):
    """A hardware job spec whose estimated device time exceeds its budget."""


class MissingExtraError(QhepError, ImportError):
    """An optional dependency is missing; the message names the pip extra."""

    def __init__(self, package: str, extra: str, purpose: str) -> None:
        super().__init__(
            f"{purpose} needs the '{package}' package: pip install 'qhep[{extra}]'"
        )
