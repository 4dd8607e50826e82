"""Gatewright: design, check and rehearse the procedures that take ML models to production."""

__version__ = "0.1.0"
