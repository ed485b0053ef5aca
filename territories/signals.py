"""Signals of the territories app, for apps whose data derive from the geography."""

from django.dispatch import Signal

# Sent once the official geography has been (re)loaded, inside the loading transaction:
# communes, EPCI and their départements may have changed.
territories_loaded = Signal()
