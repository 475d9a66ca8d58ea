"""The toolkit's version, apart from the package root so that any module can read it without
importing the whole library (``coding/__init__.py`` imports the facade)."""

__version__ = "0.1.0"
