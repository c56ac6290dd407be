"""Postal addresses on invoices and credit notes.

A document must reach someone: it is issued only to an address with at least a first line, a
town and a UK postcode of the right shape (Royal Mail's formats; whether the postcode exists is
not checked, there is no address file here)."""

import re
from dataclasses import dataclass

# Outward code (A9, A9A, A99, AA9, AA9A, AA99), inward code (9AA, whose letters are never
# C, I, K, M, O or V), and the one exception, GIR 0AA.
_POSTCODE = re.compile(
    r"(GIR ?0AA|[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][ABD-HJLNP-UW-Z]{2})", re.IGNORECASE
)


def is_uk_postcode(value):
    return bool(_POSTCODE.fullmatch((value or "").strip()))


def normalise_postcode(value):
    """'hv31aa' → 'HV3 1AA'; anything that is not a postcode is returned as typed."""
    compact = "".join((value or "").split()).upper()
    if not is_uk_postcode(compact):
        return (value or "").strip()
    return f"{compact[:-3]} {compact[-3:]}"


@dataclass(frozen=True)
class PostalAddress:
    lines: tuple[str, ...]  # street lines, blanks left out
    town: str = ""
    county: str = ""
    postcode: str = ""

    @classmethod
    def of(cls, lines, town, county, postcode):
        def clean(value):
            return " ".join((value or "").split())

        return cls(
            lines=tuple(clean(line) for line in lines if clean(line)),
            town=clean(town),
            county=clean(county),
            postcode=normalise_postcode(postcode),
        )

    def missing(self):
        """What stops a document going to this address, in words finance can act on."""
        missing = []
        if not self.lines:
            missing.append("the first line of the address")
        if not self.town:
            missing.append("the town")
        if not self.postcode:
            missing.append("the postcode")
        elif not is_uk_postcode(self.postcode):
            missing.append(f"a valid UK postcode ('{self.postcode}' is not one)")
        return missing

    def printed(self):
        return [part for part in (*self.lines, self.town, self.county, self.postcode) if part]
