"""Who may see which account's invoices, credit notes, payments and statements.

A school's finance contacts and headteacher see its account; a trust's finance contacts see the
trust's account (a centrally billed trust's invoices) and its schools'; a consortium's budget is
seen by the finance contacts and headteachers of its member schools, and by its leads (what the
shared budget paid for); accounts.permissions says who holds which trust or consortium role.
Council staff with billing permission see every account, but through the admin: the school
finance pages list none for them.
Everyone else gets a 404, so ids reveal nothing."""

from django.db.models import Q
from django.http import Http404

from accounts import permissions
from accounts.models import Membership
from accounts.permissions import holds_staff_powers

from .models import Account, CreditNote, Invoice


def _finance_or_head_schools(user):
    return (
        Membership.objects.filter(user=user)
        .filter(Q(is_finance=True) | Q(is_headteacher=True))
        .values("school")
    )


def _finance_trusts(user):
    return permissions.trusts_for(user, permissions.FINANCE).values("pk")


def accounts_for(user):
    """The accounts `user` holds a finance role for (never every account, even for staff).
    Council staff hold none this way: they see accounts only through billing permissions
    (`sees_every_account`), so a school role given to one of them opens nothing."""
    if not user.is_authenticated or not user.is_active or holds_staff_powers(user):
        return Account.objects.none()
    schools = _finance_or_head_schools(user)
    trusts = _finance_trusts(user)
    return (
        Account.objects.filter(
            Q(school__in=schools)
            | Q(school__trust__in=trusts)
            | Q(trust__in=trusts)
            | Q(consortium__schools__in=schools)
            | Q(consortium__in=permissions.consortia_for(user).values("pk"))
        )
        .distinct()
        .select_related("school", "trust", "consortium")
    )


def sees_every_account(user):
    """Council finance staff, who look after every account in the admin."""
    return user.is_authenticated and user.is_active and user.has_perm("billing.view_invoice")


def has_finance_pages(user):
    return accounts_for(user).exists()


def _visible(user):
    if sees_every_account(user):
        return Account.objects.all()
    return accounts_for(user)


def account_or_404(user, account_id):
    try:
        return _visible(user).get(pk=account_id)
    except (Account.DoesNotExist, ValueError, TypeError):
        raise Http404("No such account") from None


def invoice_or_404(user, invoice_id):
    """An issued (or since voided) invoice of an account `user` may see. Drafts are nobody's
    business outside the admin: they are not invoices yet."""
    try:
        return (
            Invoice.objects.exclude(status=Invoice.Status.DRAFT)
            .filter(account__in=_visible(user))
            .select_related("account__school", "account__trust", "account__consortium")
            .get(pk=invoice_id)
        )
    except (Invoice.DoesNotExist, ValueError, TypeError):
        raise Http404("No such invoice") from None


def credit_note_or_404(user, credit_note_id):
    try:
        return (
            CreditNote.objects.filter(account__in=_visible(user))
            .select_related("invoice", "account")
            .get(pk=credit_note_id)
        )
    except (CreditNote.DoesNotExist, ValueError, TypeError):
        raise Http404("No such credit note") from None
