"""Invoicing runs started from the admin. The run is settlement's run_invoicing (reached
through billing.runs), in a Celery task; its progress lives in the cache under the job's
id, for the admin's progress page to poll. A run is safe to repeat, so a lost or failed job
is simply started again."""

import uuid

from django.core.cache import cache

from . import runs, services, tasks

TTL = 24 * 60 * 60


def _key(job_id):
    return f"billing:invoicing-run:{job_id}"


def start_invoicing_run(period, *, by):
    """Queue a run for `period` (YYYY-MM) and return its job id. A bad month is refused
    (BillingError) before anything is queued."""
    services.period_bounds(period)
    job_id = uuid.uuid4().hex
    cache.set(
        _key(job_id),
        {
            "period": period,
            "state": "queued",
            "done": 0,
            "total": None,
            "report": "",
            "by": str(by),
        },
        TTL,
    )
    tasks.run_invoicing_job.delay_on_commit(job_id, period)
    return job_id


def job_status(job_id):
    """The job's progress: state (queued, running, done, failed), done, total and report."""
    return cache.get(_key(str(job_id)))


def run_invoicing_job(job_id, period):
    state = job_status(job_id) or {"period": period, "done": 0, "total": None, "report": ""}

    def save(**changes):
        state.update(changes)
        cache.set(_key(job_id), state, TTL)

    save(state="running")
    try:
        report = runs.run_invoicing(
            period, progress=lambda done, total: save(done=done, total=total)
        )
    except services.BillingError as refusal:
        save(state="failed", report=str(refusal))
        return str(refusal)
    except Exception:
        save(
            state="failed",
            report=f"The run stopped with an error after {state['done']} account(s). It is safe "
            "to run it again: nothing is invoiced twice.",
        )
        raise
    save(
        state="done",
        done=report.accounts,
        total=report.accounts,
        report=str(report),
        invoices=report.invoices,
        credit_notes=report.credit_notes,
        gross=str(report.gross),
        skipped=[list(pair) for pair in report.skipped],
    )
    return str(report)
