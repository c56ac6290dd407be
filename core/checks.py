"""Deploy checks for what Django's own `check --deploy` does not cover: our CSP, staff MFA."""

from django.conf import settings
from django.core import checks

UNSAFE_SCRIPT_SOURCES = {"'unsafe-inline'", "'unsafe-eval'", "*", "http:", "https:", "data:"}


def check_content_security_policy(app_configs, **kwargs):
    problems = []
    public = settings.CSP_PUBLIC
    script_src = set(public.get("script-src", public.get("default-src", [])))
    loose = sorted(script_src & UNSAFE_SCRIPT_SOURCES)
    if loose:
        problems.append(
            checks.Warning(
                f"The public Content Security Policy lets scripts run from {', '.join(loose)}.",
                hint="Move inline scripts to static files, or print request.csp_nonce on them.",
                id="project.W001",
            )
        )
    if "'unsafe-eval'" in settings.CSP_ADMIN.get("script-src", []):
        problems.append(checks.Warning("The admin's CSP allows eval().", id="project.W002"))
    for name, policy in (("public", public), ("admin", settings.CSP_ADMIN)):
        if policy.get("object-src") != ["'none'"] or "frame-ancestors" not in policy:
            problems.append(
                checks.Warning(
                    f"The {name} CSP must set object-src 'none' and frame-ancestors.",
                    id="project.W003",
                )
            )
    return problems


def check_staff_mfa(app_configs, **kwargs):
    if settings.ADMIN_MFA_REQUIRED:
        return []
    return [
        checks.Warning(
            "ADMIN_MFA_REQUIRED is off: staff could use their powers with a password alone.",
            id="project.W004",
        )
    ]


def register():
    checks.register(check_content_security_policy, checks.Tags.security, deploy=True)
    checks.register(check_staff_mfa, checks.Tags.security, deploy=True)
