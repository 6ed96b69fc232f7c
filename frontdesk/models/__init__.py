"""The front desk's own records: visitors, lost and found, key custody, parcels, move-outs with
their release passes, invoice requests and the desk knowledge base. One module per log; each is
imported here so Django finds the models."""

from frontdesk.models.invoices import InvoiceRequest, InvoiceRequestBill, InvoiceRequestEvent  # noqa: F401
from frontdesk.models.keys import KeyCollector, KeyCustody, KeyCustodyEvent, KeyMovement  # noqa: F401
from frontdesk.models.knowledge import KnowledgeEntry  # noqa: F401
from frontdesk.models.lost_found import LostFoundRules, LostItem, LostItemEvent  # noqa: F401
from frontdesk.models.moveouts import MoveOut, MoveOutCounter, MoveOutEvent  # noqa: F401
from frontdesk.models.parcels import Parcel, ParcelEvent  # noqa: F401
from frontdesk.models.visitors import Visitor, VisitorEvent  # noqa: F401
