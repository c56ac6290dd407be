"""Platform helpers every app may use: the lowest layer, importing no app of ours.

A plain package, not a Django app: it has no models, templates, migrations or signals, so
there is nothing to register. Add it to INSTALLED_APPS when the first of those arrives."""
