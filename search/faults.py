"""Named points on the write path where a test can stop a writer dead (kill -9) to prove crash safety.

Production code only calls reached(); nothing happens unless a test has set `hook`.
"""
from __future__ import annotations

from typing import Callable

hook: Callable[[str], None] | None = None


def reached(point: str) -> None:
    if hook is not None:
        hook(point)
