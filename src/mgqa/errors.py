"""One base for every error a user or an operator can cause: the CLI and the app catch it in one place."""

from __future__ import annotations


class MgqaError(Exception):
    """Something a person can fix; the message is one line naming what to do."""
