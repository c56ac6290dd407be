"""allauth's account pages in the house style, in real Chromium, checked by axe-core.

The element templates in site/templates/allauth/elements/ replace allauth's defaults:
visible labels on every input (allauth asks for placeholders only on sign-in and
sign-up), an error summary, and the site's buttons.
"""

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TEACHER = "teacher@oakfield.sch.uk"
PASSWORD = "cpd-demo-2026"  # the seeded demo account's published password


def submit(page):
    page.locator("main form.account-form").get_by_role("button").first.click()
    page.wait_for_load_state()


def assert_every_input_has_a_visible_label(page):
    inputs = page.locator("main form input:not([type=hidden]), main form textarea")
    assert inputs.count() > 0
    for i in range(inputs.count()):
        field = inputs.nth(i)
        field_id = field.get_attribute("id")
        assert field_id, f"an input without an id: {field.evaluate('el => el.outerHTML')}"
        label = page.locator(f'label[for="{field_id}"]')
        assert label.count() == 1, f"#{field_id} has {label.count()} labels"
        assert label.is_visible(), f"the label for #{field_id} is not visible"
        assert label.inner_text().strip(), f"the label for #{field_id} is empty"


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("/accounts/login/", "Sign in"),
        ("/accounts/signup/", "Sign up"),
        ("/accounts/password/reset/", "Password reset"),
    ],
)
def test_entrance_pages_pass_axe(live_server, demo, page, axe_check, path, heading):
    response = page.goto(live_server.url + path)
    assert response.status == 200
    assert page.get_by_role("heading", level=1, name=heading, exact=True).is_visible()
    # The site's layout, not allauth's bare one.
    assert page.get_by_role("link", name="Skip to main content").count() == 1
    assert page.locator("main form.account-form .button").first.is_visible()
    axe_check(page)


@pytest.mark.parametrize("path", ["/accounts/login/", "/accounts/signup/"])
def test_every_input_has_a_visible_label(live_server, demo, page, path):
    page.goto(live_server.url + path)
    assert_every_input_has_a_visible_label(page)


def test_wrong_password_shows_an_error_and_passes_axe(live_server, demo, page, axe_check):
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill(TEACHER)
    page.get_by_label("Password", exact=True).fill("not-the-password")
    submit(page)

    summary = page.locator(".error-summary")
    assert summary.is_visible()
    assert summary.get_attribute("role") == "alert"
    assert summary.get_by_role("heading", name="There is a problem").is_visible()
    assert "not correct" in summary.inner_text()
    # The message links to the first field, so keyboard users land where they can fix it.
    assert summary.get_by_role("link").first.get_attribute("href") == "#id_login"
    assert page.get_by_label("Email").input_value() == TEACHER
    assert_every_input_has_a_visible_label(page)
    axe_check(page)


def test_the_demo_teacher_can_sign_in(live_server, demo, page):
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill(TEACHER)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_load_state()

    assert navigation.value is not None and navigation.value.status < 400
    assert "/accounts/login/" not in page.url
    header = page.locator("header.site-header")
    assert header.get_by_role("button", name="Sign out").is_visible()
    assert header.get_by_role("link", name="Sign in").count() == 0


def test_signup_with_mismatched_passwords_shows_the_error_summary(
    live_server, demo, page, axe_check
):
    page.goto(live_server.url + "/accounts/signup/")
    page.get_by_label("Email").fill("new.teacher@oakfield.sch.uk")
    page.get_by_label("Password", exact=True).fill("Strong-enough-2026")
    page.get_by_label("Password (again)").fill("Strong-enough-2027")
    submit(page)

    summary = page.locator(".error-summary")
    assert summary.is_visible()
    assert summary.get_by_role("heading", name="There is a problem").is_visible()
    link = summary.get_by_role("link", name="You must type the same password each time")
    assert link.get_attribute("href") == "#id_password2"
    # The field itself says what is wrong, with a prefix for screen readers.
    field_error = page.locator(".field--error .field-error")
    assert "same password" in field_error.inner_text()
    assert field_error.locator(".visually-hidden").inner_text() == "Error:"
    assert page.locator("#id_password2").get_attribute("aria-invalid") == "true"
    # Nothing was created: the summary is the whole outcome.
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(email="new.teacher@oakfield.sch.uk").exists()
    axe_check(page)
