"""The enquiry notification runs on a real Celery worker, via Redis, on the test database."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from config.celery import app
from home.models import EnquirySubmission
from tests.factories import home

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("REDIS_URL", "")

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(tmp_path, database_url):
    if not REDIS_URL:
        pytest.skip("REDIS_URL is not set: the real-worker test needs Redis")
    queue = f"test-{uuid.uuid4().hex[:8]}"
    mail_dir = tmp_path / "mail"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": REDIS_URL,
        "TEST_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
    }
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
            "-l",
            "info",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    saved = (app.conf.task_always_eager, app.conf.broker_url, app.conf.task_default_queue)
    app.conf.task_always_eager = False
    app.conf.broker_url = REDIS_URL
    app.conf.task_default_queue = queue
    try:
        yield {"mail_dir": mail_dir, "log": tmp_path / "worker.log", "process": process}
    finally:
        app.conf.task_always_eager, app.conf.broker_url, app.conf.task_default_queue = saved
        process.terminate()
        process.wait(timeout=20)
        log.close()


def _wait_for(predicate, timeout=40):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return False


def test_enquiry_notification_is_sent_by_a_real_worker(client, worker):
    page = home.enquiry_form("bespoke-support")
    data = {}
    for field in page.get_form_fields():
        data[field.clean_name] = {
            "email": "dsl@hilltop.sch.uk",
            "dropdown": field.choices.split(",")[0].strip(),
        }.get(field.field_type, "Whole-staff safeguarding training in January")
    assert client.post(page.url, data).status_code == 200
    submission = EnquirySubmission.objects.get()

    def notified():
        submission.refresh_from_db()
        return submission.notified_at is not None

    assert _wait_for(notified), worker["log"].read_text()[-3000:]
    messages = list(worker["mail_dir"].glob("*.log"))
    assert len(messages) == 1
    text = messages[0].read_text()
    assert "Whole-staff safeguarding training in January" in text
    assert "To: cpd@example.gov.uk" in text
    assert "succeeded" in worker["log"].read_text()
