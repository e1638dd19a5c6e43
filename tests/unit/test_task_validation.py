"""Bad task input is refused up front with an InvalidTaskError, before any model is called.

Each case goes through the three ways a task enters the router: ``route()``,
``RunnableRouter.invoke`` and the compiled graph, whose models are fakes that record
their calls (so "never called" is checked, not assumed).
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
from langchain_core.messages import HumanMessage

from lg_router import InvalidTaskError, ModelCatalog, RunnableRouter, create_router, route
from tests.support.fakes import fakes, small_catalog


def _catalog() -> ModelCatalog:
    """The fakes' catalog, every model able to see images."""
    data = small_catalog().model_dump(exclude_none=True)
    for model in data["models"]:
        model["capabilities"] = [*model["capabilities"], "vision"]
    return ModelCatalog.from_dict(data)


PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 16).decode()


def _image(url: Any) -> dict[str, Any]:
    return {"type": "image_url", "image_url": {"url": url}}


def _user(*parts: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"role": "user", "content": [{"type": "text", "text": "describe this"}, *parts]}]


BAD_TASKS: dict[str, tuple[Any, str]] = {
    "tool message without tool_call_id": (
        [{"role": "user", "content": "what is 2+2?"}, {"role": "tool", "content": "4"}],
        "message 1 (role 'tool') has no 'tool_call_id'",
    ),
    "lone surrogate in a string": ("fix \ud800 this", "position 4"),
    "lone surrogate in a message part": (
        [{"role": "user", "content": [{"type": "text", "text": "ok \udfff"}]}],
        "message 0, part 0, position 3",
    ),
    "image part without url": (_user({"type": "image_url", "image_url": {}}), "message 0, part 1"),
    "image part with a non-string url": (_user(_image(42)), "message 0, part 1"),
    "image part with a malformed url": (_user(_image("not a url")), "message 0, part 1"),
    "image part with a non-image data url": (
        _user(_image("data:text/plain;base64,aGVsbG8=")),
        "message 0, part 1",
    ),
    "image part with bad base64": (_user(_image("data:image/png;base64,***")), "message 0, part 1"),
    "image block without a source": (_user({"type": "image"}), "message 0, part 1"),
}


@pytest.fixture(params=sorted(BAD_TASKS), ids=lambda s: s.replace(" ", "-"))
def bad(request: pytest.FixtureRequest) -> tuple[Any, str]:
    return BAD_TASKS[request.param]


def test_route_refuses_bad_task(bad: tuple[Any, str]) -> None:
    task, where = bad
    with pytest.raises(InvalidTaskError) as info:
        route(task, catalog=_catalog())
    assert where in str(info.value)


def test_runnable_invoke_refuses_bad_task_without_calling_a_model(bad: tuple[Any, str]) -> None:
    task, where = bad
    models = fakes()
    router = RunnableRouter(_catalog(), chat_models=models)
    with pytest.raises(InvalidTaskError) as info:
        router.invoke(task)
    assert where in str(info.value)
    assert all(not m.calls for m in models.values())


# Dicts given to the graph itself are converted by the state's messages reducer (LangGraph's
# add_messages, wrapped) before any node runs; the tool-message case is reported from there.
GRAPH_CASES = sorted(k for k in BAD_TASKS if not k.startswith("tool message"))


@pytest.mark.parametrize("case", sorted(k for k in BAD_TASKS if k.startswith("tool message")))
def test_graph_refuses_tool_message_without_id_before_any_node(case: str) -> None:
    task, _ = BAD_TASKS[case]
    models = fakes()
    graph = create_router(_catalog(), chat_models=models).compile()
    with pytest.raises(InvalidTaskError, match="tool_call_id"):
        graph.invoke({"messages": task})
    assert all(not m.calls for m in models.values())


@pytest.mark.parametrize("case", GRAPH_CASES)
def test_graph_refuses_bad_task_without_calling_a_model(case: str) -> None:
    task, where = BAD_TASKS[case]
    models = fakes()
    graph = create_router(_catalog(), chat_models=models).compile()
    messages = [HumanMessage(task)] if isinstance(task, str) else task
    with pytest.raises(InvalidTaskError) as info:
        graph.invoke({"messages": messages})
    assert where in str(info.value)
    assert all(not m.calls for m in models.values())


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/cat.png",
        "http://127.0.0.1:8/x.jpg",
        f"data:image/png;base64,{PNG}",
        f"data:image/png;base64,{PNG[:-2]}",  # unpadded base64 is common in the wild
    ],
)
def test_good_image_parts_still_route(url: str) -> None:
    decision = route(_user(_image(url)), catalog=_catalog())
    assert decision.ranked


def test_image_url_as_plain_string_and_langchain_image_block_route() -> None:
    plain = _user({"type": "image_url", "image_url": "https://example.com/a.png"})
    block = _user({"type": "image", "url": "https://example.com/a.png"})
    b64_block = _user({"type": "image", "base64": PNG, "mime_type": "image/png"})
    for task in (plain, block, b64_block):
        assert route(task, catalog=_catalog()).ranked
