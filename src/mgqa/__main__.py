"""`python -m mgqa` is the `mgqa` command."""

from __future__ import annotations

from mgqa.cli import main

main()
