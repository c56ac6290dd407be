"""Refusals: BillingError, whose message is fit to show the person who asked, the missing
billing address, and the small helpers that word refusals (a date, a list, a reason)."""


class BillingError(Exception):
    """A refusal with a message fit to show the person who asked."""


class IncompleteBillingAddress(BillingError):
    """An invoice or credit note cannot be issued: the account has nowhere to send it."""

    def __init__(self, account, missing):
        self.account = account
        self.missing = missing
        super().__init__(
            f"{account.name} has no complete billing address: missing {_and(missing)}. "
            "Set it on the account (Billing → Accounts), then issue again."
        )


def _and(words):
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def long_date(day):
    return f"{day.day} {day:%B %Y}"


def _reason(reason):
    reason = (reason or "").strip()
    if not reason:
        raise BillingError("Give a reason: it is kept with the correction for the audit trail.")
    return reason[:200]
