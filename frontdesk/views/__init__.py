"""The front desk's pages, one module per log; `frontdesk/urls.py` names each view by its module."""
