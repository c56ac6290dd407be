"""`make audit`: fail on a known vulnerability that has a fix; never pass quietly when the
vulnerability service could not be asked."""

from deploy.audit import audit, read_report, verdict


def report(*dependencies):
    return {"dependencies": list(dependencies), "fixes": []}


def dep(name, version="1.0", *vulns):
    return {"name": name, "version": version, "vulns": list(vulns)}


def vuln(vid, *fixed):
    return {"id": vid, "fix_versions": list(fixed), "aliases": [], "description": ""}


def test_a_vulnerability_with_a_fix_fails_the_audit_and_names_the_fix():
    findings = read_report(report(dep("django", "5.2.1", vuln("PYSEC-1", "5.2.3")), dep("idna")))
    status, lines = verdict(findings, required=False)
    assert status == 1
    assert "django 5.2.1: PYSEC-1 fixed in 5.2.3" in lines


def test_a_vulnerability_without_a_fix_is_reported_but_does_not_fail():
    findings = read_report(report(dep("weasyprint", "70.0", vuln("GHSA-x"))))
    status, lines = verdict(findings, required=False)
    assert status == 0
    assert "weasyprint 70.0: GHSA-x (no fix released yet)" in lines


def test_a_clean_audit_passes_and_says_how_much_it_looked_at():
    status, lines = verdict(read_report(report(dep("a"), dep("b"))), required=False)
    assert status == 0
    assert lines[-1] == "2 of 2 packages audited; none has a fixable vulnerability."


def test_packages_the_service_could_not_check_are_never_reported_as_clean():
    skipped = {"name": "stripe", "skip_reason": "Dependency not found on PyPI"}
    status, lines = verdict(read_report(report(dep("a"), skipped)), required=False)
    assert status == 0
    assert any(line.startswith("NOT AUDITED: 1 of 2 packages") for line in lines)
    # Where an audit is required (AUDIT_REQUIRED=1), an incomplete one fails.
    assert verdict(read_report(report(dep("a"), skipped)), required=True)[0] == 2


def test_a_fixable_vulnerability_fails_even_when_some_packages_were_skipped():
    skipped = {"name": "stripe", "skip_reason": "offline"}
    findings = read_report(report(dep("django", "5.2.1", vuln("PYSEC-1", "5.2.3")), skipped))
    assert verdict(findings, required=False)[0] == 1


def test_pip_audit_runs_on_a_lock_file_and_accounts_for_every_package(tmp_path):
    lock = tmp_path / "requirements.lock"
    lock.write_text("# a lock\nsix==1.17.0\n    # via nothing\nidna==3.10\n")
    result = audit(lock)
    assert sorted(d["name"] for d in result["dependencies"]) == ["idna", "six"]
