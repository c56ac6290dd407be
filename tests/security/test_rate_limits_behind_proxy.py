"""Sign-in rate limits behind the documented ingress: each person is counted by their own
address, so one attacker cannot lock everyone out, and a forged X-Forwarded-For buys the
attacker nothing. Requests arrive as they would through one proxy: REMOTE_ADDR is the
ingress, and the ingress appends the address it saw to whatever header the client sent."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.test import Client

from tests.factories.accounts import PASSWORD

INGRESS = "10.42.0.7"
K8S_CONFIG = Path(__file__).resolve().parents[2] / "deploy" / "k8s" / "config.yaml"


@pytest.fixture(scope="module")
def manifest_proxy_count():
    """What the settings make of the manifests' environment, read in a fresh process."""
    config = yaml.safe_load(K8S_CONFIG.read_text().split("\n---", 1)[0])
    env = {**os.environ, "TRUSTED_PROXY_COUNT": config["data"]["TRUSTED_PROXY_COUNT"]}
    out = subprocess.run(
        [sys.executable, "-c", READ_SETTING],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=K8S_CONFIG.parents[2],
    )
    return int(out.stdout.strip())


READ_SETTING = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.ALLAUTH_TRUSTED_PROXY_COUNT)"
)


@pytest.fixture
def behind_the_ingress(settings, manifest_proxy_count):
    assert manifest_proxy_count == 1
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = manifest_proxy_count


def _through_ingress(client, client_ip, email, password, forged=None):
    xff = f"{forged}, {client_ip}" if forged else client_ip
    return client.post(
        "/accounts/login/",
        {"login": email, "password": password},
        REMOTE_ADDR=INGRESS,
        HTTP_X_FORWARDED_FOR=xff,
    )


def _refused(response):
    return "Too many failed login attempts" in response.content.decode()


def test_an_attacker_behind_the_ingress_does_not_lock_out_other_people(people, behind_the_ingress):
    attacker = Client()
    for n in range(5):  # a different address each time: only the per-IP limit can catch it
        response = _through_ingress(attacker, "203.0.113.66", f"victim{n}@example.org", "guess")
        assert not _refused(response)
    assert _refused(_through_ingress(attacker, "203.0.113.66", "victim9@example.org", "guess"))

    teacher = Client()
    response = _through_ingress(teacher, "198.51.100.20", "teacher@oakfield.sch.uk", PASSWORD)
    assert response.status_code == 302 and "_auth_user_id" in teacher.session


def test_a_forged_forwarded_for_header_does_not_reset_the_count(db, behind_the_ingress):
    attacker = Client()
    for n in range(5):
        _through_ingress(
            attacker, "203.0.113.66", f"victim{n}@example.org", "guess", forged=f"192.0.2.{n}"
        )
    response = _through_ingress(
        attacker, "203.0.113.66", "victim9@example.org", "guess", forged="192.0.2.99"
    )
    assert _refused(response)
