"""Personal data the apps above accounts hold about a person (UK GDPR, SECURITY.md). Each app
that keeps some registers, in its AppConfig.ready(), how to export it for "Download my data" and
how to erase it when the person closes their account; accounts calls them without importing
those apps (the import rule, docs/architecture.md)."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Holder:
    exporter: Callable  # exporter(user) -> a dict of JSON-ready sections for the download
    eraser: Callable  # eraser(user), inside the closing transaction, with the user row locked


_holders: dict[str, Holder] = {}


def register(app_label, *, exporter, eraser):
    """One entry per app; registering again replaces it (ready() may run twice in tests)."""
    _holders[app_label] = Holder(exporter, eraser)


def export(user, data):
    """Add every app's sections to `data`, the account's own export. A section never replaces
    one already there: two apps claiming the same name is a mistake to find at once."""
    for app_label, holder in _holders.items():
        sections = holder.exporter(user)
        if clash := data.keys() & sections.keys():
            raise ValueError(f"{app_label} exports sections already exported: {sorted(clash)}")
        data.update(sections)
    return data


def erase(user):
    for holder in _holders.values():
        holder.eraser(user)
