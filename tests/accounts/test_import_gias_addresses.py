"""The GIAS import reads schools' postal addresses, and is strict about names (issue 16, item 2).

The small files here are written in the real file's layout: the header line of
shared/data/gias/gias_sample.csv (139 columns), its rows edited, Windows-1252 and CRLF as GIAS
publishes."""

import io
import random

import pytest
from django.core.management import call_command

from accounts.gias import import_establishments
from accounts.models import School, Trust

from .test_import_gias import SHARED_GIAS, needs_shared_data, read_rows, write_csv

pytestmark = needs_shared_data

SAMPLE = SHARED_GIAS / "gias_sample.csv"


def sample_rows(*urns):
    """The real sample's header, and its rows for these URNs as dicts, in that order."""
    header, rows = read_rows(SAMPLE, encoding="utf-8")
    by_urn = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    return header, [by_urn[str(urn)] for urn in urns]


def write(tmp_path, header, rows, name="gias.csv"):
    return write_csv(tmp_path / name, header, [[row[h] for h in header] for row in rows])


def address(urn):
    school = School.objects.get(urn=urn)
    return (
        school.street,
        school.locality,
        school.address3,
        school.town,
        school.county,
        school.postcode,
    )


def test_imports_the_postal_address_of_the_real_sample(db):
    report = import_establishments(SAMPLE)

    assert report.problems == []
    # The first row of the file, and a Welsh school with a county.
    assert address(100000) == ("St James's Passage", "Duke's Place", "", "London", "", "EC3A 5DE")
    assert address(402394) == (
        "1-3 Trinity Court",
        "21-27 Newport Road",
        "",
        "Cardiff",
        "Cardiff (Caerdydd)",
        "CF24 0AA",
    )
    # GIAS has rows with no address at all; they import, with the address blank.
    assert address(402405) == ("", "", "", "", "", "")


def test_address_columns_are_found_by_their_header_not_their_place(db, tmp_path):
    header, rows = sample_rows(100000, 402394)
    shuffled = header[:]
    random.Random(16).shuffle(shuffled)
    assert shuffled.index("Street") != header.index("Street")

    import_establishments(write(tmp_path, shuffled, rows))

    assert address(100000) == ("St James's Passage", "Duke's Place", "", "London", "", "EC3A 5DE")
    assert address(402394)[4] == "Cardiff (Caerdydd)"


def test_gias_not_recorded_county_is_no_county(db, tmp_path):
    header, rows = sample_rows(100000)
    rows[0]["County (name)"] = "Not recorded"

    import_establishments(write(tmp_path, header, rows))

    assert School.objects.get(urn=100000).county == ""


def test_a_reimport_updates_the_address(db, tmp_path):
    header, rows = sample_rows(100000)
    import_establishments(write(tmp_path, header, rows))
    rows[0] |= {"Street": "1 Mitre Street", "Locality": "", "Postcode": "EC3A 5BU"}

    report = import_establishments(write(tmp_path, header, rows, "moved.csv"))

    assert report.updated == 1
    assert address(100000) == ("1 Mitre Street", "", "", "London", "", "EC3A 5BU")


def test_line_breaks_inside_names_and_address_lines_become_spaces(db, tmp_path):
    header, rows = sample_rows(100000, 100001)
    rows[0] |= {
        "EstablishmentName": "The Aldgate\r\nSchool",
        "Street": "St James's\nPassage",
        "Trusts (code)": "5001",
        "Trusts (name)": "City of London\n  Learning Trust ",
    }
    rows[1] |= {"Trusts (code)": "5001", "Trusts (name)": "City of London Learning Trust"}

    report = import_establishments(write(tmp_path, header, rows))

    school = School.objects.get(urn=100000)
    assert school.name == "The Aldgate School"
    assert school.street == "St James's Passage"
    # Once the line break is gone both rows give the trust the same name: no conflict.
    assert Trust.objects.get(uid="5001").name == "City of London Learning Trust"
    assert report.trust_name_conflicts == []


def test_a_trust_code_with_two_names_is_reported_not_decided_by_the_last_row(db, tmp_path):
    header, rows = sample_rows(100000, 100001, 100002)
    rows[0] |= {"Trusts (code)": "5001", "Trusts (name)": "City Learning Trust"}
    rows[1] |= {"Trusts (code)": "5001", "Trusts (name)": "City Learning Trust"}
    rows[2] |= {"Trusts (code)": "5001", "Trusts (name)": "Thames Academies Trust"}

    report = import_establishments(write(tmp_path, header, rows))

    assert report.trust_name_conflicts == [
        "Trust 5001 has different names in the file: 'City Learning Trust' (lines 2, 3); "
        "'Thames Academies Trust' (line 4). Its name is left as 'City Learning Trust'."
    ]
    trust = Trust.objects.get(uid="5001")
    assert trust.name == "City Learning Trust"  # the first name, not the last row's
    assert set(trust.schools.values_list("urn", flat=True)) == {100000, 100001, 100002}
    assert report.trusts_created == 1


def test_a_known_trust_keeps_its_name_when_the_file_disagrees_with_itself(db, tmp_path):
    Trust.objects.create(uid="5001", name="City Learning Trust")
    header, rows = sample_rows(100000, 100001)
    rows[0] |= {"Trusts (code)": "5001", "Trusts (name)": "City Academies Trust"}
    rows[1] |= {"Trusts (code)": "5001", "Trusts (name)": "Thames Academies Trust"}
    path = write(tmp_path, header, rows)

    out = io.StringIO()
    call_command("import_gias", str(path), stdout=out)

    assert Trust.objects.get(uid="5001").name == "City Learning Trust"
    printed = out.getvalue()
    assert "Trust codes with more than one name:\n  Trust 5001 has different names" in printed
    assert "Its name is left as 'City Learning Trust'." in printed
    assert "Trusts: 0 created, 0 renamed." in printed


def test_a_trust_renamed_consistently_is_still_renamed(db, tmp_path):
    Trust.objects.create(uid="5001", name="City Learning Trust")
    header, rows = sample_rows(100000, 100001)
    for row in rows:
        row |= {"Trusts (code)": "5001", "Trusts (name)": "City Academies Trust"}

    report = import_establishments(write(tmp_path, header, rows))

    assert report.trust_name_conflicts == []
    assert report.trusts_renamed == 1
    assert Trust.objects.get(uid="5001").name == "City Academies Trust"


@pytest.mark.parametrize("column", ["Street", "Town", "County (name)"])
def test_an_address_line_too_long_for_the_database_is_a_problem(db, tmp_path, column):
    header, rows = sample_rows(100000)
    rows[0][column] = "x" * 101

    report = import_establishments(write(tmp_path, header, rows))

    assert report.problems == [(2, f"{column} is longer than 100 characters")]
    assert not School.objects.filter(urn=100000).exists()
