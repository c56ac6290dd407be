"""Feed tokens: each person's and each school's secret feed address, rotating it, and
finding the feed a token names."""

import hmac
import secrets

from django.db.models import OuterRef

from accounts import permissions
from core.params import parse_int

from ..models import CalendarFeed


def feed_for(user, school=None):
    """The person's own feed, or (given `school`) their own address for that school's
    calendar, made on first use. The caller has checked that they manage the school."""
    kind = CalendarFeed.Kind.SCHOOL if school else CalendarFeed.Kind.PERSONAL
    feed, _ = CalendarFeed.objects.get_or_create(
        kind=kind, user=user, school=school, defaults={"secret": secrets.token_urlsafe(32)}
    )
    return feed


def rotate(feed):
    """A new secret: the old address stops working at once."""
    feed.secret = secrets.token_urlsafe(32)
    feed.save(update_fields=["secret"])
    return feed


def _manages_the_school():
    """Whether the feed's holder is a manager of the feed's school (a CPD lead or headteacher
    there, or its trust's CPD lead), as a subquery, so the right is checked in the query that
    finds the feed."""
    return permissions.manages_expression(OuterRef("user_id"), OuterRef("school_id"))


def feed_from_token(token, kind):
    """The feed a token opens, or None. The secret is compared in constant time, and the
    holder's right is checked now, not only when it changes: an open account, and for a
    school's calendar still one of its managers (or the council's service staff)."""
    raw_id, _, secret = (token or "").partition(".")
    feed_id = parse_int(raw_id, minimum=1)
    if feed_id is None or not secret:
        return None
    feeds = CalendarFeed.objects.select_related("school", "user").filter(
        pk=feed_id, kind=kind, user__is_active=True, user__closed_at__isnull=True
    )
    if kind == CalendarFeed.Kind.SCHOOL:
        feeds = feeds.annotate(manages=_manages_the_school())
    feed = feeds.first()
    if feed is None or not hmac.compare_digest(feed.secret.encode(), secret.encode()):
        return None
    if kind == CalendarFeed.Kind.SCHOOL and not (
        feed.manages or permissions.is_service_staff(feed.user)
    ):
        return None
    return feed


def forget_school_feed(user_id, school_id):
    """Delete someone's address for a school's calendar when they stop managing it, so the
    same address never comes back if they are made a manager again."""
    CalendarFeed.objects.filter(
        kind=CalendarFeed.Kind.SCHOOL, user_id=user_id, school_id=school_id
    ).delete()
