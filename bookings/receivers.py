"""Calendar addresses follow school roles: whoever stops managing a school (removed from its
staff list, roles changed, account closed, or edited in the admin) loses their address for
its calendar. feed_from_token checks the right on every request as well; this makes sure
the same address is not revived if they are made a manager again."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from accounts import permissions
from accounts.models import Membership

from . import calendar


@receiver(post_save, sender=Membership, dispatch_uid="bookings.feed_follows_roles")
def _roles_changed(sender, instance, **kwargs):
    if not any(getattr(instance, permissions.ROLE_FIELDS[r]) for r in permissions.MANAGERS):
        calendar.forget_school_feed(instance.user_id, instance.school_id)


@receiver(post_delete, sender=Membership, dispatch_uid="bookings.feed_follows_membership")
def _left_the_school(sender, instance, **kwargs):
    calendar.forget_school_feed(instance.user_id, instance.school_id)
