"""The scale-out configuration: Kubernetes manifests that parse and agree with the settings,
queue routing, and the compose file consuming every queue."""

import json
from pathlib import Path

import pytest
import yaml

from .test_settings import PRODUCTION_ENV, _run

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
QUEUES = {"celery", "emails", "pdfs", "payments"}


def documents():
    docs = []
    for path in sorted(K8S.glob("*.yaml")):
        docs += [(path.name, doc) for doc in yaml.safe_load_all(path.read_text()) if doc]
    return docs


def by_kind(kind):
    return {doc["metadata"]["name"]: doc for _, doc in documents() if doc["kind"] == kind}


def pod_specs():
    for _, doc in documents():
        spec = doc.get("spec", {})
        if doc["kind"] == "CronJob":
            spec = spec["jobTemplate"]["spec"]
        if "template" in spec:
            yield doc, spec["template"]["spec"]


def test_every_manifest_parses_and_names_its_kind():
    docs = documents()
    assert len(docs) >= 10
    for filename, doc in docs:
        assert {"apiVersion", "kind", "metadata"} <= set(doc), filename
        assert doc["metadata"]["name"], filename


def test_every_pod_runs_the_one_image_as_the_non_root_user_read_only():
    images = set()
    for doc, spec in pod_specs():
        assert spec["securityContext"]["runAsNonRoot"] is True, doc["metadata"]["name"]
        assert spec["securityContext"]["runAsUser"] == 10001
        for container in spec["containers"]:
            images.add(container["image"])
            assert container["securityContext"]["readOnlyRootFilesystem"] is True
            assert container["securityContext"]["allowPrivilegeEscalation"] is False
            config = {ref.get("configMapRef", {}).get("name") for ref in container["envFrom"]}
            secrets = {ref.get("secretRef", {}).get("name") for ref in container["envFrom"]}
            assert "cpd-config" in config and "cpd-secrets" in secrets
    assert len(images) == 1


def test_the_config_and_secret_the_pods_use_exist_and_use_production_settings():
    config = by_kind("ConfigMap")["cpd-config"]["data"]
    assert config["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
    assert config["LOG_FORMAT"] == "json"
    secret = by_kind("Secret")["cpd-secrets"]["stringData"]
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "REPORTS_DATABASE_URL"} <= set(secret)
    # Behind the ingress no address may be trusted for /metrics; the token is required.
    assert config["METRICS_ALLOWED_IPS"] == ""
    assert "METRICS_TOKEN" in secret


def test_the_web_tier_is_stateless_replicated_and_probed_on_health():
    web = by_kind("Deployment")["cpd-web"]
    assert web["spec"]["replicas"] >= 2
    (container,) = web["spec"]["template"]["spec"]["containers"]
    assert container["args"][:2] == ["gunicorn", "config.wsgi:application"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready/"
    assert container["livenessProbe"]["httpGet"]["path"] == "/health/live/"
    assert "$(POD_IP)" in next(e["value"] for e in container["env"] if e["name"] == "ALLOWED_HOSTS")
    volumes = web["spec"]["template"]["spec"]["volumes"]
    assert all("persistentVolumeClaim" not in v for v in volumes), "web pods keep no state"
    assert by_kind("HorizontalPodAutoscaler")["cpd-web"]["spec"]["minReplicas"] >= 2


def worker_queues():
    queues = {}
    for name, doc in by_kind("Deployment").items():
        (container,) = doc["spec"]["template"]["spec"]["containers"]
        args = container["args"]
        if args[:4] == ["celery", "-A", "config", "worker"]:
            queues[name] = set(args[args.index("-Q") + 1].split(","))
    return queues


def test_each_queue_has_its_own_workers_and_none_is_left_unserved():
    queues = worker_queues()
    assert set().union(*queues.values()) == QUEUES
    assert all(len(q) == 1 for q in queues.values()), "one Deployment per queue"


def test_beat_runs_exactly_once_even_during_a_rollout():
    beats = [
        doc
        for doc in by_kind("Deployment").values()
        if doc["spec"]["template"]["spec"]["containers"][0]["args"][:4]
        == ["celery", "-A", "config", "beat"]
    ]
    assert len(beats) == 1
    assert beats[0]["spec"]["replicas"] == 1
    assert beats[0]["spec"]["strategy"]["type"] == "Recreate"


def test_migrations_and_backups_run_as_jobs():
    (job,) = by_kind("Job").values()
    assert job["spec"]["template"]["spec"]["containers"][0]["args"][-2:] == ["migrate", "--noinput"]
    cron = by_kind("CronJob")["cpd-backup"]
    args = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["args"]
    assert args[:3] == ["python", "manage.py", "backup"]


ROUTES_PROBE = (
    "import json, django; django.setup(); from config.celery import app;"
    "names = ['bookings.tasks.send_booking_confirmation', 'billing.tasks.send_invoice',"
    " 'billing.tasks.settle_booking', 'accounts.tasks.notify_leads_of_join_request',"
    " 'home.tasks.send_form_notification', 'bookings.tasks.offer_places',"
    " 'home.tasks.publish_scheduled_pages', 'billing.tasks.send_receipt'];"
    "print(json.dumps({n: app.amqp.router.route({}, n)['queue'].name for n in names}))"
)


def test_production_routes_tasks_to_the_queues_the_workers_consume():
    result = _run("config.settings.production", PRODUCTION_ENV, code=ROUTES_PROBE)
    assert result.returncode == 0, result.stderr
    routes = json.loads(result.stdout.strip().splitlines()[-1])
    assert routes == {
        "bookings.tasks.send_booking_confirmation": "emails",
        "billing.tasks.send_invoice": "pdfs",
        "billing.tasks.settle_booking": "payments",
        "accounts.tasks.notify_leads_of_join_request": "emails",
        "home.tasks.send_form_notification": "emails",
        "bookings.tasks.offer_places": "celery",
        "home.tasks.publish_scheduled_pages": "celery",
        "billing.tasks.send_receipt": "emails",
    }
    assert set(routes.values()) <= QUEUES


@pytest.mark.parametrize("module", ["config.settings.dev", "config.settings.test"])
def test_outside_production_every_task_stays_on_the_default_queue(module):
    result = _run(module, {}, code=ROUTES_PROBE)
    assert result.returncode == 0, result.stderr
    assert set(json.loads(result.stdout.strip().splitlines()[-1]).values()) == {"celery"}


def test_the_compose_worker_consumes_every_queue():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    command = compose["services"]["worker"]["command"]
    assert set(command[command.index("-Q") + 1].split(",")) == QUEUES


def test_the_reports_replica_is_a_separate_connection_only_when_configured():
    code = (
        "import json, django; django.setup(); from django.conf import settings;"
        "print(json.dumps({'dbs': sorted(settings.DATABASES),"
        " 'reports': settings.REPORTS_DATABASE}))"
    )
    plain = _run("config.settings.production", PRODUCTION_ENV, code=code)
    assert json.loads(plain.stdout.strip().splitlines()[-1]) == {
        "dbs": ["default"],
        "reports": "default",
    }
    env = {**PRODUCTION_ENV, "REPORTS_DATABASE_URL": "postgres://r@replica.internal:5432/cpd"}
    replica = _run("config.settings.production", env, code=code)
    assert json.loads(replica.stdout.strip().splitlines()[-1]) == {
        "dbs": ["default", "reports"],
        "reports": "reports",
    }
