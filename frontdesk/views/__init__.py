"""The front desk's views, one module per log."""
