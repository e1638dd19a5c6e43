"""Pieces of :class:`~lg_router.runnable.RunnableRouter`: options and structured output.

How per-call options are read and checked (configurable keys, bound and call keywords),
and how a structured-output schema becomes a forced tool call and a parser.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import Any

from langchain_core.output_parsers.openai_tools import JsonOutputKeyToolsParser, PydanticToolsParser
from langchain_core.runnables import Runnable, RunnableMap, RunnablePassthrough
from langchain_core.utils.function_calling import convert_to_openai_tool
from langchain_core.utils.pydantic import is_basemodel_subclass

from lg_router.catalog import ModelCatalog
from lg_router.catalog import resolve_catalog as catalog_from
from lg_router.errors import InvalidOptionError, NoFeasibleModelError
from lg_router.state import OPTION_KEYS

# configurable keys LangChain and LangGraph put there themselves.
FRAMEWORK_KEYS = frozenset({"thread_id", "checkpoint_id", "checkpoint_ns", "checkpoint_map", "run_id"})
# kwargs LangChain adds on its own to a call (consumed before the router sees them).
LANGCHAIN_CALL_KEYS = frozenset({"ls_structured_output_format", "structured_output_format", "stream"})
STRUCTURED_METHODS = ("function_calling", "json_schema", "json_mode")


def _is_framework_key(key: str) -> bool:
    return key in FRAMEWORK_KEYS or key.startswith(("__", "checkpoint"))


def _unknown(kind: str, keys: Sequence[str]) -> InvalidOptionError:
    hints = []
    for key in keys:
        close = difflib.get_close_matches(key, OPTION_KEYS, n=1)
        hints.append(f"{key!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    msg = f"unknown {kind} {', '.join(hints)} for RunnableRouter; routing options are {list(OPTION_KEYS)}"
    return InvalidOptionError(msg)


def configurable_options(configurable: Mapping[str, Any] | None) -> dict[str, Any]:
    """The routing options in ``config["configurable"]``, checking its keys.

    Inside a LangGraph run (``__pregel_*`` keys present) the configurable belongs to the
    user's graph and may carry keys of its own: only the routing options are read.
    Called directly, any key that is neither a routing option nor LangChain/LangGraph's
    own is a mistake (a typo) and raises.

    Raises:
        InvalidOptionError: naming the unknown key.
    """
    configurable = configurable or {}
    inside_graph = any(str(k).startswith("__pregel") for k in configurable)
    unknown = [k for k in configurable if k not in OPTION_KEYS and not _is_framework_key(str(k))]
    if unknown and not inside_graph:
        raise _unknown("configurable key(s)", unknown)
    return {k: configurable[k] for k in OPTION_KEYS if configurable.get(k) is not None}


def call_options(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """Routing options from call/bound kwargs; anything else raises (it cannot be forwarded)."""
    unknown = [k for k in kwargs if k not in OPTION_KEYS and k not in LANGCHAIN_CALL_KEYS]
    if unknown:
        raise _unknown("argument(s)", unknown)
    return {k: v for k, v in kwargs.items() if k in OPTION_KEYS and v is not None}


def structured_tool(schema: Any, strict: bool | None) -> dict[str, Any]:
    """``schema`` as an OpenAI tool, or a typed error saying why it cannot be one."""
    try:
        return convert_to_openai_tool(schema, strict=strict)
    except (ValueError, TypeError, NotImplementedError) as exc:
        msg = (
            f"cannot use {schema!r} as a structured-output schema: {exc}. "
            "Pass a pydantic model, a TypedDict or a JSON schema dict with a title"
        )
        raise InvalidOptionError(msg) from None


def structured_parser(schema: Any, name: str) -> Runnable[Any, Any]:
    """Parse the forced tool call: a pydantic instance for a model class, else a dict."""
    if isinstance(schema, type) and is_basemodel_subclass(schema):
        return PydanticToolsParser(tools=[schema], first_tool_only=True)
    return JsonOutputKeyToolsParser(key_name=name, first_tool_only=True)


def with_raw(model: Runnable[Any, Any], parser: Runnable[Any, Any]) -> Runnable[Any, Any]:
    """``{"raw", "parsed", "parsing_error"}``: a parse failure is reported, not raised."""
    parse = RunnablePassthrough.assign(parsed=itemgetter("raw") | parser, parsing_error=lambda _: None)
    no_parse = RunnablePassthrough.assign(parsed=lambda _: None)
    return RunnableMap(raw=model) | parse.with_fallbacks([no_parse], exception_key="parsing_error")


def require(catalog: ModelCatalog, pool: Sequence[str] | None, *capabilities: str) -> None:
    """Fail at bind time when no model of the default pool has all ``capabilities``.

    Raises:
        NoFeasibleModelError: naming what each model lacks.
    """
    excluded = {}
    for model_id in pool or catalog.ids:
        missing = [c for c in capabilities if c not in catalog[model_id].capabilities]
        if not missing:
            return
        excluded[model_id] = f"lacks {', '.join(missing)}"
    raise NoFeasibleModelError(excluded, needs=capabilities)


def structured_output(
    router: Any, schema: Any, *, include_raw: bool, method: str, strict: bool | None, **kwargs: Any
) -> Runnable[Any, Any]:
    """``router.with_structured_output``: a forced tool call of ``schema``, then a parser."""
    if kwargs:
        msg = f"unknown argument(s) {sorted(kwargs)} for with_structured_output"
        raise InvalidOptionError(msg)
    if method not in STRUCTURED_METHODS:
        msg = f"unknown method {method!r}; choose one of {list(STRUCTURED_METHODS)}"
        raise InvalidOptionError(msg)
    tool = structured_tool(schema, strict)
    name = tool["function"]["name"]
    require(router._catalog, router.models, "tools", "json")
    parser = structured_parser(schema, name)
    bound: dict[str, Any] = {
        "tools": [tool],
        "tool_choice": name,
        "needs_json": True,
        "ls_structured_output_format": {"kwargs": {"method": method, "strict": strict}, "schema": tool},
    }
    if include_raw:  # LangChain's semantics: the raw answer and the parsing error, no raise
        return with_raw(router.bind(**bound), parser)
    # An answer the parser rejects (no tool call, arguments off the schema) is a failed
    # attempt: the router falls back, and raises StructuredOutputError when all fail.
    return router.bind(**bound, answer_parser=parser) | parser


def resolve_catalog(catalog: Any) -> ModelCatalog:
    """A catalog from an instance, a preset name, a YAML path or ``None`` (the env's rule)."""
    return catalog_from(catalog)
