"""The product's client of the central loyalty API (ClientToolbox).

:mod:`kiosk.central.client` sends every call the kiosk makes, as the real service's public
clients send them (:mod:`kiosk.central.ledger_calls` holds the catalogue and transaction calls);
:mod:`kiosk.central.transport` is the HTTP exchange under one deadline per request;
:mod:`kiosk.central.answers` parses answers and cleans every text from the API;
:mod:`kiosk.central.records` reads them, in every shape the service uses, into typed results
where a missing value is unknown; :mod:`kiosk.central.stream` reads a search of every customer as
it arrives. The client depends on :mod:`kiosk.domain`, httpx and defusedxml only. The reference
server that stands in for the real API in tests and demos is a separate package,
:mod:`kiosk.reference`.
"""
