"""lg-router: a model router for LangChain and LangGraph.

Public API: :func:`route` (decision only), :func:`create_router` (the graph),
:class:`ModelCatalog` / :class:`ModelSpec`, the decision types and typed errors.
Heavy pieces (``ChatOpenAI``, the CLI) are imported only when used.
"""

from lg_router.catalog import ModelCatalog, ModelSpec, Pricing
from lg_router.classifiers import Classifier, HybridClassifier, LLMClassifier, RulesClassifier
from lg_router.decision import Attempt, RankedModel, RoutingDecision
from lg_router.errors import (
    CatalogError,
    InvalidOptionError,
    InvalidTaskError,
    LgRouterError,
    MissingAPIKeyError,
    NoFeasibleModelError,
    RetryBudgetExceededError,
    RoutingError,
    StreamInterruptedError,
    StructuredOutputError,
)
from lg_router.execution.retry import RetryBudget
from lg_router.graph import create_router
from lg_router.routing import aroute, route
from lg_router.runnable import RunnableRouter
from lg_router.state import RouterContext, RouterInput, RouterOutput, RouterState

__all__ = [
    "Attempt",
    "CatalogError",
    "Classifier",
    "HybridClassifier",
    "InvalidOptionError",
    "InvalidTaskError",
    "LLMClassifier",
    "LgRouterError",
    "MissingAPIKeyError",
    "ModelCatalog",
    "ModelSpec",
    "NoFeasibleModelError",
    "Pricing",
    "RankedModel",
    "RetryBudget",
    "RetryBudgetExceededError",
    "RouterContext",
    "RouterInput",
    "RouterOutput",
    "RouterState",
    "RoutingDecision",
    "RoutingError",
    "RulesClassifier",
    "RunnableRouter",
    "StreamInterruptedError",
    "StructuredOutputError",
    "aroute",
    "create_router",
    "route",
]
__version__ = "0.1.0"
