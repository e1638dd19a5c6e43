"""Reading YAML: the safe loader (libyaml's C parser when PyYAML has it), no duplicate keys.

PyYAML keeps the last of two equal keys silently; for a catalog that means one model
quietly replacing another, so the loader refuses them and names both lines.
"""

from __future__ import annotations

from typing import Any

import yaml

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class DuplicateKeyError(yaml.YAMLError):
    """A mapping names the same key twice (PyYAML would keep the last one silently)."""


class YamlLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """PyYAML's safe loader (the libyaml C parser when built in) refusing duplicate keys."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        first: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                earlier = first.setdefault(key, key_node)
            except TypeError:  # an unhashable key: the base class reports it
                continue
            if earlier is not key_node:
                msg = (
                    f"duplicate key {key!r} on line {key_node.start_mark.line + 1} "
                    f"(first on line {earlier.start_mark.line + 1}); each key, and each model "
                    "id of the 'models' mapping, may appear once"
                )
                raise DuplicateKeyError(msg)
        return super().construct_mapping(node, deep)


def load_yaml(text: str) -> Any:
    """Parse catalog YAML with :class:`YamlLoader` (raises ``yaml.YAMLError``)."""
    return yaml.load(text, Loader=YamlLoader)
