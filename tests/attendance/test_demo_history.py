"""`make run`'s demo history (seed_demo --history): past runs whose registers were taken, with
evaluations, certificates and a follow-up, built through the services, idempotent, mailing
nobody."""

from django.core import mail
from django.core.management import call_command

from bookings.models import (
    Attendance,
    Certificate,
    Enrolment,
    Evaluation,
    ImpactFollowUp,
    RegisterClosure,
)
from courses.models import CourseRun
from demo.bookings import history_references


def _counts():
    return [
        model.objects.count()
        for model in (
            CourseRun,
            Enrolment,
            Attendance,
            RegisterClosure,
            Evaluation,
            Certificate,
            ImpactFollowUp,
        )
    ]


def test_demo_history_is_built_once_and_emails_nobody(client, demo):
    """Tests the demo programme itself (seed_demo --history on top of it), so it keeps `demo`."""
    call_command("seed_demo", "--history", verbosity=0)
    first = _counts()
    call_command("seed_demo", "--history", verbosity=0)
    assert _counts() == first
    assert mail.outbox == []
    runs = CourseRun.objects.filter(reference__in=history_references())
    assert runs.count() == 4
    assert RegisterClosure.objects.filter(run__in=runs).count() == 3  # one still to take
    amira = "ta@oakfield.sch.uk"
    assert Certificate.objects.filter(enrolment__delegate__email=amira).count() == 2
    assert Evaluation.objects.filter(
        enrolment__delegate__email=amira, submitted_at__isnull=True
    ).exists(), "one evaluation left for the demo to do"
    follow_up = ImpactFollowUp.objects.get(enrolment__delegate__email=amira)
    assert follow_up.delegate_answer and follow_up.lead_answer
    walk_in = Enrolment.objects.get(run__in=runs, booking__source="walk_in")
    assert walk_in.status == "attended"
    assert Enrolment.objects.filter(run__in=runs, status="no_show", charge_waived=True).exists()

    # Sarah, the demo facilitator, has the last run's register still to take.
    from accounts.models import User

    client.force_login(User.objects.get(email="facilitator@example.gov.uk"))
    open_run = runs.get(reference=history_references()[-1])
    assert open_run.reference in client.get("/registers/").content.decode()
    assert not RegisterClosure.objects.filter(run=open_run).exists()
