"""The product's client of the central loyalty API (ClientToolbox), and its ``doctor`` checks.

:mod:`kiosk.central.client` sends every call the kiosk makes; :mod:`kiosk.central.answers` reads
the answers in every shape the real service uses. The client depends on :mod:`kiosk.domain`
only. The reference server that stands in for the real API in tests and demos is a separate
package, :mod:`kiosk.reference`.
"""
