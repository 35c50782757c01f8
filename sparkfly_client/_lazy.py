"""Import-on-first-use for the public names, so ``import sparkfly_client`` stays cheap."""

from __future__ import annotations

import importlib
from typing import Any, Callable, Dict, Iterable, List


def lazy_exports(package: str, exports: Dict[str, str], namespace: Dict[str, Any]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports ``exports[name]`` (a module path) when ``name`` is first used."""

    def __getattr__(name: str) -> Any:
        module_path = exports.get(name)
        if module_path is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module_path), name)
        namespace[name] = value  # later lookups are plain attribute hits
        return value

    return __getattr__


def lazy_dir(exports: Iterable[str], namespace: Dict[str, Any]) -> Callable[[], List[str]]:
    """A module ``__dir__`` that also lists the names not imported yet, so REPL completion offers them."""

    def __dir__() -> List[str]:
        return sorted({*namespace, *exports})

    return __dir__
