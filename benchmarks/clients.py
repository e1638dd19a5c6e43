"""The things being compared, all pointed at the same local server.

``direct`` is a ``ChatOpenAI`` built with the same arguments lg-router's
``ModelProvider`` uses (no retries, same timeout), so any difference is routing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import Runnable

from lg_router import ModelCatalog, create_router

NO_KEY = "not-needed"


def catalog_for(base_url: str) -> ModelCatalog:
    """The ``oxlo`` preset served by the local benchmark server."""
    return ModelCatalog.preset("oxlo").with_endpoint(base_url)


def direct_model(
    base_url: str, model: str, *, timeout: float = 60.0, client_kwargs: Mapping[str, Any] | None = None
) -> BaseChatModel:
    """``ChatOpenAI`` for ``model`` at ``base_url`` (no retries)."""
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        model=model,
        base_url=base_url,
        api_key=NO_KEY,  # type: ignore[arg-type]
        timeout=timeout,
        max_retries=0,
        stream_usage=True,
        **dict(client_kwargs or {}),
    )


def with_fallbacks(
    base_url: str,
    first: str,
    second: str,
    *,
    timeout: float = 60.0,
    client_kwargs: Mapping[str, Any] | None = None,
) -> Runnable[Any, Any]:
    """LangChain's own fallback chain: ``first.with_fallbacks([second])``."""
    primary = direct_model(base_url, first, timeout=timeout, client_kwargs=client_kwargs)
    backup = direct_model(base_url, second, client_kwargs=client_kwargs)
    return primary.with_fallbacks([backup])


def compiled_router(
    base_url: str,
    *,
    timeout: float | None = None,
    client_kwargs: Mapping[str, Any] | None = None,
    **options: Any,
) -> Any:
    """The compiled router graph over the local catalog (``options``: more create_router keywords)."""
    return create_router(
        catalog_for(base_url), timeout=timeout, client_kwargs=client_kwargs, **options
    ).compile()


def runnable_router_available() -> bool:
    """True once ``lg_router.RunnableRouter`` exists (written by another helper)."""
    try:
        from lg_router import RunnableRouter  # noqa: F401
    except ImportError:
        return False
    return True


def probe(fn: Any) -> str | None:
    """Call ``fn`` once; ``None`` if it works, else a one-line description of the failure."""
    try:
        fn()
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc).splitlines()[0][:120] if str(exc) else ''}"
    return None


def runnable_router(
    base_url: str,
    *,
    timeout: float | None = None,
    client_kwargs: Mapping[str, Any] | None = None,
    **options: Any,
) -> BaseChatModel:
    """``RunnableRouter`` over the local catalog (``options``: more constructor keywords)."""
    from lg_router import RunnableRouter  # type: ignore[attr-defined]

    kwargs: dict[str, Any] = {"catalog": catalog_for(base_url), **options}
    if timeout is not None:
        kwargs["timeout"] = timeout
    if client_kwargs:
        kwargs["client_kwargs"] = dict(client_kwargs)
    return RunnableRouter(**kwargs)  # type: ignore[no-any-return]
