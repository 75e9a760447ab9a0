"""What every command needs: the database URL, who is acting, and the clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import typer

from tracker.config import current_time, database_url, environment, forecaster_name


@dataclass(frozen=True)
class Settings:
    """Resolved once per invocation by the root callback."""

    db_option: str | None
    debug: bool

    @property
    def url(self) -> str:
        return database_url(self.db_option, environment())

    def now(self) -> datetime:
        return current_time(environment())

    def who(self, as_name: str | None) -> str:
        return forecaster_name(as_name, environment(), self.url)

    def viewer(self, as_name: str | None) -> str | None:
        """Who reads, for blind questions: the acting person as `who` finds them, or None when
        there is no name to be had (then blind questions show nobody's forecasts)."""
        from tracker.errors import InputError

        try:
            return self.who(as_name)
        except InputError:
            return None


def settings(ctx: typer.Context) -> Settings:
    """The settings of this invocation (set by the root callback)."""
    root = ctx.find_root()
    found = root.obj
    if isinstance(found, Settings):
        return found
    return Settings(db_option=None, debug=False)
