"""The GIAS establishments import: accounts.gias and `manage.py import_gias`.

tests/fixtures/gias/establishments_small.csv is in GIAS's own layout (the 139 columns of the
2021 edubasealldata file, cp1252, CRLF, minimal quoting). Lines 2-18 are good rows, one per kind
of establishment; lines 19-25 are broken on purpose (see BAD_ROWS).
"""

import csv
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from accounts.gias import GiasFormatError, import_establishments, normalise_website
from accounts.models import LocalAuthority, School, Trust

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "gias" / "establishments_small.csv"
SHARED_GIAS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "gias"
needs_shared_data = pytest.mark.skipif(
    not SHARED_GIAS.is_dir(), reason=f"the shared GIAS sample files are not at {SHARED_GIAS}"
)

GOOD_ROWS = 17
BAD_ROWS = {
    19: "URN '10001X' is not a positive whole number",
    20: "unknown PhaseOfEducation 'Tertiary'",
    21: "unknown EstablishmentTypeGroup 'Grammar schools'",
    22: "unknown EstablishmentStatus 'Mothballed'",
    23: "missing establishment name",
    24: "missing LA code",
    25: "URN 100001 is repeated; its first row (line 2) is the one imported",
}
FIXTURE_URNS = [
    100001, 100002, 100003, 138001, 138002, 138003, 100004, 100005, 130001,
    100006, 149001, 100007, 100008, 401001, 150001, 133001, 100009,
]  # fmt: skip


def read_rows(path=FIXTURE, encoding="cp1252"):
    with open(path, encoding=encoding, newline="") as f:
        reader = csv.reader(f)
        return next(reader), list(reader)


def write_csv(path, header, rows, *, encoding="cp1252", newline="\r\n", quoting=csv.QUOTE_MINIMAL):
    out = io.StringIO()
    csv.writer(out, lineterminator=newline, quoting=quoting).writerows([header, *rows])
    path.write_bytes(out.getvalue().encode(encoding))
    return path


def fixture_with(tmp_path, change):
    """A copy of the fixture with change(row_as_dict) applied to every row."""
    header, rows = read_rows()
    changed = []
    for row in rows:
        values = dict(zip(header, row, strict=True))
        change(values)
        changed.append([values[name] for name in header])
    return write_csv(tmp_path / "changed.csv", header, changed)


def counts():
    return School.objects.count(), LocalAuthority.objects.count(), Trust.objects.count()


class TtyStringIO(io.StringIO):
    def isatty(self):
        return True


# --- a good import ------------------------------------------------------------------------


def test_imports_every_good_row_of_the_fixture(db):
    report = import_establishments(FIXTURE)

    assert report.encoding == "cp1252"
    assert report.rows == GOOD_ROWS + len(BAD_ROWS)
    assert (report.created, report.updated, report.unchanged) == (GOOD_ROWS, 0, 0)
    imported = School.objects.filter(urn__in=FIXTURE_URNS)
    assert sorted(imported.values_list("urn", flat=True)) == sorted(FIXTURE_URNS)


@pytest.mark.parametrize(
    "urn, type_group, phase, status, type_name",
    [
        (100001, "la_maintained", "primary", "open", "Community school"),
        (100003, "la_maintained", "nursery", "closed", "Local authority nursery school"),
        (138001, "academy", "secondary", "open", "Academy converter"),
        (138003, "free_school", "secondary", "open", "Free schools"),
        (100004, "independent", "not_applicable", "open", "Other independent school"),
        (100005, "special", "not_applicable", "open", "Community special school"),
        (130001, "college", "16_plus", "open", "Sixth form centres"),
        (100006, "la_maintained", "all_through", "open_closing", "Community school"),
        (149001, "academy", "secondary", "proposed", "Academy converter"),
        (100007, "la_maintained", "middle_secondary", "open", "Community school"),
        (100008, "la_maintained", "middle_primary", "open", "Community school"),
        (401001, "other", "not_applicable", "open", "Welsh establishment"),
        (150001, "other", "not_applicable", "open", "Online provider"),
        (133001, "university", "not_applicable", "open", "Higher education institutions"),
        (100009, "other", "not_applicable", "open", "Secure units"),
    ],
)
def test_maps_gias_names_to_the_school_categories(db, urn, type_group, phase, status, type_name):
    import_establishments(FIXTURE)
    school = School.objects.get(urn=urn)
    assert (school.type_group, school.phase, school.status, school.type_name) == (
        type_group,
        phase,
        status,
        type_name,
    )


def test_imports_the_register_fields_and_creates_authorities(db):
    report = import_establishments(FIXTURE)

    school = School.objects.select_related("local_authority").get(urn=100001)
    assert school.name == "Fleet Primary School"
    assert school.establishment_number == "2101"
    assert school.postcode == "NW3 2QT"
    assert (school.local_authority.code, school.local_authority.name) == ("202", "Camden")
    assert school.trust is None
    assert report.authorities_created == 4
    assert dict(
        LocalAuthority.objects.filter(code__in=["202", "203", "204", "660"]).values_list(
            "code", "name"
        )
    ) == {"202": "Camden", "203": "Greenwich", "204": "Hackney", "660": "Isle of Anglesey"}
    assert not LocalAuthority.objects.filter(code__in=["202", "660"], is_partner=True).exists()


def test_decodes_cp1252_names(db):
    import_establishments(FIXTURE)
    assert School.objects.get(urn=100002).name == "St Mary’s C of E Primary — Annexe"
    assert School.objects.get(urn=401001).name == "Ysgol Gymraeg Bro Môn"


def test_links_academies_to_their_trusts(db):
    report = import_establishments(FIXTURE)

    assert report.trusts_created == 2
    north_london = Trust.objects.get(uid="4001")
    assert north_london.name == "North London Learning Trust"
    assert sorted(north_london.schools.values_list("urn", flat=True)) == [138001, 138002]
    assert School.objects.get(urn=149001).trust.uid == "4002"


def test_adds_https_to_websites_without_a_scheme_and_drops_unusable_ones(db):
    report = import_establishments(FIXTURE)

    websites = dict(School.objects.filter(urn__in=FIXTURE_URNS).values_list("urn", "website"))
    assert websites[100001] == "https://www.fleet.camden.sch.uk"
    assert websites[138002] == "https://kentishtown.org.uk"
    assert websites[100002] == "http://www.stmarys.camden.sch.uk/"
    assert websites[138001] == "https://www.camdenpark.org.uk"
    assert websites[100005] == ""  # "not a website": the row imports, the value does not
    assert websites[100003] == ""
    assert report.warnings == [(9, "website 'not a website' is not a usable URL; left blank")]


@pytest.mark.parametrize(
    "raw, stored",
    [
        ("", ""),
        ("  ", ""),
        ("www.school.org.uk", "https://www.school.org.uk"),
        (" www.school.org.uk/ ", "https://www.school.org.uk/"),
        ("//www.school.org.uk", "https://www.school.org.uk"),
        ("http://www.school.org.uk", "http://www.school.org.uk"),
        ("HTTPS://WWW.SCHOOL.ORG.UK", "HTTPS://WWW.SCHOOL.ORG.UK"),
        ("not a website", None),
        ("http//www.school.org.uk", None),
        ("ftp://files.school.org.uk", None),
        ("https://" + "a" * 290 + ".org.uk", None),  # longer than the field
    ],
)
def test_normalise_website(raw, stored):
    assert normalise_website(raw) == stored


# --- encodings and CSV dialects -----------------------------------------------------------


@pytest.mark.parametrize(
    "encoding, newline, quoting, trailing_newline",
    [
        ("utf-8", "\r\n", csv.QUOTE_MINIMAL, True),
        ("utf-8-sig", "\n", csv.QUOTE_ALL, False),
        ("cp1252", "\n", csv.QUOTE_ALL, True),
        ("cp1252", "\r\n", csv.QUOTE_MINIMAL, False),
    ],
)
def test_reads_utf8_or_cp1252_in_any_quoting_and_line_ending(
    db, tmp_path, encoding, newline, quoting, trailing_newline
):
    header, rows = read_rows()
    path = write_csv(
        tmp_path / "gias.csv", header, rows, encoding=encoding, newline=newline, quoting=quoting
    )
    if not trailing_newline:
        path.write_bytes(path.read_bytes().removesuffix(newline.encode()))

    report = import_establishments(path)

    assert report.encoding == ("cp1252" if encoding == "cp1252" else "utf-8-sig")
    assert report.created == GOOD_ROWS
    assert [line for line, _ in report.problems] == list(BAD_ROWS)
    assert School.objects.get(urn=100002).name == "St Mary’s C of E Primary — Annexe"
    assert School.objects.get(urn=401001).name == "Ysgol Gymraeg Bro Môn"
    assert School.objects.get(urn=100006).status == "open_closing"  # the quoted comma
    assert School.objects.get(urn=100009).name == "Camden Secure Unit"  # the last good row


# --- upserts --------------------------------------------------------------------------------


def test_reimporting_updates_changed_schools_without_duplicates(db, tmp_path):
    import_establishments(FIXTURE)
    before = counts()

    def change(row):
        if row["URN"] == "100001" and "repeated" not in row["EstablishmentName"]:
            row["EstablishmentName"] = "Fleet Primary School and Nursery"
        if row["URN"] == "138002":
            row["Trusts (code)"] = row["Trusts (name)"] = ""
        if row["LA (code)"] == "204":
            row["LA (name)"] = "London Borough of Hackney"

    report = import_establishments(fixture_with(tmp_path, change))

    assert counts() == before
    assert (report.created, report.updated, report.unchanged) == (0, 2, GOOD_ROWS - 2)
    assert School.objects.get(urn=100001).name == "Fleet Primary School and Nursery"
    assert School.objects.get(urn=138002).trust is None
    assert LocalAuthority.objects.get(code="204").name == "London Borough of Hackney"
    assert report.authorities_renamed == 1


def test_reimporting_keeps_the_services_own_settings(db, tmp_path):
    import_establishments(FIXTURE)
    School.objects.filter(urn=138001).update(
        email_domains="camdenpark.org.uk",
        po_number_required=True,
        bookings_need_approval=True,
    )
    LocalAuthority.objects.filter(code="202").update(is_partner=True)
    Trust.objects.filter(uid="4001").update(billed_centrally=True)

    def change(row):
        if row["URN"] == "138001":
            row["EstablishmentName"] = "Camden Park Academy (renamed)"
            row["PhaseOfEducation (name)"] = "All-through"
        if row["Trusts (code)"] == "4001":
            row["Trusts (name)"] = "North London Learning Partnership"

    report = import_establishments(fixture_with(tmp_path, change))

    school = School.objects.select_related("local_authority", "trust").get(urn=138001)
    assert report.updated == 1
    assert (school.name, school.phase) == ("Camden Park Academy (renamed)", "all_through")
    assert school.email_domains == "camdenpark.org.uk"
    assert school.po_number_required and school.bookings_need_approval
    assert school.local_authority.is_partner
    assert school.trust.name == "North London Learning Partnership"
    assert school.trust.billed_centrally


def test_a_school_the_service_already_knew_is_updated_in_place(db):
    la = LocalAuthority.objects.create(code="202", name="Camden Council", is_partner=True)
    known = School.objects.create(
        urn=100001,
        name="Fleet School",
        local_authority=la,
        type_group="other",
        phase="primary",
        email_domains="fleet.camden.sch.uk",
    )

    import_establishments(FIXTURE)

    known.refresh_from_db()
    assert known.name == "Fleet Primary School"
    assert known.type_group == "la_maintained"
    assert known.email_domains == "fleet.camden.sch.uk"
    assert School.objects.filter(urn=100001).count() == 1
    la.refresh_from_db()
    assert (la.name, la.is_partner) == ("Camden", True)


# --- choosing local authorities -----------------------------------------------------------


def test_la_codes_restrict_the_import(db):
    report = import_establishments(FIXTURE, la_codes=["203", "999"])

    assert sorted(School.objects.filter(urn__in=FIXTURE_URNS).values_list("urn", flat=True)) == [
        138003,
        149001,
    ]
    assert report.created == 2
    # Every row with another LA code is skipped unchecked; a row with none cannot be placed.
    assert report.skipped_by_la == len(FIXTURE_URNS) + len(BAD_ROWS) - 2 - 1
    assert report.problems == [(24, "missing LA code")]
    assert report.la_codes_not_found == ["999"]
    assert not LocalAuthority.objects.filter(code__in=["202", "204", "660"]).exists()
    assert not Trust.objects.filter(uid="4001").exists()


def test_command_la_option(db):
    out = io.StringIO()
    call_command("import_gias", str(FIXTURE), "--la", "204, 660", stdout=out)

    assert sorted(School.objects.filter(urn__in=FIXTURE_URNS).values_list("urn", flat=True)) == [
        100007,
        100008,
        401001,
    ]
    assert "20 rows outside LA 204, 660 skipped." in out.getvalue()


@pytest.mark.parametrize("value", ["20", "202,abc", ","])
def test_command_refuses_malformed_la_codes(db, value):
    with pytest.raises(CommandError):
        call_command("import_gias", str(FIXTURE), "--la", value)
    assert not School.objects.filter(urn__in=FIXTURE_URNS).exists()


# --- problems with rows ---------------------------------------------------------------------


def test_reports_bad_rows_by_line_and_imports_the_good_ones(db):
    report = import_establishments(FIXTURE)

    assert report.problems == list(BAD_ROWS.items())
    assert not School.objects.filter(urn__in=[100010, 100011, 100012, 100013, 100014]).exists()
    assert School.objects.get(urn=100001).name == "Fleet Primary School"  # not the repeat
    assert report.created == GOOD_ROWS


def test_a_row_can_have_several_problems(db, tmp_path):
    header, rows = read_rows()
    row = dict(zip(header, rows[0], strict=True))
    row |= {"URN": "", "EstablishmentStatus (name)": "", "LA (code)": "2020"}
    path = write_csv(tmp_path / "gias.csv", header, [[row[name] for name in header]])

    report = import_establishments(path)

    assert report.problems == [
        (2, "missing URN; LA code '2020' is not three digits; missing EstablishmentStatus")
    ]


def test_rows_that_would_not_fit_the_database_are_problems(db, tmp_path):
    header, rows = read_rows()
    long_name = dict(zip(header, rows[0], strict=True)) | {"EstablishmentName": "N" * 201}
    long_postcode = dict(zip(header, rows[1], strict=True)) | {"Postcode": "NW6 4PG 1234"}
    huge_urn = dict(zip(header, rows[2], strict=True)) | {"URN": "99999999999"}
    squared_urn = dict(zip(header, rows[3], strict=True)) | {"URN": "10001²"}  # cp1252 has ²
    rows = [
        [row[name] for name in header] for row in (long_name, long_postcode, huge_urn, squared_urn)
    ]

    report = import_establishments(write_csv(tmp_path / "gias.csv", header, rows))

    assert report.problems == [
        (2, "EstablishmentName is longer than 200 characters"),
        (3, "Postcode is longer than 10 characters"),
        (4, "URN '99999999999' is not a positive whole number"),
        (5, "URN '10001²' is not a positive whole number"),
    ]
    assert report.created == 0


def test_line_numbers_count_lines_in_the_file(db, tmp_path):
    """A row is reported at the line it starts on; quoted values can run over several lines,
    and blank lines count too."""
    header, rows = read_rows()
    two_lines = dict(zip(header, rows[0], strict=True)) | {
        "Street": "Fleet Road\nHampstead",
        "PhaseOfEducation (name)": "Tertiary",
    }
    good = dict(zip(header, rows[1], strict=True)) | {"Street": "Kilburn\nLondon"}
    bad = dict(zip(header, rows[2], strict=True)) | {"PhaseOfEducation (name)": "Tertiary"}
    short = rows[3][:10]
    rows = [[row[name] for name in header] for row in (two_lines, good)]
    path = write_csv(tmp_path / "gias.csv", header, rows)
    with open(path, "ab") as f:
        f.write(b"\r\n")
        f.write(",".join(bad[name] for name in header).encode("cp1252") + b"\r\n")
        f.write(",".join(short).encode("cp1252") + b"\r\n")

    report = import_establishments(path)

    assert report.created == 1
    assert report.problems == [
        (2, "unknown PhaseOfEducation 'Tertiary'"),
        (7, "unknown PhaseOfEducation 'Tertiary'"),
        (8, "has 10 fields; the header has 139"),
    ]


def test_ten_thousand_broken_rows_are_all_counted(db, tmp_path):
    header, rows = read_rows()
    template = dict(zip(header, rows[0], strict=True))
    broken = [[(template | {"URN": f"X{n}"})[name] for name in header] for n in range(10_000)]
    good = [rows[0], rows[1]]
    path = write_csv(tmp_path / "broken.csv", header, broken + good)

    report = import_establishments(path)
    out = io.StringIO()
    call_command("import_gias", str(path), stdout=out)

    assert len(report.problems) == 10_000
    assert report.problems[-1] == (10_001, "URN 'X9999' is not a positive whole number")
    assert report.created == 2
    printed = out.getvalue()
    assert printed.count("  line ") == 50
    assert "10,000 rows not imported:" in printed
    assert "…and 9,950 more" in printed
    assert "10,000 rows with problems not imported." in printed


# --- files that are refused ---------------------------------------------------------------


def test_a_file_missing_columns_is_refused_and_nothing_is_written(db, tmp_path):
    header, rows = read_rows()
    header = ["Post code" if name == "Postcode" else name for name in header]
    header[header.index("Trusts (name)")] = "Trust name"
    path = write_csv(tmp_path / "renamed.csv", header, rows)
    before = counts()

    with pytest.raises(GiasFormatError, match=r"Missing columns: Postcode, Trusts \(name\)\.$"):
        import_establishments(path)
    with pytest.raises(CommandError, match="Missing columns: Postcode, Trusts") as error:
        call_command("import_gias", str(path))

    assert "Nothing was imported" in str(error.value)
    assert counts() == before


def test_a_file_unreadable_after_good_rows_writes_nothing(db, tmp_path):
    """The whole file is checked before the first write."""
    data = FIXTURE.read_bytes() + b"100020,202,Camden,\x81\x8d\r\n"  # bytes cp1252 lacks
    path = tmp_path / "broken_tail.csv"
    path.write_bytes(data)
    before = counts()

    with pytest.raises(CommandError, match="neither UTF-8 nor Windows-1252"):
        call_command("import_gias", str(path))

    assert counts() == before


def test_a_database_failure_part_way_leaves_nothing_half_imported(db, monkeypatch):
    """Good rows are saved in one transaction: all of them or none."""
    monkeypatch.setattr("accounts.gias.BATCH_SIZE", 5)
    real_bulk_create = type(School.objects).bulk_create
    calls = []

    def fail_on_third_batch(manager, objs, *args, **kwargs):
        if manager.model is School:
            calls.append(len(objs))
            if len(calls) == 3:
                raise RuntimeError("the database went away")
        return real_bulk_create(manager, objs, *args, **kwargs)

    monkeypatch.setattr(type(School.objects), "bulk_create", fail_on_third_batch)
    before = counts()

    with pytest.raises(RuntimeError):
        import_establishments(FIXTURE)

    assert calls == [5, 5, 5]
    assert counts() == before


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "The file is empty."),
        (b"\r\n\r\n", "The file is empty."),
        (b"\xef\xbb\xbf", "The file is empty."),
        (b"%PDF-1.7\n\x00\x01\x02\xff\xfe binary", "This is a binary file, not a CSV file."),
        (
            b'{"urn": 100001, "name": "Fleet Primary School"}\n',
            "This is not a GIAS establishments file: its first line has none of the expected",
        ),
        (b"URN,EstablishmentName\n100001,Fleet\n", "Missing columns: LA (code), LA (name),"),
    ],
)
def test_files_that_are_not_gias_csv_are_refused(db, tmp_path, content, message):
    path = tmp_path / "upload.csv"
    path.write_bytes(content)
    before = counts()

    with pytest.raises(CommandError) as error:
        call_command("import_gias", str(path))

    assert message in str(error.value)
    assert counts() == before


def test_command_refuses_a_file_it_cannot_open(db, tmp_path):
    with pytest.raises(CommandError, match="nowhere.csv: No such file or directory"):
        call_command("import_gias", str(tmp_path / "nowhere.csv"))
    with pytest.raises(CommandError, match="Is a directory"):
        call_command("import_gias", str(tmp_path))


# --- the real files in shared/data/gias -------------------------------------------------


@needs_shared_data
def test_imports_the_real_gias_sample(db):
    report = import_establishments(SHARED_GIAS / "gias_sample.csv")

    assert report.encoding == "utf-8-sig"
    assert (report.rows, report.created, report.problems, report.warnings) == (99, 99, [], [])
    camden = School.objects.filter(local_authority__code="202")
    assert camden.count() == 44
    assert LocalAuthority.objects.get(code="202").name == "Camden"
    assert School.objects.filter(local_authority__code="201").count() == 4
    assert School.objects.get(urn=100000).website == "https://www.sirjohncassprimary.org"
    assert School.objects.get(urn=402386).status == School.Status.PROPOSED_TO_OPEN
    assert School.objects.filter(urn__gte=100000, urn__lt=500000, status="closed").count() == 9


@needs_shared_data
def test_welsh_establishments_are_other_types_with_no_phase(db):
    import_establishments(SHARED_GIAS / "gias_sample.csv")

    welsh = School.objects.filter(type_name="Welsh establishment")
    assert welsh.count() == 51
    assert set(welsh.values_list("type_group", "phase")) == {("other", "not_applicable")}
    assert welsh.values("local_authority").distinct().count() == 18
    ysgol_cybi = School.objects.get(urn=402406)
    assert ysgol_cybi.local_authority.name == "Isle of Anglesey"


@needs_shared_data
def test_refuses_the_gias_links_file(db):
    before = counts()

    with pytest.raises(CommandError) as error:
        call_command("import_gias", str(SHARED_GIAS / "links_edubasealldata20250422.csv"))

    assert "Missing columns: LA (code), LA (name), EstablishmentNumber, EstablishmentName" in str(
        error.value
    )
    assert "Nothing was imported" in str(error.value)
    assert counts() == before


# --- the command's output ---------------------------------------------------------------


def test_command_prints_progress_problems_and_a_summary(db):
    out, err = io.StringIO(), TtyStringIO()
    call_command("import_gias", str(FIXTURE), stdout=out, stderr=err)

    bar = err.getvalue()
    assert "\rReading [" in bar and "\rSaving  [" in bar
    assert bar.endswith("] 100%  17/17\n")
    printed = out.getvalue()
    assert "7 rows not imported:\n  line 19: URN '10001X' is not a positive whole number\n" in (
        printed
    )
    assert "  line 20: unknown PhaseOfEducation 'Tertiary'\n" in printed
    assert "1 row imported with a value left blank:\n  line 9: website 'not a website'" in (printed)
    assert (
        "establishments_small.csv (Windows-1252): 24 rows. Schools: 17 created, 0 updated, "
        "0 unchanged. 7 rows with problems not imported.\n"
    ) in printed
    assert "Local authorities: 4 created, 0 renamed. Trusts: 2 created, 0 renamed." in printed


def test_command_without_a_terminal_prints_no_progress_bar(db):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_gias", str(FIXTURE), stdout=out, stderr=err)

    assert err.getvalue() == ""
    assert "\r" not in out.getvalue()
    assert "17 created" in out.getvalue()


def test_command_at_verbosity_0_prints_only_problems(db):
    out, err = io.StringIO(), TtyStringIO()
    call_command("import_gias", str(FIXTURE), verbosity=0, stdout=out, stderr=err)

    assert err.getvalue() == ""
    printed = out.getvalue()
    assert "line 19:" in printed and "line 9:" in printed
    assert "created" not in printed
    assert School.objects.filter(urn__in=FIXTURE_URNS).count() == GOOD_ROWS
