"""How one model's call within an attempt ended, as the execution node records it."""

from __future__ import annotations

from dataclasses import dataclass

from langchain_core.messages import AIMessage, BaseMessage

from lg_router.execution.stream import StreamRace


@dataclass
class Result:
    """How one model's call ended (a stream's, or a whole answer's)."""

    model_id: str
    outcome: str  # ok, failed, hedged
    seconds: float
    messages: list[BaseMessage]
    answer: AIMessage | None = None
    error: BaseException | None = None
    first_token_seconds: float | None = None
    shown: str | None = None  # the text the caller saw (None: nobody watched)
    relay_id: str | None = None


def race_results(race: StreamRace) -> list[Result]:
    """The race's streams as results: the winner (or the last to fail) last."""
    results = []
    started = [s for s in race.sources if s.outcome != "pending"]
    for source in sorted(started, key=lambda s: (s is race.winner, s.ended or 0.0)):
        outcome = "failed" if source.outcome in ("failed", "running") else source.outcome
        watched = source.relay.watched and source is race.winner
        results.append(
            Result(
                model_id=source.model_id,
                outcome=outcome,
                seconds=source.seconds,
                messages=source.messages,
                answer=source.message() if outcome == "ok" else None,
                error=source.error,
                first_token_seconds=source.first_token_seconds,
                shown=source.relay.text if watched else None,
                relay_id=source.relay.id if watched else None,
            )
        )
    return results
