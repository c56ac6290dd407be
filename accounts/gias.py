"""Import establishments from DfE's Get Information About Schools (GIAS) register.

Long because it is one pipeline: check the whole file, then save it in one transaction.

Reads the "establishment fields" CSV that GIAS publishes as edubasealldata*.csv and upserts
schools by URN, creating local authorities and trusts as they appear. Only the register's own
fields are written; the service's settings on a school (email domains, invoicing, approval) and
on authorities and trusts (partner area, central billing) are never touched.

The file is read and checked in full before anything is written, so a file that cannot be read
as a GIAS establishments file raises GiasFormatError with the database unchanged. Rows with
problems are reported by file line number and left out; the good rows are saved in one
transaction.
"""

import codecs
import csv
import io
import os
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import BinaryIO, NamedTuple

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction

from .models import LocalAuthority, School, Trust

COLUMNS = {
    "urn": "URN",
    "la_code": "LA (code)",
    "la_name": "LA (name)",
    "establishment_number": "EstablishmentNumber",
    "name": "EstablishmentName",
    "type_name": "TypeOfEstablishment (name)",
    "type_group": "EstablishmentTypeGroup (name)",
    "phase": "PhaseOfEducation (name)",
    "status": "EstablishmentStatus (name)",
    "street": "Street",
    "locality": "Locality",
    "address3": "Address3",
    "town": "Town",
    "county": "County (name)",
    "postcode": "Postcode",
    "website": "SchoolWebsite",
    "trust_uid": "Trusts (code)",
    "trust_name": "Trusts (name)",
}

# GIAS names, matched case-insensitively. GIAS groups the service has no category for are
# "other": Welsh schools (DfE lists them with type "Welsh establishment" and phase "Not
# applicable") and online providers.
TYPE_GROUPS = {
    "local authority maintained schools": School.TypeGroup.LA_MAINTAINED,
    "academies": School.TypeGroup.ACADEMY,
    "free schools": School.TypeGroup.FREE_SCHOOL,
    "independent schools": School.TypeGroup.INDEPENDENT,
    "special schools": School.TypeGroup.SPECIAL,
    "colleges": School.TypeGroup.COLLEGE,
    "universities": School.TypeGroup.UNIVERSITY,
    "other types": School.TypeGroup.OTHER,
    "welsh schools": School.TypeGroup.OTHER,
    "online provider": School.TypeGroup.OTHER,
}
PHASES = {
    "nursery": School.Phase.NURSERY,
    "primary": School.Phase.PRIMARY,
    "middle deemed primary": School.Phase.MIDDLE_PRIMARY,
    "secondary": School.Phase.SECONDARY,
    "middle deemed secondary": School.Phase.MIDDLE_SECONDARY,
    "16 plus": School.Phase.SIXTEEN_PLUS,
    "all-through": School.Phase.ALL_THROUGH,
    "not applicable": School.Phase.NOT_APPLICABLE,
}
STATUSES = {
    "open": School.Status.OPEN,
    "closed": School.Status.CLOSED,
    "open, but proposed to close": School.Status.OPEN_PROPOSED_TO_CLOSE,
    "proposed to open": School.Status.PROPOSED_TO_OPEN,
}

# Names and address lines: a line break inside one (a quoted CSV value may hold one) would
# break printed addresses and listings, so each run of whitespace becomes one space.
ONE_LINE = ("name", "la_name", "trust_name", "street", "locality", "address3", "town", "county")

# The School fields the register owns, in the order compared and written.
GIAS_FIELDS = School.REGISTER_FIELDS

READING = "reading"
SAVING = "saving"
Progress = Callable[[str, int, int], None]
"""progress(stage, done, total): READING counts rows against an estimate from the line count,
SAVING counts schools written."""

BATCH_SIZE = 500
PROGRESS_EVERY = 1000
MAX_URN = 2_147_483_647  # PositiveIntegerField's ceiling on every backend
# ASCII digits only: str.isdigit() and \d also accept "²" and other scripts' digits.
URN = re.compile(r"[0-9]+")
LA_CODE = re.compile(r"[0-9]{3}")
_is_url = URLValidator(schemes=["http", "https"])


def _max_length(model, name):
    return model._meta.get_field(name).max_length


class GiasFormatError(Exception):
    """The file cannot be read as a GIAS establishments file. Nothing was written."""


class Problem(NamedTuple):
    line: int
    message: str


@dataclass
class ImportReport:
    encoding: str = ""
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped_by_la: int = 0
    # Rows left out, and rows imported with a value dropped (an unusable website).
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    authorities_created: int = 0
    authorities_renamed: int = 0
    trusts_created: int = 0
    trusts_renamed: int = 0
    # A trust code that arrives with different names: which names, on which lines.
    trust_name_conflicts: list[str] = field(default_factory=list)
    la_codes_not_found: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Establishment:
    """One good row, ready to save."""

    line: int
    urn: int
    name: str
    la_code: str
    la_name: str
    establishment_number: str
    type_name: str
    type_group: str
    phase: str
    status: str
    street: str
    locality: str
    address3: str
    town: str
    county: str
    postcode: str
    website: str
    trust_uid: str
    trust_name: str


def import_establishments(
    source: str | os.PathLike | BinaryIO,
    *,
    la_codes: Iterable[str] | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Upsert schools from a GIAS establishments CSV (a path, or a seekable binary file).

    la_codes, when given, restricts the import to schools in those local authorities.
    Raises GiasFormatError, having written nothing, when the file as a whole is unreadable.
    """
    progress = progress or (lambda stage, done, total: None)
    wanted = {code.strip() for code in la_codes} if la_codes is not None else None
    report = ImportReport()
    with _open_binary(source) as stream:
        report.encoding, lines = _sniff(stream)
        stream.seek(0)
        establishments = _read(stream, report, wanted, max(lines - 1, 0), progress)
    _save(establishments, report, progress)
    return report


@contextmanager
def _open_binary(source):
    if hasattr(source, "read"):
        yield source
    else:
        with open(source, "rb") as stream:
            yield stream


def _sniff(stream) -> tuple[str, int]:
    """Choose the encoding and count lines, in one pass that keeps nothing in memory.

    GIAS publishes cp1252; files re-saved by people or tools are often UTF-8. Any UTF-8 file
    with non-ASCII text fails to decode as UTF-8 if it is really cp1252, so trying UTF-8
    strictly first is safe.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8 = True
    lines = size = 0
    last = b""
    while chunk := stream.read(1 << 20):
        if b"\0" in chunk:
            raise GiasFormatError("This is a binary file, not a CSV file.")
        size += len(chunk)
        lines += chunk.count(b"\n")
        last = chunk[-1:]
        if utf8:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                utf8 = False
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    if size == 0:
        raise GiasFormatError("The file is empty.")
    if last != b"\n":
        lines += 1
    return ("utf-8-sig" if utf8 else "cp1252"), lines


def _read(stream, report, wanted, estimate, progress) -> list[Establishment]:
    text = io.TextIOWrapper(stream, encoding=report.encoding, newline="")
    try:
        return list(_establishments(csv.reader(text), report, wanted, estimate, progress))
    except UnicodeDecodeError as error:
        raise GiasFormatError(
            "The file is neither UTF-8 nor Windows-1252 (cp1252) text."
        ) from error
    except csv.Error as error:
        raise GiasFormatError(f"The file is not a readable CSV file: {error}.") from error
    finally:
        text.detach()  # leave a caller's file open


def _establishments(reader, report, wanted, estimate, progress) -> Iterator[Establishment]:
    columns, width = _header(reader)
    la_codes_seen = set()
    first_line_of_urn = {}
    line = reader.line_num
    for row in reader:
        start, line = line + 1, reader.line_num
        if not row:
            continue
        report.rows += 1
        if report.rows % PROGRESS_EVERY == 0:
            progress(READING, report.rows, max(estimate, report.rows))
        if len(row) != width:
            report.problems.append(Problem(start, f"has {len(row)} fields; the header has {width}"))
            continue
        values = {key: row[index].strip() for key, index in columns.items()}
        for key in ONE_LINE:
            values[key] = " ".join(values[key].split())
        if values["county"].casefold() == "not recorded":  # GIAS's word for none
            values["county"] = ""
        la_codes_seen.add(values["la_code"])
        if wanted is not None and values["la_code"] and values["la_code"] not in wanted:
            report.skipped_by_la += 1
            continue
        establishment, messages = _parse(start, values, report)
        if establishment and establishment.urn in first_line_of_urn:
            messages.append(
                f"URN {establishment.urn} is repeated; its first row (line "
                f"{first_line_of_urn[establishment.urn]}) is the one imported"
            )
        if messages:
            report.problems.append(Problem(start, "; ".join(messages)))
            continue
        first_line_of_urn[establishment.urn] = start
        yield establishment
    progress(READING, report.rows, report.rows)
    if wanted is not None:
        report.la_codes_not_found = sorted(wanted - la_codes_seen)


def _header(reader) -> tuple[dict[str, int], int]:
    for header in reader:
        if header:
            break
    else:
        raise GiasFormatError("The file is empty.")
    positions = {}
    for index, name in enumerate(header):
        positions.setdefault(name.strip().casefold(), index)
    columns = {
        key: positions[name.casefold()]
        for key, name in COLUMNS.items()
        if name.casefold() in positions
    }
    missing = [name for key, name in COLUMNS.items() if key not in columns]
    if len(missing) == len(COLUMNS):
        raise GiasFormatError(
            "This is not a GIAS establishments file: its first line has none of the "
            f"expected columns ({', '.join(COLUMNS.values())})."
        )
    if missing:
        raise GiasFormatError(
            "This is not a GIAS establishments file (edubasealldata layout). "
            f"Missing columns: {', '.join(missing)}."
        )
    return columns, len(header)


def _parse(line, values, report) -> tuple[Establishment | None, list[str]]:
    """Check one row's values. Returns the establishment, or None and what is wrong."""
    messages = []
    urn = values["urn"]
    if not urn:
        messages.append("missing URN")
    elif not URN.fullmatch(urn) or not 0 < int(urn) <= MAX_URN:
        messages.append(f"URN {urn!r} is not a positive whole number")
    if not values["name"]:
        messages.append("missing establishment name")
    if not values["la_code"]:
        messages.append("missing LA code")
    elif not LA_CODE.fullmatch(values["la_code"]):
        messages.append(f"LA code {values['la_code']!r} is not three digits")
    for key, choices in (("type_group", TYPE_GROUPS), ("phase", PHASES), ("status", STATUSES)):
        label = COLUMNS[key].removesuffix(" (name)")
        if not values[key]:
            messages.append(f"missing {label}")
        elif values[key].casefold() not in choices:
            messages.append(f"unknown {label} {values[key]!r}")
    for key, model, name in (
        ("name", School, "name"),
        ("establishment_number", School, "establishment_number"),
        ("type_name", School, "type_name"),
        ("street", School, "street"),
        ("locality", School, "locality"),
        ("address3", School, "address3"),
        ("town", School, "town"),
        ("county", School, "county"),
        ("postcode", School, "postcode"),
        ("la_name", LocalAuthority, "name"),
        ("trust_uid", Trust, "uid"),
        ("trust_name", Trust, "name"),
    ):
        limit = _max_length(model, name)
        if len(values[key]) > limit:
            messages.append(f"{COLUMNS[key]} is longer than {limit} characters")
    if messages:
        return None, messages

    website = normalise_website(values["website"])
    if website is None:
        report.warnings.append(
            Problem(line, f"website {values['website']!r} is not a usable URL; left blank")
        )
        website = ""
    return Establishment(
        line=line,
        urn=int(urn),
        name=values["name"],
        la_code=values["la_code"],
        la_name=values["la_name"],
        establishment_number=values["establishment_number"],
        type_name=values["type_name"],
        type_group=TYPE_GROUPS[values["type_group"].casefold()],
        phase=PHASES[values["phase"].casefold()],
        status=STATUSES[values["status"].casefold()],
        street=values["street"],
        locality=values["locality"],
        address3=values["address3"],
        town=values["town"],
        county=values["county"],
        postcode=values["postcode"],
        website=website,
        trust_uid=values["trust_uid"],
        trust_name=values["trust_name"],
    ), []


def normalise_website(value: str) -> str | None:
    """A web address as stored: "" for none, None when unusable.

    GIAS often leaves out the scheme ("www.school.org.uk"); such addresses get https://.
    """
    value = value.strip()
    if not value:
        return ""
    if "://" not in value:
        value = "https://" + value.lstrip("/")
    if len(value) > _max_length(School, "website"):
        return None
    try:
        _is_url(value)
    except ValidationError:
        return None
    return value


def _save(establishments, report, progress):
    with transaction.atomic():
        la_ids = _save_authorities(establishments, report)
        trust_ids = _save_trusts(establishments, report)
        _save_schools(establishments, la_ids, trust_ids, report, progress)


def _save_lookup(model, key, names, keep=()):
    """Create or rename the rows of a code -> name table (local authorities, trusts), never
    renaming those whose code is in `keep`; return how many were created and renamed, and
    every row's id by code."""
    existing = dict(model.objects.values_list(key, "name"))
    new = [code for code in names if code not in existing]
    renamed = [
        c
        for c, name in names.items()
        if c in existing and c not in keep and name and existing[c] != name
    ]
    _upsert(
        model,
        [model(**{key: code, "name": names[code] or code}) for code in new + renamed],
        key=key,
        fields=["name"],
    )
    return len(new), len(renamed), dict(model.objects.values_list(key, "id"))


def _save_authorities(establishments, report) -> dict[str, int]:
    names = {}
    for e in establishments:
        if e.la_name or e.la_code not in names:
            names[e.la_code] = e.la_name
    report.authorities_created, report.authorities_renamed, ids = _save_lookup(
        LocalAuthority, "code", names
    )
    return ids


def _save_trusts(establishments, report) -> dict[str, int]:
    """A trust code given different names in one file is a mistake in the file, not a rename:
    it is reported, and the trust keeps its name (a new trust takes the first one given)."""
    names = {}
    lines_by_name = {}  # uid -> {name: [lines]}
    for e in establishments:
        if not e.trust_uid:
            continue
        if e.trust_name:
            lines_by_name.setdefault(e.trust_uid, {}).setdefault(e.trust_name, []).append(e.line)
        if not names.get(e.trust_uid):
            names[e.trust_uid] = e.trust_name
    conflicting = {uid: by for uid, by in lines_by_name.items() if len(by) > 1}
    existing = dict(Trust.objects.filter(uid__in=conflicting).values_list("uid", "name"))
    for uid, by in conflicting.items():
        given = "; ".join(f"{name!r} ({_lines(lines)})" for name, lines in by.items())
        report.trust_name_conflicts.append(
            f"Trust {uid} has different names in the file: {given}. Its name is left as "
            f"{existing.get(uid, names[uid])!r}."
        )
    report.trusts_created, report.trusts_renamed, ids = _save_lookup(
        Trust, "uid", names, keep=conflicting
    )
    return ids


def _lines(lines, shown=5):
    text = ", ".join(str(line) for line in lines[:shown])
    more = f" and {len(lines) - shown:,} more" if len(lines) > shown else ""
    return f"line{'s' if len(lines) > 1 else ''} {text}{more}"


def _save_schools(establishments, la_ids, trust_ids, report, progress):
    attnames = [School._meta.get_field(name).attname for name in GIAS_FIELDS]
    existing = {
        urn: tuple(values) for urn, *values in School.objects.values_list("urn", *GIAS_FIELDS)
    }
    to_save = []
    for e in establishments:
        values = (
            e.name,
            la_ids[e.la_code],
            e.establishment_number,
            e.type_name,
            e.type_group,
            e.phase,
            e.status,
            e.street,
            e.locality,
            e.address3,
            e.town,
            e.county,
            e.postcode,
            e.website,
            trust_ids[e.trust_uid] if e.trust_uid else None,
        )
        if e.urn not in existing:
            report.created += 1
        elif existing[e.urn] != values:
            report.updated += 1
        else:
            report.unchanged += 1
            continue
        to_save.append(School(urn=e.urn, **dict(zip(attnames, values, strict=True))))

    progress(SAVING, 0, len(to_save))
    _upsert(
        School,
        to_save,
        key="urn",
        fields=GIAS_FIELDS,
        saved=lambda done: progress(SAVING, done, len(to_save)),
    )


def _upsert(model, objects, *, key, fields, saved=lambda done: None):
    """Insert, or where key already exists update just these fields: whatever else the row
    holds (the service's own settings) stays as it is."""
    for start in range(0, len(objects), BATCH_SIZE):
        batch = objects[start : start + BATCH_SIZE]
        model.objects.bulk_create(
            batch, update_conflicts=True, unique_fields=[key], update_fields=fields
        )
        saved(start + len(batch))
