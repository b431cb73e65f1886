"""The package's one version: pyproject.toml's, read from the installed package's metadata."""

import importlib.metadata

try:
    __version__ = importlib.metadata.version("resandi-lite")
except importlib.metadata.PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"
