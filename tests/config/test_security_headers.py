"""Security headers on public and admin pages, the CSP's deploy check, and a scan of every
template for inline script that the public policy would block."""

import re
from pathlib import Path

import pytest
from django.core import checks
from django.http import HttpResponse
from django.template import Context, Template
from django.test import RequestFactory, override_settings

from core.checks import check_content_security_policy
from core.csp import ContentSecurityPolicyMiddleware

ROOT = Path(__file__).resolve().parents[2]
SKIP_DIRS = {".venv", "node_modules", "staticfiles", ".git", "media"}


def directives(header):
    """'a x y; b z' -> {'a': ['x', 'y'], 'b': ['z']}"""
    parsed = {}
    for part in header.split(";"):
        name, *sources = part.split()
        parsed[name] = sources
    return parsed


@pytest.fixture
def public_response(client, site):
    return client.get("/")


def test_public_page_csp_allows_scripts_from_this_site_only(public_response):
    csp = directives(public_response["Content-Security-Policy"])
    assert csp["script-src"] == ["'self'"]
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    # Style attributes (strand colours) are allowed; <style> elements are not.
    assert "'unsafe-inline'" not in csp["style-src"]


def test_public_page_sends_the_other_security_headers(public_response):
    r = public_response
    assert r["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert r["X-Content-Type-Options"] == "nosniff"
    assert r["X-Frame-Options"] == "DENY"
    assert r["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = dict(item.strip().split("=") for item in r["Permissions-Policy"].split(","))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert policy[feature] == "()", feature


def test_admin_page_gets_the_admin_policy_with_inline_scripts_but_no_eval(client, people):
    client.force_login(people["staff"])
    response = client.get("/admin/")
    assert response.status_code == 200
    csp = directives(response["Content-Security-Policy"])
    assert "'unsafe-inline'" in csp["script-src"]  # Wagtail's own inline init scripts
    assert "'unsafe-eval'" not in csp["script-src"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'self'"]
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in response["Permissions-Policy"]


def test_the_admin_policy_is_not_sent_outside_the_admin(client, people):
    client.force_login(people["staff"])
    response = client.get("/programme/")
    assert "'unsafe-inline'" not in directives(response["Content-Security-Policy"])["script-src"]


def test_a_preview_gets_the_public_policy_but_may_be_framed_by_the_editor(site):
    from home.models import HomePage

    response = HomePage.objects.get().make_preview_request()
    csp = directives(response["Content-Security-Policy"])
    assert csp["script-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'self'"]


def test_a_view_that_sets_its_own_policy_keeps_it(client):
    """Wagtail serves documents and images with `default-src 'none'`; we do not loosen it."""
    request = RequestFactory().get("/documents/1/file.pdf")
    response = HttpResponse("x")
    response["Content-Security-Policy"] = "default-src 'none'"
    middleware = ContentSecurityPolicyMiddleware(lambda r: response)
    assert middleware(request)["Content-Security-Policy"] == "default-src 'none'"


def test_a_nonce_printed_by_a_template_is_added_to_script_src():
    template = Template('<script nonce="{{ request.csp_nonce }}">go()</script>')

    def view(request):
        return HttpResponse(template.render(Context({"request": request})))

    response = ContentSecurityPolicyMiddleware(view)(RequestFactory().get("/book/1/"))
    nonce = re.search(r'nonce="([^"]+)"', response.content.decode()).group(1)
    assert len(nonce) >= 20
    script_src = directives(response["Content-Security-Policy"])["script-src"]
    assert script_src == ["'self'", f"'nonce-{nonce}'"]


def test_no_nonce_is_announced_when_no_template_printed_one():
    response = ContentSecurityPolicyMiddleware(lambda r: HttpResponse("plain"))(
        RequestFactory().get("/")
    )
    assert "nonce-" not in response["Content-Security-Policy"]


@override_settings(CSP_REPORT_URI="https://csp.example.gov.uk/report")
def test_violations_are_reported_when_a_report_uri_is_configured():
    response = ContentSecurityPolicyMiddleware(lambda r: HttpResponse("x"))(
        RequestFactory().get("/")
    )
    assert directives(response["Content-Security-Policy"])["report-uri"] == [
        "https://csp.example.gov.uk/report"
    ]


def test_the_deploy_check_passes_for_the_policy_as_configured():
    assert check_content_security_policy(None) == []


@pytest.mark.parametrize("source", ["'unsafe-inline'", "'unsafe-eval'", "https:"])
def test_the_deploy_check_fails_if_public_scripts_are_loosened(settings, source):
    settings.CSP_PUBLIC = {**settings.CSP_PUBLIC, "script-src": ["'self'", source]}
    problems = check_content_security_policy(None)
    assert [p.id for p in problems] == ["project.W001"]
    assert problems[0].level == checks.WARNING


def test_the_deploy_check_fails_if_plugins_are_allowed(settings):
    settings.CSP_ADMIN = {**settings.CSP_ADMIN, "object-src": ["'self'"]}
    assert [p.id for p in check_content_security_policy(None)] == ["project.W003"]


# --- every template in the repository ---------------------------------------------------

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
# Data blocks are not executed, so CSP does not apply to them.
DATA_TYPES = re.compile(r"""type=["']?(application/(ld\+)?json|text/template)""", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"""<[a-z][^>]*\son[a-z]+\s*=""", re.IGNORECASE | re.DOTALL)
JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def inline_script_problems(text):
    problems = []
    for match in SCRIPT_TAG.finditer(text):
        attrs = match.group(1)
        if "src=" in attrs or "nonce=" in attrs or DATA_TYPES.search(attrs):
            continue
        problems.append(f"inline <script{attrs}> without a nonce")
    problems += [
        f"event handler attribute: {m.group(0)[-40:]}" for m in EVENT_HANDLER.finditer(text)
    ]
    problems += [f"javascript: URL: {m.group(0)}" for m in JS_URL.finditer(text)]
    return problems


def project_templates():
    for path in ROOT.rglob("*.html"):
        parts = set(path.relative_to(ROOT).parts)
        if parts & SKIP_DIRS or "templates" not in parts:
            continue
        yield path


def test_the_scanner_finds_what_the_public_policy_would_block():
    assert inline_script_problems("<script>alert(1)</script>")
    assert inline_script_problems('<script type="text/javascript">x()</script>')
    assert inline_script_problems('<button onclick="go()">Go</button>')
    assert inline_script_problems('<a href="javascript:go()">Go</a>')
    assert not inline_script_problems('<script src="/static/js/finder.js" defer></script>')
    assert not inline_script_problems('<script nonce="{{ request.csp_nonce }}">go()</script>')
    assert not inline_script_problems('<script type="application/ld+json">{}</script>')
    assert not inline_script_problems('<p class="once">Online only</p>')


def test_no_template_in_the_project_has_inline_script_without_a_nonce():
    templates = list(project_templates())
    assert len(templates) > 50, "the scan found too few templates to be looking in the right place"
    found = {
        str(path.relative_to(ROOT)): problems
        for path in templates
        if (problems := inline_script_problems(path.read_text()))
    }
    assert not found, found
