"""A progress bar on a terminal, nothing otherwise: for commands that take seconds.

Deliberately small (no `rich`: importing it would slow every command's start-up). The
bar is drawn on stderr with carriage returns, only when stderr is a terminal, at most
ten times a second, and erased when the work is done, so piped or captured output
never contains it.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

WIDTH = 30


class Progress:
    """Call with (done, total) as work advances; `close()` (or the with-block's end) erases the bar."""

    def __init__(self, label: str, stream: TextIO | None = None, interval: float = 0.1) -> None:
        self.label = label
        self.stream = sys.stderr if stream is None else stream
        self.interval = interval
        try:
            self.enabled = self.stream.isatty()
        except (AttributeError, ValueError):  # a closed or odd stream: no bar
            self.enabled = False
        self._last = 0.0
        self._drawn = False

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if done < total and now - self._last < self.interval:
            return
        self._last = now
        filled = WIDTH * done // total if total else WIDTH
        bar = "#" * filled + "-" * (WIDTH - filled)
        self.stream.write(f"\r{self.label} [{bar}] {done}/{total}")
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._drawn = False

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
