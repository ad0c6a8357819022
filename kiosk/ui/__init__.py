"""The kiosk's Textual interface; ``build_app()`` in :mod:`kiosk.ui.app` wires it together.

Screens (``screens/``) post typed messages or ``dismiss`` a result, and
:mod:`~kiosk.ui.navigation` (the app's base) decides what comes next; :mod:`~kiosk.ui.visit`
decides what a swipe leads to, without Textual; :mod:`~kiosk.ui.idle` is the one inactivity
timer; the words people read live in ``wording``, ``credit``, ``queue_words`` and
``reward_words``; settings reach widgets through :func:`kiosk.ui.config.current_config`; work
that touches the database off the event loop goes through :mod:`~kiosk.ui.background` and
:mod:`~kiosk.ui.status_poll`. It imports ``kiosk.sync``, ``kiosk.storage`` and
``kiosk.domain``, never the CLI, the doctor or the reference server.
"""
