"""``RunnableRouter``: the router graph behind LangChain's chat-model interface."""

from lg_router.runnable.router import RunnableRouter

__all__ = ["RunnableRouter"]
