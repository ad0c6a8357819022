"""The doctor's check of the name this kiosk signs its credits with: ``check_kiosk_name``.

Every credit the kiosk sends carries the tag ``kiosk:<store>:<kiosk>:<entry>`` (issue 12), which
the central API keeps with the transaction and shows in the shop's reports. Two counters that
share a kiosk name still never share a tag (the entry part is random), but the owner cannot
tell their credits apart; every Raspberry Pi is called ``raspberrypi`` until renamed.
Provides ``DOCTOR_CHECKS``.
"""

from __future__ import annotations

import socket

from kiosk.doctor.checkup import Check, DoctorCheck, DoctorContext
from kiosk.sync.credits import tag_prefix

FACTORY_HOST_NAMES = frozenset(("raspberrypi", "localhost", "debian", "ubuntu", "dietpi"))
"""Host names an operating system image ships with: the same on every counter of a shop."""


def check_kiosk_name(ctx: DoctorContext) -> Check:
    """Shows the tag prefix; says so when the kiosk signs with a host name every Pi shares."""
    name = "kiosk name"
    settings = ctx.settings
    if settings is None:
        return Check.skip(name)
    host = socket.gethostname()
    prefix = tag_prefix(settings.store_name, settings.kiosk_name or host)
    if settings.kiosk_name:
        return Check(name, True, f"credits are tagged {prefix}:<entry>")
    detail = f"credits are tagged {prefix}:<entry> (kiosk_name is not set: the host name)"
    if host.split(".")[0].lower() in FACTORY_HOST_NAMES:
        detail += (
            f"; {host!r} is the name every new Pi has: a second counter would sign its credits "
            'the same; give each counter its own kiosk_name = "counter-1" in the config'
        )
    return Check(name, True, detail)


DOCTOR_CHECKS: list[DoctorCheck] = [check_kiosk_name]
