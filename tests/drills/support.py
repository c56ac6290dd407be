"""Pieces the fault drills share: a Redis server of the drill's own (so it can be stopped
and started without touching anyone else's), a real Celery worker, and mail read back from
the files the worker writes."""

import contextlib
import email
import email.policy
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from config.celery import app

ROOT = Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateRedis:
    def __init__(self, workdir):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.workdir = workdir
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self.is_up, 10)

    def stop(self):
        self.process.kill()
        self.process.wait(10)
        wait_for(lambda: not self.is_up(), 10)

    def is_up(self):
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), 0.2):
            return True
        return False

    def llen(self, key):
        import redis

        return redis.Redis.from_url(self.url).llen(key)


@pytest.fixture
def private_redis(tmp_path):
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    if server.process.poll() is None:
        server.stop()


@contextlib.contextmanager
def broker(url, queue):
    """Publish from this process to `url`, on `queue`, for real (not eagerly)."""
    saved = (app.conf.task_always_eager, app.conf.broker_url, app.conf.task_default_queue)

    def reset():
        app._pool = None
        app.amqp._producer_pool = None

    app.conf.task_always_eager = False
    app.conf.broker_url = url
    app.conf.task_default_queue = queue
    reset()
    try:
        yield
    finally:
        app.conf.task_always_eager, app.conf.broker_url, app.conf.task_default_queue = saved
        reset()


class Worker:
    """`celery worker` in its own process, on the test database."""

    def __init__(self, *, broker_url, queue, database_url, mail_dir, log_path, env=None):
        self.command = [
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
        ]
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": broker_url,
            "TEST_EMAIL_BACKEND": "tests.drills.slow_mail.SlowFileBackend",
            "EMAIL_FILE_PATH": str(mail_dir),
            **(env or {}),
        }
        self.log_path = log_path
        self.process = None

    def start(self):
        log = open(self.log_path, "a")  # noqa: SIM115
        self.process = subprocess.Popen(
            self.command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()

    def kill(self):
        """SIGKILL: no warm shutdown, no acknowledgement of the task in hand."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self):
        return self.log_path.read_text()[-4000:]


def wait_for(predicate, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def sent_mail(mail_dir):
    """(to, subject) of every message the worker wrote, one per message."""
    found = []
    for path in sorted(Path(mail_dir).glob("*.log")) if Path(mail_dir).exists() else []:
        for chunk in path.read_text().split("-" * 79):
            if chunk.strip():
                message = email.message_from_string(chunk.strip(), policy=email.policy.default)
                found.append((str(message["To"]), str(message["Subject"])))
    return found
