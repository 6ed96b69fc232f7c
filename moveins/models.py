"""Move-in and handover (入伙): the owner's checklist, charges, the unit inspection and its defects,
keys, batches with appointment slots, spot checks and handover satisfaction."""
