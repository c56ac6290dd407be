from django.dispatch import Signal

# Sent after a provider-cancelled run commits: billing credits what was invoiced.
run_cancelled = Signal()
