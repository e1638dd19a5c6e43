"""One attempt of one model: deadlines, the streaming watch, error classes."""

from lg_router.execution.attempt import CallModel, describe_error
from lg_router.execution.deadline import DeadlineExceeded, await_with_deadline, run_with_deadline

__all__ = ["CallModel", "DeadlineExceeded", "await_with_deadline", "describe_error", "run_with_deadline"]
