"""`make loadtest`: a mixed Locust load (desk staff and portal residents) against gunicorn (issue #16)."""
