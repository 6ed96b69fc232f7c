"""The front desk's api, one module per log."""
