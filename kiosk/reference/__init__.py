"""The reference central API: a stand-in for the ClientToolbox service, for tests and demos.

:mod:`kiosk.reference.server` serves it over HTTP (``kiosk central serve``, or
:func:`~kiosk.reference.server.start_server` in tests), :mod:`kiosk.reference.calls` answers
each call, :mod:`kiosk.reference.queries` reads customers, :mod:`kiosk.reference.store` holds the
account in an SQLite file of its own, :mod:`kiosk.reference.faults` injects failures. It imports
the pure rules of :mod:`kiosk.domain` and the standard library only: never the kiosk's storage,
sync, client or UI, so that it stays a model of the real service and not of our product.

It answers as the real service does, as its public clients show it (api-notes.md): the PHP
wrapper class and hotsite kit (multipart POST, XML), a C# module (``LaserSrl/Laser.Orchard.
Platform``, ``Laser.Orchard.FidelitySimsol/Services/SimsolSendService.cs``: urlencoded POST,
JSON, an ``errors`` list, ``campaigns``/``rewards`` of ``id``/``name``/``type``/``level``), a
Java client's request models (``API``, ``user_api_key``).

Control endpoints (loopback peers only, else 403; no credentials; never subject to faults):
``GET /_control/faults``, ``POST /_control/faults`` (a JSON :class:`FaultConfig`, replacing the
config in force and reseeding it), ``GET /_control/notifications`` (the M10 owner e-mails).

Choices made where the evidence is thin or silent (one place, on purpose):

- Requests: urlencoded POST, multipart POST and GET with a query string are all read
  (:mod:`kiosk.reference.forms`); a GET without a query string gets 405 (it cannot be a call).
  A field given twice: the last one counts (as PHP reads form data). ``user_api_key`` stands for
  ``user_password`` when that is missing; the ``api_access_key`` header wins over both (A1).
  ``API`` and ``hide_customer_field`` are accepted with any call and change nothing.
- Errors are HTTP 200 with ``status="error"`` in the body, including a body over 1 MB, invalid
  UTF-8, too many fields and an unknown ``type``. JSON errors are ``{"status": "error",
  "error": message}`` exactly, as rule R4 documents, although the public JSON clients read an
  ``errors`` list (the kiosk's client reads both); XML has one ``<error>``. A path other than
  ``/`` or ``/api.php`` gets 404. An unexpected exception in the server (a bug) gets HTTP 500
  with an error body, since its outcome is honestly unknown.
- A1 for calls other than ``record_customer``: ``customer_action`` is not required. Fields a
  call does not know are refused with an error (a typing error is never silently ignored);
  the extra fields real clients send are known.
- ``record_customer``: a ``campaign_id`` list (``1,3``) enrols the customer in each campaign
  (shown by ``customer_info``); ``auto_add`` needs exactly one campaign. Campaign types are the
  real ones (points, giftcard, buyx, earned, events); ``visits`` and ``dollars``, which earlier
  versions used, are still accepted and kept as given (a count and money).
- ``customer_search``: partial matching is a case-insensitive substring match (Unicode case
  folding); ``exact_match=sensitive|insensitive`` compares whole values; ``customer_PIN`` and
  ``customer_password`` are accepted as criteria beside another field (hashes are checked for
  at most 20 candidates). Nothing found is ``no_match``. XML repeats ``<customer>`` under
  ``<response>``. Records list every profile field (empty when unset) and ``custom_field_N``
  values; with ``include_balances=Y`` a ``campaigns`` list of ``campaign_id``,
  ``campaign_name``, ``campaign_type``, ``balance`` and ``item`` (the product of a buy-X
  balance) (the public clients do not show the per-customer shape; we keep the names of
  ``customer_balance``, which the client reads as well as ``id``/``name``/``type``).
- ``customer_info``: ``code`` wins over ``card_number``; a card number is matched like rule M4
  (several customers: error; none: a code equal to it); unknown: ``no_match``. The answer is
  ``customer`` plus a separate top-level ``campaigns`` list (``id``, ``name``, ``type``,
  ``balance``, ``cumulative``, dates, ratios, ``available_rewards``; ``items`` for buy-X). In
  JSON the customer is also repeated as a one-entry ``customers`` list, the shape earlier
  versions of this server answered (kept for scripts written against them; real clients ignore
  unknown keys).
- ``validate_customer_password``: by code, card number, username or phone; an unknown customer,
  a wrong secret and a customer without a PIN all answer ``status="error"``; with both a
  password and a PIN, both must match. No lock-out here (the kiosk's own S9 lock applies).
- ``generate_card_number``: ``how_many_digits`` counts the whole number, prefix and suffix
  included (4 to 32, as rule A5); answers ``card_number`` at the top level. Not reserved.
- Transactions and their history: see :mod:`kiosk.reference.activity`; the catalogue
  (``campaigns_list``, ``campaign_rewards``, ``manage_fields``, this server's
  ``manage_campaigns``): see :mod:`kiosk.reference.catalog`.
- M10: the owner "e-mail" is a row in the ``notifications`` table; nothing is sent.
- Faults apply to every API call (reads included), never to ``/_control``.
"""
