"""Where the gateway meets shared health and the decision cache (``--health`` / ``--cache``).

Both are options of :func:`lg_router.graph.create_router` (``health=``, ``cache=``: a
Redis URL shares them across every worker and replica). The gateway resolves the health
store itself (it reads breaker states for ``/metrics`` and the status page) and passes
both through here; an option this build's ``create_router`` lacks is refused by name.
"""

from __future__ import annotations

import inspect
from typing import Any

from lg_router.errors import InvalidOptionError
from lg_router.graph import create_router


def router_extras(health: Any = None, cache: Any = None) -> dict[str, Any]:
    """The ``create_router`` keywords for ``health`` and ``cache`` (left out when ``None``).

    Raises:
        InvalidOptionError: one was given but this build's ``create_router`` has no such
            option.
    """
    accepted = inspect.signature(create_router).parameters
    extras: dict[str, Any] = {}
    for name, value in (("health", health), ("cache", cache)):
        if value is None:
            continue
        if name not in accepted:
            msg = f"--{name} is not available: this lg-router build's create_router() has no '{name}' option"
            raise InvalidOptionError(msg)
        extras[name] = value
    return extras
