"""Where the gateway meets the decision cache (``--cache``), until the router has one.

Health is passed to :func:`lg_router.graph.create_router` directly (``health=``). The
decision cache is an option of the memory work that is not in this build's
``create_router`` yet: this is the one place that passes it through, and it refuses the
option by name while ``create_router`` lacks it, rather than ignoring it.
"""

from __future__ import annotations

import inspect
from typing import Any

from lg_router.errors import InvalidOptionError
from lg_router.graph import create_router


def router_extras(*, cache: Any = None) -> dict[str, Any]:
    """The ``create_router`` keywords for ``cache`` (empty when ``None``).

    Raises:
        InvalidOptionError: a cache was asked for and ``create_router`` has no ``cache``.
    """
    if cache is None:
        return {}
    if "cache" not in inspect.signature(create_router).parameters:
        msg = "--cache is not available: this lg-router build's create_router() has no 'cache' option"
        raise InvalidOptionError(msg)
    return {"cache": cache}
