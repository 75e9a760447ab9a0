"""tracker: a terminal-first forecast and expectation tracker for analyst teams."""

from __future__ import annotations

__version__ = "0.1.0"
