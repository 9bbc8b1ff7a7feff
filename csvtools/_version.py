"""The project's version, in one place: pyproject.toml reads it, both tools print it."""

__version__ = "0.2.0"

#: What ``csvtools --version`` prints (click's version option in ``cli.py``, and ``__main__`` before click loads).
VERSION_LINE = f"csvtools, version {__version__}"
