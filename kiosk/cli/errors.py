"""The one exception a sub-command raises to end with a message and an exit status.

Provides :class:`CommandError`. :func:`kiosk.cli.main` prints it (``error: ...`` on stderr) and
returns its status, so each command does not repeat the printing. Kept in a module of its own,
with no imports, so that catching it costs ``kiosk run`` nothing at start-up.
"""

from __future__ import annotations


class CommandError(Exception):
    """A command cannot go on; ``str()`` is the message for the person, ``status`` the exit code.

    Status 2 means "nothing to work on" (a missing file, a wrong option); 1 means it failed.
    """

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status
