"""Registries of sources and analysers, like spaCy's factories.

Built-in components register with the same decorators a user's plugin would use. Plugins
installed as packages are found through the entry-point groups ``antena.sources`` and
``antena.analysers``; ``antena.toml`` then names the components a project uses.
"""

from __future__ import annotations

import importlib
import pkgutil
import warnings
from importlib.metadata import entry_points
from typing import Any, TypeVar

from antena.errors import FormatError, ProjectError

T = TypeVar("T")

# `antena predict TASK`: the analysers each task chains, in order (also used by the evaluations)
PREDICT_TASKS = {
    "language": ["language"],
    "relevance": ["normalise", "relevance"],
    "topics": ["normalise", "topics"],
    "sentiment": ["normalise", "language", "sentiment"],
    "target-sentiment": ["normalise", "language", "target_sentiment"],
    "emotion": ["normalise", "language", "emotion"],
    "awareness": ["awareness"],
}

_REGISTRIES: dict[str, dict[str, type]] = {"sources": {}, "analysers": {}}
_LOADED: set[str] = set()
FAILED: dict[str, str] = {}  # module -> error, for components that failed to load
_BUILTIN_PACKAGES = {"sources": "antena.sources", "analysers": "antena.nlp"}


def _register(kind: str, cls: type[T]) -> type[T]:
    name = getattr(cls, "name", "")
    if not name:
        raise ValueError(f"{cls.__qualname__} declares no `name`")
    existing = _REGISTRIES[kind].get(name)
    if existing is not None and existing is not cls:
        raise ValueError(f"two {kind} are named {name!r}: {existing.__module__} and {cls.__module__}")
    _REGISTRIES[kind][name] = cls
    return cls


def register_source(cls: type[T]) -> type[T]:
    """Class decorator: make a ``Source`` subclass available by its ``name``."""
    return _register("sources", cls)


def register_analyser(cls: type[T]) -> type[T]:
    """Class decorator: make an ``Analyser`` subclass available by its ``name``."""
    return _register("analysers", cls)


def _load(kind: str) -> None:
    if kind in _LOADED:
        return
    _LOADED.add(kind)
    package = importlib.import_module(_BUILTIN_PACKAGES[kind])
    for info in pkgutil.iter_modules(package.__path__):
        if not info.name.startswith("_") and info.name not in ("base",):
            _try_load(kind, f"{package.__name__}.{info.name}", importlib.import_module)
    for entry in entry_points(group=f"antena.{kind}"):
        _try_load(kind, entry.value, lambda _name, entry=entry: entry.load())


def _try_load(kind: str, name: str, loader: Any) -> None:
    """Load one component module; a broken one is reported, not allowed to hide the others."""
    try:
        loader(name)
    except Exception as exc:  # a plugin's bug must not stop every import
        FAILED[name] = f"{type(exc).__name__}: {exc}"
        warnings.warn(f"antena could not load {kind} module {name}: {exc}", stacklevel=3)


def sources() -> dict[str, type]:
    """All registered source classes by name (built-ins and plugins)."""
    _load("sources")
    return dict(sorted(_REGISTRIES["sources"].items()))


def analysers() -> dict[str, type]:
    """All registered analyser classes by name (built-ins and plugins)."""
    _load("analysers")
    return dict(sorted(_REGISTRIES["analysers"].items()))


def get_source(name: str, **options: Any) -> Any:
    available = sources()
    if name not in available:
        raise FormatError(f"unknown format {name!r}; known formats: {', '.join(available)}")
    return available[name](**options)


def get_analyser(name: str, **config: Any) -> Any:
    available = analysers()
    if name not in available:
        raise ProjectError(f"unknown analyser {name!r}; known analysers: {', '.join(available)}")
    return available[name](**config)
