"""Audit the pinned dependencies for known vulnerabilities (`make audit`).

Runs pip-audit on each lock file and fails when a vulnerability has a fixed release we could
upgrade to. A vulnerability with no fix yet is reported but does not fail the build: there is
nothing to upgrade to, and it is tracked in SECURITY.md's process instead.

pip-audit asks PyPI's vulnerability API about each pinned version. When it cannot (offline, or a
mirror that does not serve that API) it skips the package; we say so loudly, and with
AUDIT_REQUIRED=1 an audit that could not look at every package fails too.

    python deploy/audit.py requirements.lock requirements-dev.lock
"""

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

PIP_AUDIT = Path(sys.executable).with_name("pip-audit")


@dataclass
class Findings:
    fixable: list = field(default_factory=list)  # (package, version, id, fixed in)
    unfixed: list = field(default_factory=list)  # (package, version, id)
    audited: int = 0
    skipped: list = field(default_factory=list)  # (package, reason)


def read_report(report):
    """pip-audit's JSON report -> Findings."""
    findings = Findings()
    for dependency in report.get("dependencies", []):
        if dependency.get("skip_reason"):
            findings.skipped.append((dependency["name"], dependency["skip_reason"]))
            continue
        findings.audited += 1
        for vuln in dependency.get("vulns", []):
            row = (dependency["name"], dependency["version"], vuln["id"])
            if vuln.get("fix_versions"):
                findings.fixable.append((*row, ", ".join(vuln["fix_versions"])))
            else:
                findings.unfixed.append(row)
    return findings


def verdict(findings, *, required):
    """(exit status, lines to print)."""
    lines = [f"{p} {v}: {vid} fixed in {fixed}" for p, v, vid, fixed in findings.fixable]
    lines += [f"{p} {v}: {vid} (no fix released yet)" for p, v, vid in findings.unfixed]
    total = findings.audited + len(findings.skipped)
    if findings.skipped:
        lines.append(
            f"NOT AUDITED: {len(findings.skipped)} of {total} packages could not be checked "
            f"(first: {findings.skipped[0][1]})"
        )
    if findings.fixable:
        lines.append(
            f"{len(findings.fixable)} known vulnerabilities have a fix: upgrade and re-lock."
        )
        return 1, lines
    if findings.skipped and required:
        return 2, lines
    lines.append(
        f"{findings.audited} of {total} packages audited; none has a fixable vulnerability."
    )
    return 0, lines


def audit(lock_file):
    result = subprocess.run(  # noqa: S603  fixed arguments: our own venv's pip-audit and a lock
        [
            str(PIP_AUDIT),
            "--requirement",
            str(lock_file),
            "--no-deps",  # the lock is complete and pinned; nothing to resolve
            "--disable-pip",
            "--format",
            "json",
            "--progress-spinner",
            "off",
        ],
        capture_output=True,
        text=True,
    )
    try:
        return json.loads(result.stdout)
    except json.JSONDecodeError:
        # pip-audit could not run at all (e.g. no network): every package is unaudited.
        names = [
            line.split("==")[0]
            for line in Path(lock_file).read_text().splitlines()
            if "==" in line and not line.startswith("#")
        ]
        reason = (result.stderr.strip().splitlines() or ["pip-audit failed"])[-1]
        return {"dependencies": [{"name": n, "skip_reason": reason} for n in names]}


def main(argv):
    required = os.environ.get("AUDIT_REQUIRED", "") == "1"
    worst = 0
    for lock_file in argv or ["requirements.lock"]:
        status, lines = verdict(read_report(audit(lock_file)), required=required)
        print(f"== {lock_file}")
        print("\n".join(f"   {line}" for line in lines))
        worst = max(worst, status)
    return worst


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
