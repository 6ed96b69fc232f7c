"""The front desk's selectors, one module per log; the desk logs', keys', invoices' and the
knowledge base's reads (`desk`) are re-exported here so callers say `frontdesk.selectors.<name>`."""

from frontdesk.selectors.desk import (  # noqa: F401
    LATEST_ON_HOME,
    SEARCH_LIMIT,
    invoice_request_for_page,
    invoice_requests_for_list,
    invoiceable_bills,
    key_custodies_for_list,
    key_custody_for_page,
    keys_held_for_unit,
    latest_lost_items,
    lost_item_events,
    lost_item_for_page,
    lost_items_for_list,
    parcel_events,
    parcel_for_page,
    parcels_at_desk,
    parcels_for_list,
    search_knowledge,
    visitor_events,
    visitor_for_page,
    visitors_for_list,
    visitors_inside,
)
