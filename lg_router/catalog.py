"""The model catalog: which models exist, where they are served and what they can do.

A catalog is a frozen value. Building one reads no environment variable and opens no
connection; the API key's env var is only read when a model is first called
(see :mod:`lg_router.models`).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from lg_router.errors import CatalogError
from lg_router.yamlio import DuplicateKeyError, load_yaml

Capability = Literal[
    "general",
    "writing",
    "coding",
    "reasoning",
    "multilingual",
    "long_context",
    "vision",
    "tools",
    "json",
    "agents",
    "fast",
]
CAPABILITIES: frozenset[str] = frozenset(get_args(Capability))

DEFAULT_TIMEOUT = 60.0
DEFAULT_IDLE_TIMEOUT = 30.0
# A catalog of a few thousand models fits in well under 1 MB of YAML; anything larger is
# almost certainly the wrong file, and parsing it would stall every router built from it.
MAX_CATALOG_BYTES = 1024 * 1024

# The environment a catalog named by a string (or left out) is resolved with.
CATALOG_ENV = "LG_ROUTER_CATALOG"
BASE_URL_ENV = "LG_ROUTER_BASE_URL"
API_KEY_ENV_ENV = "LG_ROUTER_API_KEY_ENV"
DEFAULT_CATALOG = "oxlo"


class Pricing(BaseModel):
    """What a call costs. Every amount is optional: ``None`` means unknown, not free.

    ``per_request`` is a flat price per call; ``input_per_million`` and
    ``output_per_million`` are per-token prices. A model may have either or neither.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    currency: str = "USD"
    per_request: float | None = Field(default=None, ge=0)
    input_per_million: float | None = Field(default=None, ge=0)
    output_per_million: float | None = Field(default=None, ge=0)
    free_tier: bool = False

    @property
    def known(self) -> bool:
        """Whether any amount is known (or the model is free)."""
        return self.free_tier or any(
            v is not None for v in (self.per_request, self.input_per_million, self.output_per_million)
        )

    def estimate(self, input_tokens: int, output_tokens: int) -> float | None:
        """Estimated cost of one call, or ``None`` when the price is unknown."""
        if self.free_tier:
            return 0.0
        if self.per_request is not None:
            return self.per_request
        if self.input_per_million is None:
            return None
        cost = input_tokens * self.input_per_million / 1e6
        if self.output_per_million is not None:
            cost += output_tokens * self.output_per_million / 1e6
        return cost


class ModelSpec(BaseModel):
    """One routable model.

    ``strengths`` orders the categories the model is best at (first = primary); the
    rules classifier and the ranking policy read them, never hard-coded ids.
    ``quality`` and ``speed`` are relative hints from 1 (lowest) to 5 within a catalog.
    ``context_window`` ``None`` means unknown: the context constraint is not applied.
    ``languages`` names the human languages it handles well (``"Japanese"``, ...); a model
    with the ``multilingual`` capability handles all, one with neither is taken as English-only.
    ``timeout`` bounds a whole non-streamed answer; ``first_token_timeout`` a streamed
    call until its first token, ``idle_timeout`` the gap between two streamed chunks.
    ``prefill`` says the endpoint continues a trailing assistant message (used to
    continue an answer another model started; otherwise the router asks in words).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1)
    model: str | None = None
    base_url: str | None = None
    api_key_env: str | None = None
    description: str = ""
    capabilities: frozenset[Capability] = frozenset()
    strengths: tuple[Capability, ...] = ()
    context_window: int | None = Field(default=None, gt=0)
    max_output_tokens: int | None = Field(default=None, gt=0)
    pricing: Pricing = Pricing()
    quality: int = Field(default=3, ge=1, le=5)
    speed: int = Field(default=3, ge=1, le=5)
    timeout: float | None = Field(default=None, gt=0, le=86_400, allow_inf_nan=False, strict=True)
    first_token_timeout: float | None = Field(default=None, gt=0, le=86_400, allow_inf_nan=False, strict=True)
    idle_timeout: float | None = Field(default=None, gt=0, le=86_400, allow_inf_nan=False, strict=True)
    prefill: bool = False
    tier: str | None = None
    languages: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _strengths_are_capabilities(self) -> ModelSpec:
        missing = [s for s in self.strengths if s not in self.capabilities]
        if missing:
            msg = f"strengths {missing} must also be listed in capabilities"
            raise ValueError(msg)
        return self

    @property
    def provider_model(self) -> str:
        """The model name sent to the endpoint (``model`` if set, else ``id``)."""
        return self.model or self.id

    def can(self, capability: str) -> bool:
        """Whether the catalog declares ``capability`` for this model."""
        return capability in self.capabilities

    def handles(self, language: str) -> bool:
        """Whether the model handles a language (names as the rules detect them)."""
        if self.can("multilingual") or language == "English":
            return True
        low = language.lower()
        return any(name.lower() in low for name in self.languages)


class ModelCatalog(BaseModel):
    """A validated, frozen set of models plus catalog-wide defaults.

    Models inherit ``base_url`` / ``api_key_env`` from the catalog when they do not set
    their own; every model must end up with an endpoint.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = "custom"
    base_url: str | None = None
    api_key_env: str | None = None
    default_model: str | None = None
    default_timeout: float = Field(default=DEFAULT_TIMEOUT, gt=0, le=86_400, allow_inf_nan=False, strict=True)
    default_first_token_timeout: float | None = Field(
        default=None, gt=0, le=86_400, allow_inf_nan=False, strict=True
    )
    default_idle_timeout: float = Field(
        default=DEFAULT_IDLE_TIMEOUT, gt=0, le=86_400, allow_inf_nan=False, strict=True
    )
    default_max_output_tokens: int = Field(default=1024, gt=0)
    models: tuple[ModelSpec, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> ModelCatalog:
        seen: set[str] = set()
        for spec in self.models:
            if spec.id in seen:
                msg = f"model '{spec.id}': duplicate id"
                raise ValueError(msg)
            seen.add(spec.id)
            if not (spec.base_url or self.base_url):
                msg = f"model '{spec.id}': field 'base_url' is missing (set it on the model or the catalog)"
                raise ValueError(msg)
        if self.default_model is not None and self.default_model not in seen:
            msg = f"field 'default_model': '{self.default_model}' is not a model id of this catalog"
            raise ValueError(msg)
        return self

    # ----------------------------------------------------------------- access
    @property
    def ids(self) -> tuple[str, ...]:
        """Model ids in catalog order."""
        return tuple(m.id for m in self.models)

    def __getitem__(self, model_id: str) -> ModelSpec:
        for spec in self.models:
            if spec.id == model_id:
                return spec
        msg = f"unknown model id '{model_id}'; this catalog has {list(self.ids)}"
        raise KeyError(msg)

    def __contains__(self, model_id: object) -> bool:
        return any(m.id == model_id for m in self.models)

    def __len__(self) -> int:
        return len(self.models)

    def endpoint(self, model_id: str) -> tuple[str, str | None]:
        """``(base_url, api_key_env)`` that a model is served from.

        A model inherits the catalog's key env var only together with the catalog's
        endpoint: a model with a ``base_url`` of its own gets only its own
        ``api_key_env``, so one provider's key never goes to another host.
        """
        spec = self[model_id]
        if spec.base_url is None or _same_endpoint(spec.base_url, self.base_url):
            return (spec.base_url or self.base_url or ""), (spec.api_key_env or self.api_key_env)
        return spec.base_url, spec.api_key_env

    def timeout_for(self, model_id: str) -> float:
        """The model's own timeout, or the catalog default."""
        return self[model_id].timeout or self.default_timeout

    @property
    def fallback_default(self) -> str:
        """The model for ambiguous tasks: ``default_model`` or the first model."""
        return self.default_model or self.models[0].id

    # ------------------------------------------------------------ transforms
    def with_endpoint(self, base_url: str, *, api_key_env: str | None = None) -> ModelCatalog:
        """A copy whose models all go to one OpenAI-compatible endpoint, keeping their ids.

        The catalog's key goes with it only when ``base_url`` is the catalog's own
        endpoint: moving the models to another host without naming that host's key sends
        no key (a ``not-needed`` placeholder), never the previous provider's.

        Args:
            base_url: The endpoint, e.g. a gateway, proxy or ``http://127.0.0.1:8080/v1``.
            api_key_env: Env var holding that endpoint's key; ``None`` means none (unless
                ``base_url`` is the catalog's own endpoint, whose key is kept).
        """
        models = tuple(m.model_copy(update={"base_url": None, "api_key_env": None}) for m in self.models)
        env = api_key_env or (self.api_key_env if _same_endpoint(base_url, self.base_url) else None)
        return self.model_copy(update={"base_url": base_url, "api_key_env": env, "models": models})

    def subset(self, model_ids: list[str] | tuple[str, ...]) -> ModelCatalog:
        """A copy restricted to ``model_ids`` (unknown ids raise ``CatalogError``)."""
        unknown = [m for m in model_ids if m not in self]
        if unknown:
            msg = f"unknown model ids {unknown}; this catalog has {list(self.ids)}"
            raise CatalogError(msg)
        keep = tuple(m for m in self.models if m.id in set(model_ids))
        default = self.default_model if self.default_model in set(model_ids) else None
        return self.model_copy(update={"models": keep, "default_model": default})

    # ----------------------------------------------------------- constructors
    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "<dict>") -> ModelCatalog:
        """Validate a mapping (the YAML format) into a catalog.

        Raises:
            CatalogError: naming ``source``, the model id and the field that is wrong.
        """
        if not isinstance(data, Mapping):
            msg = f"{source}: a catalog must be a mapping with a 'models' list, got {type(data).__name__}"
            raise CatalogError(msg)
        try:
            return cls.model_validate(_normalise(data))
        except ValidationError as exc:
            raise CatalogError(_describe(exc, data, source)) from None

    @classmethod
    def from_yaml(cls, path: str | Path) -> ModelCatalog:
        """Load a catalog from a YAML file (see the README for the format)."""
        path = Path(path)
        try:
            with path.open("rb") as fh:
                raw = fh.read(MAX_CATALOG_BYTES + 1)
        except OSError as exc:
            msg = f"{path}: cannot read catalog file ({exc.strerror or exc})"
            raise CatalogError(msg) from None
        if len(raw) > MAX_CATALOG_BYTES:
            msg = (
                f"{path}: the catalog file is larger than {MAX_CATALOG_BYTES // (1024 * 1024)} MB; "
                "a catalog lists models, not data: check that this is the right file"
            )
            raise CatalogError(msg)
        try:
            data = load_yaml(raw.decode("utf-8"))
        except UnicodeDecodeError:
            msg = f"{path}: the catalog file is not UTF-8 text"
            raise CatalogError(msg) from None
        except DuplicateKeyError as exc:
            raise CatalogError(f"{path}: {exc}") from None
        except yaml.YAMLError as exc:
            msg = f"{path}: malformed YAML: {exc}"
            raise CatalogError(msg) from None
        return cls.from_dict(data, source=str(path))

    @classmethod
    def preset(cls, name: str) -> ModelCatalog:
        """A built-in catalog: ``"oxlo"`` (the default) or ``"tiers"``."""
        names = preset_names()
        if name not in names:
            msg = f"unknown catalog preset '{name}'; choose one of {names} or give a YAML file"
            raise CatalogError(msg)
        return _preset(name)

    @classmethod
    def load(cls, name_or_path: str | Path) -> ModelCatalog:
        """A preset by name, or a YAML file by path."""
        if isinstance(name_or_path, str) and name_or_path in preset_names():
            return cls.preset(name_or_path)
        return cls.from_yaml(name_or_path)


def resolve_catalog(
    catalog: ModelCatalog | str | Path | None = None,
    *,
    base_url: str | None = None,
    api_key_env: str | None = None,
) -> ModelCatalog:
    """The catalog every entry point uses: one rule, explicit arguments first.

    * A :class:`ModelCatalog` is used exactly as given (its endpoints included), unless
      ``base_url`` is passed.
    * A preset name or YAML path is loaded; ``None`` reads ``LG_ROUTER_CATALOG``
      (default ``oxlo``).
    * The endpoint is ``base_url``, else ``LG_ROUTER_BASE_URL``, else the catalog's own.
      Its key env var is ``api_key_env``, else ``LG_ROUTER_API_KEY_ENV``, else none: a
      provider's key is never sent to another endpoint (see :meth:`ModelCatalog.with_endpoint`).

    Raises:
        CatalogError: unknown preset, unreadable or invalid file.
    """
    if isinstance(catalog, ModelCatalog):
        cat = catalog
    else:
        cat = ModelCatalog.load(catalog or os.environ.get(CATALOG_ENV) or DEFAULT_CATALOG)
        base_url = base_url or os.environ.get(BASE_URL_ENV)
        api_key_env = api_key_env or os.environ.get(API_KEY_ENV_ENV)
    if base_url:
        cat = cat.with_endpoint(base_url, api_key_env=api_key_env or None)
    return cat


@functools.lru_cache(maxsize=8)
def _preset(name: str) -> ModelCatalog:
    """A built-in catalog, parsed once per process (catalogs are frozen values)."""
    ref = resources.files("lg_router") / "presets" / f"{name}.yaml"
    data = load_yaml(ref.read_text(encoding="utf-8"))
    return ModelCatalog.from_dict(data, source=f"preset '{name}'")


def preset_names() -> list[str]:
    """Names of the built-in catalog presets."""
    folder = resources.files("lg_router") / "presets"
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))


def _same_endpoint(url: str | None, other: str | None) -> bool:
    """Whether two base URLs name the same endpoint (a trailing ``/`` does not count)."""
    return url is not None and other is not None and url.rstrip("/") == other.rstrip("/")


def _normalise(data: Mapping[str, Any]) -> dict[str, Any]:
    """Accept ``models`` as a list or as a mapping ``id -> fields`` (YAML-friendly)."""
    out = dict(data)
    models = out.get("models")
    if isinstance(models, Mapping):
        out["models"] = [{"id": k, **(v or {})} for k, v in models.items()]
    return out


def _describe(exc: ValidationError, data: Mapping[str, Any], source: str) -> str:
    models = _normalise(data).get("models")
    lines = []
    for err in exc.errors():
        loc = list(err["loc"])
        where = ""
        if len(loc) >= 2 and loc[0] == "models" and isinstance(loc[1], int):
            idx = loc[1]
            model_id = None
            if isinstance(models, list) and idx < len(models) and isinstance(models[idx], Mapping):
                model_id = models[idx].get("id")
            where = f"model '{model_id}'" if model_id else f"models[{idx}]"
            loc = loc[2:]
        field = ".".join(str(p) for p in loc if not str(p).startswith("function-after"))
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "literal_error" and "capabilities" in field:
            message = f"unknown capability {err['input']!r}; allowed: {sorted(CAPABILITIES)}"
            field = "capabilities"
        parts = [p for p in (where, f"field '{field}'" if field else "") if p]
        lines.append(f"{source}: {': '.join([*parts, message])}")
    # A failed model also fails the tuple's length check; that line adds nothing.
    useful = [line for line in lines if "at least 1 item" not in line]
    return "\n".join(useful or lines)
