"""Old import paths of the renamed extraction package keep working.

The package was called `searchkit.extract`, which clashed with the function
`searchkit.extract()`: importing the package replaced the function on `searchkit`. It is now
`searchkit.extraction`; `from searchkit.extract.pipeline import load_nlp` and
`from searchkit.extract import extract_text` still work, and `searchkit.extract` stays the
function whatever was imported before. (`import searchkit.extract.pipeline as p` cannot:
Python resolves it through the attribute `searchkit.extract`, the function.)
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import types

OLD, NEW = "searchkit.extract", "searchkit.extraction"


class _OldPackage(types.ModuleType):
    """`searchkit.extract` as a module: attributes come from `searchkit.extraction`."""

    __path__: list[str] = []  # a package, so its submodules are looked up (by _OldNames)

    def __getattr__(self, name: str):
        return getattr(importlib.import_module(NEW), name)


class _OldNames(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Loads `searchkit.extract.X` as the module `searchkit.extraction.X` itself."""

    def find_spec(self, name, path=None, target=None):
        if name.startswith(OLD + "."):
            return importlib.util.spec_from_loader(name, self)
        return None

    def create_module(self, spec):
        module = importlib.import_module(NEW + spec.name[len(OLD):])
        spec.loader_state = module.__spec__  # the import system overwrites __spec__ next
        return module

    def exec_module(self, module) -> None:
        module.__spec__ = module.__spec__.loader_state  # executed already, under its new name


def install() -> None:
    """Register the old names (idempotent). Being in sys.modules first means an
    `import searchkit.extract` never sets the attribute over the function."""
    sys.modules.setdefault(OLD, _OldPackage(OLD))
    if not any(isinstance(f, _OldNames) for f in sys.meta_path):
        sys.meta_path.insert(0, _OldNames())
