"""The project's version, in one place: pyproject.toml reads it, both tools print it."""

__version__ = "0.2.0"
