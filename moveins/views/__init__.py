"""Move-in pages. `batches`: batches, slots and booking, spot checks, the warranty report and the
figures. Views parse input, call one service and respond."""
