"""Odd input answers a clear 4xx, never a server error.

Walks every URL pattern the project serves (its own, Wagtail's admin and allauth's) and
sends a fixed set of hostile values: into each path parameter, into every query parameter
the views read, and into every field of every form the pages offer. It does so as an
anonymous visitor, a teacher, a CPD lead and a superuser; every answer must be below 500.

Each request runs in a savepoint that is rolled back, with the client's cookies restored
afterwards, so a form that deletes, signs out or closes an account leaves the sweep where
it was. Failures are collected and listed together."""

import copy
import re
import time
from html.parser import HTMLParser
from urllib.parse import quote, urlencode, urljoin, urlsplit

import pytest
from django.apps import apps
from django.db import transaction
from django.test import Client
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RegexPattern, RoutePattern
from django.views.generic.list import MultipleObjectMixin

from tests import people as via
from tests.factories.accounts import PASSWORD

HOSTILE = [
    "²",  # str.isdigit() says yes, int() says no
    "١٢",  # Arabic-Indic digits: int() reads them as 12
    "ab\x00cd",  # PostgreSQL refuses NUL in text
    "1e3",
    "-1",
    str(10**30),  # beyond PostgreSQL's bigint
    "9" * 5000,  # 5,000 characters, and more digits than int() will read
    "<script>alert(1)</script>",
]

# Every query parameter a view reads (grep request.GET), beyond the names of the fields
# of GET forms found on the page itself, which the sweep adds per page.
QUERY_PARAMS = [
    "page", "p", "q", "partial", "school", "delegate", "added", "status", "person", "when",
    "number", "year", "invoice", "account", "start", "end", "format", "table", "export",
    "next", "ordering", "la", "strand", "run", "session", "id", "pk", "date", "from", "to",
]  # fmt: skip

THIRD_PARTY = {"wagtail", "allauth", "django", "modelcluster", "taggit"}
ROLES = ["anonymous", "teacher", "cpd_lead", "superuser"]


# -- The URL patterns ---------------------------------------------------------------------


class Slot:
    def __init__(self, name):
        self.name = name


def _segments(pattern):
    """One level of a URL pattern as literal strings and Slots for its parameters."""
    if isinstance(pattern, RoutePattern):
        parts = re.split(r"<(?:\w+:)?(\w+)>", str(pattern._route))
        return [Slot(p) if i % 2 else p for i, p in enumerate(parts) if p or i % 2]
    assert isinstance(pattern, RegexPattern), pattern
    regex, out, i, n = pattern._regex.lstrip("^").rstrip("$"), [], 0, 0
    while i < len(regex):
        ch = regex[i]
        if ch == "\\":
            out.append(regex[i + 1])
            i += 2
        elif ch == "(":
            depth, j = 0, i
            while True:
                if regex[j] == "\\":
                    j += 2
                    continue
                if regex[j] == "[":
                    j = regex.index("]", j + 1)
                depth += {"(": 1, ")": -1}.get(regex[j], 0)
                j += 1
                if depth == 0:
                    break
            named = re.match(r"\(\?P<(\w+)>", regex[i:j])
            out.append(Slot(named.group(1) if named else f"group{n}"))
            n += 1
            i = j
        else:
            out.append(ch)
            i += 1
    return out


def url_patterns(patterns=None, prefix=()):
    """(segments, URLPattern) for every pattern the project resolves, however deeply included."""
    for p in get_resolver().url_patterns if patterns is None else patterns:
        here = (*prefix, *_segments(p.pattern))
        if isinstance(p, URLResolver):
            yield from url_patterns(p.url_patterns, here)
        elif isinstance(p, URLPattern):
            yield here, p


def render(segments, values):
    """The path, with values[slot] for each parameter, URL-quoted as a browser would send it."""
    return "/" + "".join(quote(values[s], safe="/") if isinstance(s, Slot) else s for s in segments)


def is_admin(segments):
    return isinstance(segments[0], str) and segments[0].startswith("admin/")


# -- Valid values, so the other parameters of a pattern reach the view ---------------------


def sample_values(people):
    from accounts.models import JoinRequest, Membership
    from billing.models import Account, CreditNote, Invoice
    from bookings.models import Certificate, Enrolment
    from home.models import HomePage

    school = people["school_a"]
    enrolment = Enrolment.objects.filter(booking__school=school).order_by("pk").first()
    run = enrolment.run
    account = Account.objects.filter(school=school).first()
    certificate = Certificate.objects.first()
    samples = {
        "school_id": school.pk,
        "membership_id": Membership.objects.filter(school=school).first().pk,
        "request_id": getattr(JoinRequest.objects.first(), "pk", 1),
        "run_id": run.pk,
        "session_id": run.sessions.first().pk,
        "enrolment_id": enrolment.pk,
        "reference": enrolment.booking.reference,
        "account_id": getattr(account, "pk", 1),
        "invoice_id": getattr(Invoice.objects.first(), "pk", 1),
        "credit_note_id": getattr(CreditNote.objects.first(), "pk", 1),
        "number": certificate.number if certificate else "X",
        "page_id": HomePage.objects.first().pk,
        "parent_page_id": HomePage.objects.first().pk,
        "user_id": people["teacher_a"].pk,
        "slug": "x",
    }
    return {k: str(v) for k, v in samples.items()}


def value_for(slot, pattern, samples):
    """A value that names something real, where the sweep can tell what the slot means."""
    model = getattr(pattern.callback, "view_initkwargs", {}).get("model")
    if isinstance(model, str):
        model = apps.get_model(model)
    if slot.name in ("pk", "object_id") and model is not None:
        first = model._default_manager.order_by("pk").first()
        return quote(str(first.pk), safe="") if first else "1"
    return samples.get(slot.name, "" if slot.name.startswith("group") else "1")


# -- Forms, read from the pages as a browser would ----------------------------------------


class Forms(HTMLParser):
    """The forms on a page: method, action and their fields with default values."""

    def __init__(self):
        super().__init__()
        self.forms, self._form, self._select = [], None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            method = (a.get("method") or "get").lower()
            self._form = {"method": method, "action": a.get("action") or "", "fields": {}}
            self.forms.append(self._form)
        elif self._form is None or not a.get("name"):
            return
        elif tag == "input" and a.get("type") not in ("submit", "button", "image", "file"):
            if a.get("type") in ("checkbox", "radio") and a["name"] in self._form["fields"]:
                return
            self._form["fields"][a["name"]] = a.get("value") or ""
        elif tag == "textarea":
            self._form["fields"][a["name"]] = ""
        elif tag == "select":
            self._select = a["name"]
            self._form["fields"][a["name"]] = ""
        elif tag == "option" and self._select and not self._form["fields"][self._select]:
            self._form["fields"][self._select] = a.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def forms_on(response, path):
    if "html" not in response.get("Content-Type", "") or response.status_code != 200:
        return []
    parser = Forms()
    parser.feed(response.content.decode(errors="replace"))
    found = []
    for form in parser.forms:
        action = urljoin(path, form["action"])
        if urlsplit(action).netloc not in ("", "testserver"):
            continue
        form["action"] = urlsplit(action)._replace(scheme="", netloc="").geturl()
        form["fields"].pop("csrfmiddlewaretoken", None)
        found.append(form)
    return found


# -- The sweep ----------------------------------------------------------------------------


class Sweep:
    def __init__(self):
        self.failures, self.requests = [], 0

    def send(self, client, role, method, path, data=None):
        """One request in a savepoint that is rolled back, the client's cookies restored."""
        saved = copy.deepcopy(client.cookies)
        with transaction.atomic():
            response = getattr(client, method)(path, data or {})
            transaction.set_rollback(True)
        client.cookies = saved
        self.requests += 1
        if response.status_code >= 500:
            shown = {k: v[:12] for k, v in list((data or {}).items())[:4]} if data else ""
            self.failures.append(
                f"{response.status_code} {role} {method.upper()} {path[:120]} {shown}"[:300]
                + f"\n      {_cause(response)}"
            )
        return response

    def report(self):
        assert not self.failures, (
            f"{len(self.failures)} of {self.requests} hostile requests answered 5xx:\n"
            + "\n".join(self.failures)
        )


def _cause(response):
    """The exception behind a 5xx and the innermost frame that raised it, for the report."""
    exc_info = getattr(response, "exc_info", None)
    if not exc_info:
        return "(no exception)"
    import traceback

    frame = traceback.extract_tb(exc_info[2])[-1]
    where = frame.filename.split("site-packages/")[-1].replace("/work/", "")
    return f"{exc_info[0].__name__}: {str(exc_info[1])[:100]} at {where}:{frame.lineno}"


def _view(path):
    try:
        return resolve(urlsplit(path).path)
    except Resolver404:
        return None


def ours(path):
    """Served by the project's own code (its views, or its Wagtail pages)."""
    match = _view(path)
    if match is None:
        return False
    return (
        match.url_name == "wagtail_serve" or match.func.__module__.split(".")[0] not in THIRD_PARTY
    )


def lists(path):
    """A listing view, which reads its page, ordering and filters from the query."""
    view_class = getattr(getattr(_view(path), "func", None), "view_class", None)
    return view_class is not None and issubclass(view_class, MultipleObjectMixin)


def rotations(names, at_least):
    """Ways to give `names` parameters the hostile values, a different one each, so that
    together they send every value and each parameter gets at least `at_least` of them."""
    step = max(1, min(names, len(HOSTILE) // at_least))

    def turn(k):
        return lambda keys: {key: HOSTILE[(i + k) % len(HOSTILE)] for i, key in enumerate(keys)}

    return [turn(k) for k in range(0, len(HOSTILE), step)]


def signed_in(role):
    client = Client(raise_request_exception=False)
    email = {"teacher": "teacher@oakfield.sch.uk", "cpd_lead": "cpdlead@oakfield.sch.uk"}
    if role == "superuser":
        email = {"superuser": "admin@example.gov.uk"}
    if role != "anonymous":
        assert via.sign_in(client, email[role], PASSWORD).status_code == 302
    return client


def page_urls():
    """One live Wagtail page of each page type: their forms are the site's public forms."""
    from wagtail.models import Page

    seen, urls = set(), []
    for page in Page.objects.live().filter(depth__gt=1).order_by("path"):
        if page.content_type_id not in seen:
            seen.add(page.content_type_id)
            urls.append(page.url)
    return [u for u in urls if u]


@pytest.fixture
def patterns():
    return list(url_patterns())


def test_every_pattern_counts(patterns):
    """The walk reaches the admin's and allauth's patterns, not only the project's."""
    paths = ["".join(s if isinstance(s, str) else "<>" for s in segs) for segs, _ in patterns]
    assert len(patterns) > 300
    assert any(p.startswith("admin/pages/") for p in paths)
    assert any(p.startswith("accounts/login/") for p in paths)
    assert "certificates/<>/" in paths


@pytest.mark.parametrize("role", ROLES)
def test_hostile_values_in_path_query_and_forms_never_answer_5xx(role, patterns, demo, people):
    """On the demo programme: the sweep wants one of every page type, with a booked place,
    an account and the forms editors make, which is what the demo is."""
    samples = sample_values(people)
    client = signed_in(role)
    sweep = Sweep()
    started = time.monotonic()
    # The admin turns away everyone but staff before any view runs: the superuser sweeps it.
    mine = [(s, p) for s, p in patterns if role == "superuser" or not is_admin(s)]
    # Wagtail's "failwhale" raises on purpose, to test error reporting.
    mine = [(s, p) for s, p in mine if p.name != "wagtailadmin_error_test"]

    # 1. Each hostile value in each path parameter, the others naming real things.
    for segments, pattern in mine:
        slots = [s for s in segments if isinstance(s, Slot)]
        valid = {s: value_for(s, pattern, samples) for s in slots}
        for slot in slots:
            for value in HOSTILE:
                path = render(segments, {**valid, slot: value.replace("/", "")})
                # A view that only takes POST answers a GET before it reads its ids.
                if sweep.send(client, role, "get", path).status_code == 405:
                    sweep.send(client, role, "post", path, {"x": "1"})
    print(f"{role}: path {sweep.requests} requests in {time.monotonic() - started:.0f} s")

    # 2. Every page the role can open, with hostile values in every query parameter: each
    #    value in turn where the view reads its query (ours, listings, pages with a GET
    #    form), one value a page elsewhere, which keeps the admin's sweep short.
    pages = [render(s, {x: value_for(x, p, samples) for x in s if isinstance(x, Slot)})
             for s, p in mine]  # fmt: skip
    plain = {render(s, {}) for s, _ in mine if not any(isinstance(x, Slot) for x in s)}
    pages += page_urls()
    forms = {}
    for n, path in enumerate(dict.fromkeys(pages)):
        response = sweep.send(client, role, "get", path)
        if response.status_code != 200:
            continue
        found = forms_on(response, path)
        params = set(QUERY_PARAMS)
        for form in found:
            if form["method"] == "get":
                params.update(form["fields"])
            else:
                forms.setdefault((form["action"], frozenset(form["fields"])), form)
        if ours(path):
            # Each parameter with each value in turn.
            for value in HOSTILE:
                sweep.send(client, role, "get", f"{path}?{urlencode(dict.fromkeys(params, value))}")
        elif lists(path) or any(f["method"] == "get" for f in found) or path in plain:
            # Wagtail's and allauth's views: every value at once, a different one in each
            # parameter (twice over for listings and filtered pages). A page with a path
            # parameter that reads no query had every value in the path already.
            reads = lists(path) or any(f["method"] == "get" for f in found)
            for turn in rotations(len(params), 2 if reads else 1):
                sweep.send(client, role, "get", f"{path}?{urlencode(turn(sorted(params)))}")

    print(f"{role}: query {sweep.requests} requests in {time.monotonic() - started:.0f} s")
    # 3. Every form. Ours: each value in all fields at once, then each field on its own with
    #    the others as the page filled them in. Others: every value at once, rotated.
    for form in forms.values():
        fields = form["fields"]
        if not fields:  # a confirmation: nothing to put a value in
            sweep.send(client, role, "post", form["action"])
        elif ours(form["action"]):
            for value in HOSTILE:
                sweep.send(client, role, "post", form["action"], dict.fromkeys(fields, value))
            for i, name in enumerate(fields):
                hostile = {**fields, name: HOSTILE[i % len(HOSTILE)]}
                sweep.send(client, role, "post", form["action"], hostile)
        else:
            for turn in rotations(len(fields), 2):
                sweep.send(client, role, "post", form["action"], turn(list(fields)))

    print(f"{role}: {sweep.requests} requests in {time.monotonic() - started:.0f} s")
    sweep.report()


# -- The examples from the report, one by one ---------------------------------------------


def test_a_nul_in_the_address_query_or_form_answers_400(site):
    client = Client(raise_request_exception=False)
    for response in (
        client.get("/certificates/AB%00CD/"),
        client.get("/courses/", {"q": "maths\x00"}),
        client.post("/accounts/signup/", {"email": "a\x00@oakfield.sch.uk"}),
    ):
        assert response.status_code == 400
        assert b"NUL" in response.content


@pytest.mark.parametrize("page", ["²", "١٢", "1e3", "-1", str(10**30), "9" * 5000])
def test_odd_page_numbers_on_the_course_finder_show_the_first_page(site, page):
    response = Client(raise_request_exception=False).get("/courses/", {"page": page})
    assert response.status_code == 200


@pytest.mark.parametrize("school_id", [str(10**30), "9" * 30])
def test_an_id_beyond_the_database_is_no_page(people, school_id):
    client = signed_in("cpd_lead")
    assert client.get(f"/account/school/{school_id}/").status_code == 404
    assert client.get(f"/bookings/place/{school_id}/impact/").status_code == 404


def test_a_certificate_number_that_cannot_be_one_is_a_form_error(site):
    response = Client(raise_request_exception=False).get(
        "/certificates/", {"number": "<script>alert(1)</script>"}
    )
    assert response.status_code == 200
    assert b"That is not a certificate number" in response.content


def test_a_superscript_digit_is_not_a_school_urn(people):
    client = signed_in("teacher")
    response = client.get("/account/school/find/", {"q": "²²"})
    assert response.status_code == 200


def test_sign_in_with_a_provider_that_is_not_set_up_is_no_page(site):
    client = Client(raise_request_exception=False)
    assert client.get("/accounts/google/login/").status_code == 404
    assert client.get("/accounts/microsoft/login/callback/").status_code == 404
