"""The front desk's selectors, one module per log."""
