"""The front desk's own records: visitors, lost and found, key custody, parcels, move-outs with
their release passes, invoice requests and the desk knowledge base. One module per log; each is
imported here so Django finds the models."""

from frontdesk.models.moveouts import MoveOut, MoveOutCounter, MoveOutEvent  # noqa: E402,F401
