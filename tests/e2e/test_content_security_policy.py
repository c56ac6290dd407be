"""Real Chromium enforces the public Content Security Policy: script injected into a page
does not run. The control loads the same page with CSP bypassed and the same script runs."""

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

INJECT = """() => {
    window.inlineRan = false; window.handlerRan = false; window.violations = [];
    document.addEventListener('securitypolicyviolation',
        e => window.violations.push(e.violatedDirective));
    const script = document.createElement('script');
    script.textContent = 'window.inlineRan = true';
    document.body.appendChild(script);
    const button = document.createElement('button');
    button.setAttribute('onclick', 'window.handlerRan = true');
    document.body.appendChild(button);
    button.click();
}"""


def inject(browser, url, bypass_csp):
    context = browser.new_context(bypass_csp=bypass_csp)
    try:
        page = context.new_page()
        page.goto(url)
        page.evaluate(INJECT)
        page.wait_for_timeout(300)  # violation events are dispatched asynchronously
        return page.evaluate("[window.inlineRan, window.handlerRan, window.violations]")
    finally:
        context.close()


def test_an_inline_script_and_handler_without_a_nonce_are_blocked(live_server, demo, browser):
    ran, handler_ran, violations = inject(browser, live_server.url + "/", bypass_csp=False)
    assert ran is False and handler_ran is False
    assert "script-src-elem" in violations and "script-src-attr" in violations


def test_control_the_same_script_runs_where_no_policy_applies(live_server, demo, browser):
    ran, handler_ran, violations = inject(browser, live_server.url + "/", bypass_csp=True)
    assert ran is True and handler_ran is True and violations == []
