from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils.functional import SimpleLazyObject
from wagtail.models import Page, Site
from wagtail.signals import post_page_move

from courses.models import StrandPage

from .middleware import forget_sites

# Menus change only when pages are saved, published, unpublished, moved or deleted, and each of
# those forgets them (below); the expiry is a backstop for bulk updates that send no signal.
NAVIGATION_SECONDS = 600


def _key(site_id):
    return f"site-navigation:v2:{site_id}"


@dataclass(frozen=True)
class NavItem:
    """What a menu shows of a page, with its URL worked out once: pickling whole pages in and
    out of the cache and resolving each URL on every render cost more than the rest of a
    small page's render."""

    pk: int
    path: str
    title: str
    url: str
    hex_colour: str = ""

    @classmethod
    def of(cls, page, request):
        return cls(
            pk=page.pk,
            path=page.path,
            title=page.title,
            url=page.get_url(request=request) or "",
            hex_colour=getattr(page, "hex_colour", ""),
        )


def _navigation(request):
    site = Site.find_for_request(request) if request else None
    if site is None:
        return {"nav_pages": [], "nav_strands": []}
    navigation = cache.get(_key(site.pk))
    if navigation is None:
        root = site.root_page
        pages = root.get_children().live().in_menu().order_by("path")
        strands = StrandPage.objects.live().descendant_of(root).order_by("path")
        navigation = {
            "nav_pages": [NavItem.of(page, request) for page in pages],
            "nav_strands": [NavItem.of(strand, request) for strand in strands],
        }
        cache.set(_key(site.pk), navigation, NAVIGATION_SECONDS)
    return navigation


def site_navigation(request):
    """Menu pages and strands for the header and footer, on every public page: cached, as
    every page view would otherwise spend two page queries on them. Lazy, so templates that
    show no menus (the admin's) read nothing."""
    navigation = SimpleLazyObject(lambda: _navigation(request))
    return {
        "nav_pages": SimpleLazyObject(lambda: navigation["nav_pages"]),
        "nav_strands": SimpleLazyObject(lambda: navigation["nav_strands"]),
    }


def forget_navigation(sender=None, instance=None, **kwargs):
    if instance is None or isinstance(instance, Page | Site):
        # After the commit: a page view meanwhile would cache the menus as they were.
        transaction.on_commit(
            lambda: cache.delete_many(
                [_key(pk) for pk in Site.objects.values_list("pk", flat=True)]
            )
        )


def connect_signals():
    """Called from HomeConfig.ready(), so every process that changes pages, sites or the site
    settings forgets what is cached of them."""
    post_save.connect(forget_navigation, dispatch_uid="home.forget_navigation.save")
    post_delete.connect(forget_navigation, dispatch_uid="home.forget_navigation.delete")
    post_page_move.connect(forget_navigation, dispatch_uid="home.forget_navigation.move")
    post_save.connect(forget_sites, dispatch_uid="home.forget_sites.save")
    post_delete.connect(forget_sites, dispatch_uid="home.forget_sites.delete")
