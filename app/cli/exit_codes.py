"""The exit codes of the contract (CONTRACTS section 7), for every command to share."""

from __future__ import annotations

EXIT_OK = 0
"""Success: promote, healthy, valid."""
EXIT_NEGATIVE = 1
"""The verdict is negative: validation errors, reject, rollback."""
EXIT_UNUSABLE = 2
"""The input cannot be used, or the command was misused."""
EXIT_HOLD = 3
"""Hold or inconclusive: a person must look."""
EXIT_INTERNAL = 70
"""A defect of Gatewright itself (EX_SOFTWARE)."""
EXIT_INTERRUPTED = 130
"""Stopped by Ctrl-C, as shells report SIGINT."""
