"""The anonymous page cache: whole Wagtail pages kept in the default cache (Redis in production,
local memory under `make run`) for visitors who are not signed in, plus the Cache-Control
headers that tell browsers and a CDN what they may keep.

A stored page is served before the session, the user, the site or the page tree is looked at,
so a hit costs two cache round trips and no query. Only what every anonymous visitor would be
sent is stored: a GET (or HEAD) answered 200 by Wagtail's page serving, to a request carrying
no session or messages cookie, whose response sets no cookie, printed no CSRF token or CSP
nonce, and is not a preview. Signed-in people are never sent a stored page, their pages (which
show their school's price) are never stored, and are marked `private, no-cache`.

Keys carry two versions, so forgetting is a single write whatever the number of query strings:
  - a generation for everything, renewed on publish, unpublish, move and delete, on any change
    to runs and sessions (the home page, strands and courses list them) and to the snippets and
    settings pages show;
  - a version per URL path, renewed for the course page when its places change (enrolments,
    waiting-list offers), which happens far more often than anything else and touches one page.
A render that began before a change is stored under the version it read, which nobody asks for
any more: a page can never be put back stale. Versions are renewed at once and again after the
commit, for a render that read the new version before the change was visible.

Pages that show places or dates (course, strand, home) live PAGE_CACHE_LIVE_SECONDS at most,
here and downstream, so even a lost purge or a time passing (booking windows, runs starting)
leaves them stale by seconds; other pages live longer here and at a CDN, which
wagtail.contrib.frontend_cache purges on publish (the page and its ancestors, which list it).
"""

import contextlib
import hashlib
import logging
import uuid

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpResponse
from django.urls import Resolver404, resolve
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.functional import SimpleLazyObject
from wagtail import hooks
from wagtail.signals import page_published, page_unpublished, post_page_move

logger = logging.getLogger(__name__)

GENERATION_KEY = "pagecache:generation"
PAGE_ATTR = "_page_cache_page"
HIT_HEADER = "X-Page-Cache"
VERSION_SECONDS = 24 * 3600  # outlives every stored page, so an expired version revives nothing
SERVE_VIEW = "wagtail_serve"


def _setting(name):
    return settings.PAGE_CACHE[name]


def _path_key(path):
    return "pagecache:path:" + hashlib.sha256(path.encode()).hexdigest()[:32]


def _entry_key(request, versions):
    parts = "\n".join(
        [request.scheme, request.get_host(), request.path, request.META.get("QUERY_STRING", "")]
    )
    digest = hashlib.sha256(parts.encode()).hexdigest()
    return f"pagecache:page:{versions[0]}:{versions[1]}:{digest}"


def _versions(path):
    keys = [GENERATION_KEY, _path_key(path)]
    found = cache.get_many(keys)
    return tuple(found.get(key, "0") for key in keys)


def _is_page_url(path):
    try:
        return resolve(path).url_name == SERVE_VIEW
    except Resolver404:
        return False


def _may_share(request):
    """Could this request be answered with what any anonymous visitor is sent?"""
    if request.method not in ("GET", "HEAD") or getattr(request, "is_dummy", False):
        return False  # is_dummy: Wagtail's preview (and its other page renders) runs this stack
    cookies = request.COOKIES
    if settings.SESSION_COOKIE_NAME in cookies or CookieStorage.cookie_name in cookies:
        return False
    return _is_page_url(request.path_info)


def _storable(request, response):
    cache_control = response.get("Cache-Control", "")
    vary = {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}
    return (
        request.method in ("GET", "HEAD")
        and response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")  # printed a CSRF token
        and not getattr(getattr(request, "csp_nonce", None), "used", False)
        and not getattr(request, "is_preview", False)
        and not request.user.is_authenticated
        and not any(word in cache_control for word in ("private", "no-store", "no-cache"))
        and vary <= {"cookie"}  # the anonymous copy differs by nothing but the cookie
    )


def _is_live(page):
    return page._meta.label_lower in _setting("LIVE_PAGE_TYPES")


def _mark_public(response, page):
    if _is_live(page):
        seconds = _setting("LIVE_SECONDS")
        patch_cache_control(response, public=True, max_age=seconds, s_maxage=seconds)
    else:
        patch_cache_control(
            response,
            public=True,
            max_age=_setting("BROWSER_SECONDS"),
            s_maxage=_setting("CDN_SECONDS"),
        )
    # A CDN must keep signed-in visitors (who carry a session cookie) apart.
    patch_vary_headers(response, ["Cookie"])


def _mark_private(response):
    if "Cache-Control" not in response:
        patch_cache_control(response, private=True, no_cache=True)


class PageCacheMiddleware:
    """Placed before the session, CSRF and authentication middleware, so a hit skips them and
    a miss sees the cookies and Vary headers they add."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _setting("ENABLED"):
            return self.get_response(request)
        key = None
        if _may_share(request):
            try:
                key = _entry_key(request, _versions(request.path))
                stored = cache.get(key)
            except DisallowedHost:  # CommonMiddleware answers it
                key = stored = None
            except Exception:  # the cache is down: pages are rendered as if it were empty
                logger.warning("page cache unavailable", exc_info=True)
                key = stored = None
            if stored is not None:
                return _from_stored(stored, request)
        response = self.get_response(request)
        page = getattr(request, PAGE_ATTR, None)
        if page is None:  # not a page Wagtail served
            return response
        if key is not None and _storable(request, response):
            _mark_public(response, page)
            response[HIT_HEADER] = "miss"
            seconds = _setting("LIVE_SECONDS") if _is_live(page) else _setting("SECONDS")
            with contextlib.suppress(Exception):  # the cache is a shortcut, never a dependency
                cache.set(key, _to_stored(response), seconds)
        else:
            _mark_private(response)
        return response


def _to_stored(response):
    headers = [(k, v) for k, v in response.items() if k != HIT_HEADER]
    return (response.status_code, headers, response.content)


def _from_stored(stored, request):
    status, headers, content = stored
    response = HttpResponse(b"" if request.method == "HEAD" else content, status=status)
    for name, value in headers:
        response[name] = value
    response["Content-Length"] = str(len(content))
    response[HIT_HEADER] = "hit"
    return response


def remember_page(page, request, serve_args, serve_kwargs):
    """before_serve_page: the middleware stores only what Wagtail served as a page."""
    setattr(request, PAGE_ATTR, page)


# --- forgetting ----------------------------------------------------------------------------


def _renew(keys):
    tokens = {key: uuid.uuid4().hex for key in keys}
    try:
        cache.set_many(tokens, VERSION_SECONDS)
    except Exception:  # stored pages then live out their (short) time
        logger.warning("page cache purge failed", exc_info=True)


def _now_and_on_commit(keys):
    _renew(keys)
    transaction.on_commit(lambda: _renew(keys))


def forget_everything():
    _now_and_on_commit([GENERATION_KEY])


def forget_paths(paths):
    if paths:
        _now_and_on_commit([_path_key(path) for path in paths])


def site_paths(url_path):
    """The URL paths a page (by its tree `url_path`) is served at, one per site it is under."""
    from wagtail.models import Site  # deferred: see connect()

    return sorted(
        {
            "/" + url_path[len(root.root_path) :]
            for root in Site.get_site_root_paths()
            if url_path.startswith(root.root_path)
        }
    )


def forget_course_of_run(run_id):
    from wagtail.models import Page  # deferred: see connect()

    url_path = (
        Page.objects.filter(coursepage__runs=run_id).values_list("url_path", flat=True).first()
    )
    if url_path:
        forget_paths(site_paths(url_path))


# --- receivers -----------------------------------------------------------------------------


def places_changed(sender, instance, **kwargs):
    """Enrolment or waiting-list entry saved or deleted: the course page's places left."""
    if kwargs.get("raw"):
        return
    # book_places() hands over the run with its course loaded: no query for the course's path.
    run = instance.run if sender.run.is_cached(instance) else None
    if run is not None and type(run).course.is_cached(run):
        forget_paths(site_paths(run.course.url_path))
    else:
        forget_course_of_run(instance.run_id)


def content_changed(sender=None, **kwargs):
    """A publish, a move, a run or session, or a snippet or setting that pages show."""
    if kwargs.get("raw"):
        return
    forget_everything()


def purge_frontend_ancestors(sender=None, instance=None, **kwargs):
    """wagtail.contrib.frontend_cache purges a published page's own URL; the pages above it
    list it (strands list courses, the home page the strands), so a CDN forgets them too."""
    if not getattr(settings, "WAGTAILFRONTENDCACHE", None) or instance is None:
        return
    from wagtail.contrib.frontend_cache.utils import PurgeBatch  # deferred: only with a CDN

    batch = PurgeBatch()
    batch.add_pages(instance.get_ancestors().live().specific().filter(depth__gt=1))
    batch.purge()


def places_shown_by(*models):
    """Called from the owning app's ready(): saving or deleting one of these changes a
    course page's places left (bookings' Enrolment, WaitingListEntry)."""
    for model in models:
        for signal in (post_save, post_delete):
            signal.connect(places_changed, sender=model, dispatch_uid=f"pagecache-{model}")


def content_shown_by(*models):
    """Called from the owning app's ready(): pages show these models' rows (runs, venues,
    site settings), so saving or deleting one forgets every cached page."""
    for model in models:
        for signal in (post_save, post_delete):
            signal.connect(content_changed, sender=model, dispatch_uid=f"pagecache-{model}")


def connect():
    """Called once from ProjectConfig.ready(): Wagtail's own pages and sites. The apps add
    their models through places_shown_by() and content_shown_by()."""
    # deferred: the middleware module is imported when settings load the middleware chain,
    # and Wagtail's models need the app registry
    from wagtail.models import Page, Site

    hooks.register("before_serve_page", remember_page)
    content_shown_by(Site)
    post_delete.connect(content_changed, sender=Page, dispatch_uid="pagecache-page-delete")
    for signal in (page_published, page_unpublished, post_page_move):
        signal.connect(content_changed, dispatch_uid="pagecache-content")
    for signal in (page_published, page_unpublished):
        signal.connect(purge_frontend_ancestors, dispatch_uid="pagecache-cdn")


def fragment_versions(request):
    """A context processor for the parts of a live page that are the same for everyone, drawn
    for people the page cache cannot serve (everyone signed in): `{% cache fragment_seconds
    name page.pk content_generation %}`. Keyed on the generation, so a publish, a run or a
    snippet changed is drawn anew at once; kept as long as an anonymous copy of a live page,
    for what time alone changes (a run starting). Read from the cache only when a page asks.
    A preview (a draft's content) and a switched-off page cache neither read nor keep one."""
    if getattr(request, "is_preview", False) or not _setting("ENABLED"):
        return {"fragment_seconds": 0, "content_generation": f"unkept-{uuid.uuid4().hex}"}
    return {
        "fragment_seconds": _setting("LIVE_SECONDS"),
        "content_generation": SimpleLazyObject(lambda: str(cache.get(GENERATION_KEY, "0"))),
    }
