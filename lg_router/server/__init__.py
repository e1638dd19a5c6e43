"""The OpenAI-compatible gateway: ``model="auto"`` over the router graph (extra ``server``).

::

    from lg_router.server import create_app

    app = create_app("oxlo", keys=["my-gateway-key"])  # any ASGI server: uvicorn, hypercorn

or ``lg-router serve``. Imports Starlette and prometheus_client, so it lives apart from
the core package.
"""

from lg_router.server.app import app_from_env, create_app
from lg_router.server.auth import GatewayKeys

__all__ = ["GatewayKeys", "app_from_env", "create_app"]
