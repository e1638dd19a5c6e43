"""One attempt of one model: deadlines, the streaming watch, error classes."""

from lg_router.execution.attempt import CallModel
from lg_router.execution.deadline import DeadlineExceeded, await_with_deadline, run_with_deadline
from lg_router.execution.errors import Failure, classify, describe_error
from lg_router.execution.retry import RetryBudget

__all__ = [
    "CallModel",
    "DeadlineExceeded",
    "Failure",
    "RetryBudget",
    "await_with_deadline",
    "classify",
    "describe_error",
    "run_with_deadline",
]
