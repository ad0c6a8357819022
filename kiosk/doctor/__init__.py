"""``kiosk doctor``: every check of an installed kiosk, above the packages it checks.

Provides :mod:`kiosk.doctor.checkup` (``Check``, ``DoctorContext``: what a check is given and
returns), :mod:`kiosk.doctor.database` (the local SQLite file: integrity, schema, queue, disk)
and :mod:`kiosk.doctor.central` (the central API: address, DNS, TLS, credentials). The command
itself, and the checks of the config, credentials file, reader and clock, are in
:mod:`kiosk.cli.system`. This package may import storage, central and the settings; none of
those import it, so storage never depends on the settings.
"""
