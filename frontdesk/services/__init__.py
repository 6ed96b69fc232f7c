"""The front desk's writes, one module per log (each function takes the acting user and runs in
one transaction). Key custody, invoice requests and the knowledge base live here; the other desk
logs add their own modules."""
