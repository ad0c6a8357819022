"""The API key's file: where systemd hands it over and whether the one named in the config is
safe to read.

Provides ``delivered_credential()`` (the copy ``LoadCredential=`` put in
``$CREDENTIALS_DIRECTORY``), ``check_credentials_file()`` (why a file is not private to the
kiosk's user, with the command that fixes it) and ``first_key()`` (the key line of the file's
text). Kept apart from :mod:`kiosk.settings` so that the file checks, which only need the
standard library, read on their own; the settings re-export what their users import.
"""

from __future__ import annotations

import os
import pwd
import stat
from collections.abc import Mapping
from pathlib import Path

SYSTEMD_CREDENTIAL = "api-key"
"""The name under which the units hand over the API key (``LoadCredential=api-key:...``)."""


def delivered_credential(environ: Mapping[str, str] | None = None) -> Path | None:
    """The API key file systemd delivered to this service, or None when not run that way.

    Under a unit with ``LoadCredential=api-key:/etc/kiosk/credentials``, systemd reads the file
    as root before the service starts and puts a copy, readable by the service's user only, in
    ``$CREDENTIALS_DIRECTORY``; the service itself needs no access to ``/etc/kiosk/credentials``.
    """
    env = os.environ if environ is None else environ
    directory = env.get("CREDENTIALS_DIRECTORY")
    if not directory:
        return None
    path = Path(directory) / SYSTEMD_CREDENTIAL
    return path if path.is_file() else None


def first_key(text: str) -> str:
    """The first line that is neither blank nor a ``#`` comment, stripped ("" if none)."""
    lines = (line.strip() for line in text.splitlines())
    return next((line for line in lines if line and not line.startswith("#")), "")


def check_credentials_file(path: Path) -> str | None:
    """Return why ``path`` is not a safe credentials file for the current user, or ``None``.

    Safe means: a regular file owned by the user running the kiosk, with no group/other bits.
    """
    where = "central.credentials_file"
    try:
        info = path.stat()
    except FileNotFoundError:
        return (
            f"{where}: {path} does not exist; create it holding only the API key, then: "
            f"chown {KIOSK_USER if os.geteuid() == 0 else user_name(os.geteuid())} {path} "
            f"&& chmod 0600 {path}"
        )
    except OSError as error:
        return f"{where}: cannot check {path}: {error.strerror} (is its directory readable by us?)"
    if not stat.S_ISREG(info.st_mode):
        return f"{where}: {path} is not a regular file"
    mode = stat.S_IMODE(info.st_mode)
    owner, me = user_name(info.st_uid), user_name(os.geteuid())
    wrong_owner = info.st_uid != os.geteuid()
    wrong_mode = bool(mode & 0o077) or not mode & stat.S_IRUSR
    if not (wrong_owner or wrong_mode):
        return None
    fixes = ([f"chown {me} {path}"] if wrong_owner else []) + (
        [f"chmod 0600 {path}"] if wrong_mode else []
    )
    why = (
        f"is owned by {owner}, but the kiosk runs as {me}"
        if wrong_owner
        else "must be readable by its owner only"
    )
    if wrong_owner and os.geteuid() == 0:
        # Root is never the kiosk's user: telling root to take the file would break the service.
        fixes = [fix for fix in fixes if not fix.startswith("chown")]
        head = f"{where}: {path} (owner {owner}, mode {mode:04o}) is checked here as root"
        return head + "; " + (f"fix: {fixes[0]};" if fixes else "") + ROOT_HINT.strip()
    return f"{where}: {path} (owner {owner}, mode {mode:04o}) {why}; fix: " + " && ".join(fixes)


KIOSK_USER = "kiosk"
"""The user the systemd units run the kiosk as (systemd/install.sh creates it)."""
ROOT_HINT = (
    f" the service runs as {KIOSK_USER}: run this check as that user, "
    f"with sudo -u {KIOSK_USER} kiosk config check"
)


def user_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"
