"""Pure rules, no I/O: what the kiosk decides without a file, a device, a network or a screen.

The ``record_customer`` edit engine (:mod:`~kiosk.domain.edit_rules`, rules A*/M* of
edit-semantics.md) and its fields (:mod:`~kiosk.domain.fields`), the API's answers rendered
(:mod:`~kiosk.domain.render`, R1-R4) and its messages (:mod:`~kiosk.domain.api_messages`),
rewards and points arithmetic (:mod:`~kiosk.domain.rewards`), PIN hashing and the one
card-masking rule (:mod:`~kiosk.domain.secrets`), the one API-address rule
(:mod:`~kiosk.domain.addresses`) and the API's credentials (:mod:`~kiosk.domain.credentials`).
Every other package of the kiosk may import this one; it imports none of them.
"""
