"""Every package re-exports its modules' public names, in a sorted ``__all__``."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

import pytest

# Packages whose __init__ is the public face of their modules. Generated TL code has its own
# namespaces (types/functions) and is checked by the TL tests instead.
PACKAGES = [
    "tgcore",
    "tgcore.crypto",
    "tgcore.tl",
    "tgcore.mtproto",
    "tgcore.mtproto.transport",
    "tgcore.mtproto.handshake",
    "tgcore.mtproto.session",
    "tgcore.testing",
    "tgcore.cli",
    "tgcore.client",
    "tgcore.files",
    "tgcore.storage",
    "tgserver.gateway",
    "tgserver.rpc",
    "tgserver.rpc.handlers",
    "tgserver.store",
    "tgserver.services",
    "tgserver.services.sms",
    "tgserver.store.accounts",
    "tgserver.store.messages",
    "tgserver.store.chats",
    "tgserver.store.channels",
    "tgserver.services.channels",
    "tgserver.bus",
    "tgserver.media",
    "tgserver.botapi",
    "tgserver.store.bots",
    "tgserver.testing",
]


def _public_submodules(package: ModuleType) -> list[ModuleType]:
    modules = []
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("_") or info.name == "generated" or info.ispkg:
            continue
        modules.append(importlib.import_module(f"{package.__name__}.{info.name}"))
    return modules


@pytest.mark.parametrize("name", PACKAGES)
def test_all_is_sorted_and_resolvable(name: str) -> None:
    package = importlib.import_module(name)
    exported = list(package.__all__)
    assert exported == sorted(exported), f"{name}.__all__ is not sorted"
    assert len(set(exported)) == len(exported), f"{name}.__all__ has duplicates"
    missing = [n for n in exported if not hasattr(package, n)]
    assert not missing, f"{name}.__all__ names undefined attributes: {missing}"


@pytest.mark.parametrize("name", PACKAGES)
def test_package_reexports_its_modules(name: str) -> None:
    package = importlib.import_module(name)
    if not hasattr(package, "__path__"):
        pytest.fail(f"{name} is expected to be a package")
    exported = set(package.__all__)
    for module in _public_submodules(package):
        names = set(getattr(module, "__all__", ()))
        assert names, f"{module.__name__} has no __all__"
        not_reexported = sorted(names - exported)
        assert not not_reexported, (
            f"{name} does not re-export {not_reexported} of {module.__name__}"
        )


@pytest.mark.parametrize("name", PACKAGES)
def test_public_names_have_docstrings(name: str) -> None:
    package = importlib.import_module(name)
    assert package.__doc__, f"{name} has no module docstring"
    undocumented = []
    for attr in package.__all__:
        obj = getattr(package, attr)
        if callable(obj) and not getattr(obj, "__doc__", None):
            undocumented.append(attr)
    assert not undocumented, f"{name}: public names without docstrings: {undocumented}"
