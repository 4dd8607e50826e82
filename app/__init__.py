"""Gatewright: design, check and rehearse the procedures that take ML models to production."""

__version__ = "0.1.0"


def skip_pydantic_plugins() -> None:
    """Run without pydantic plugins (Gatewright uses none): finding them reads the metadata
    of every installed package, 30 to 50 ms of each start. Entry points call this first; a
    PYDANTIC_DISABLE_PLUGINS set by the user is left as it is."""
    import os

    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
