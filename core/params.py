"""Whole numbers and ids read from a request's query, form or path.

One parser for all of them, because the obvious ones are wrong: str.isdigit() accepts "²"
(which int() then refuses) and int() reads other scripts' digits ("١٢" is 12) and refuses
more than 4,300 digits; and PostgreSQL's bigint ends at 2**63 - 1, past which a lookup is
a server error. Here only ASCII digits count, and only values a database id can hold."""

import re

from django.urls.converters import IntConverter

MAX_ID = 2**63 - 1  # bigint, the widest integer column any model has
_ASCII_DIGITS = re.compile(r"[0-9]{1,19}")


def parse_int(raw, minimum=0, maximum=MAX_ID):
    """The whole number `raw` spells in ASCII digits, if it is in range; otherwise None."""
    if not isinstance(raw, str):
        return None
    raw = raw.strip()
    if not _ASCII_DIGITS.fullmatch(raw):
        return None
    value = int(raw)
    return value if minimum <= value <= maximum else None


def int_param(params, name, default=None, minimum=0, maximum=MAX_ID):
    """params[name] (a QueryDict: request.GET or request.POST) as a whole number in range,
    or `default` when it is missing or is not one."""
    value = parse_int(params.get(name, ""), minimum, maximum)
    return default if value is None else value


def id_param(params, name):
    """An object id from the query or a form: a positive whole number, or None."""
    return int_param(params, name, minimum=1)


def id_list(params, name, limit=100):
    """Every id given under `name` (ticked boxes), unusable ones dropped, at most `limit`."""
    ids = (parse_int(raw, minimum=1) for raw in params.getlist(name))
    return list(dict.fromkeys(i for i in ids if i is not None))[:limit]


class IdConverter(IntConverter):
    """<id:...> in a URL: ASCII digits that fit a bigint. A longer number is no match, so
    the address answers 404 rather than reaching the database."""

    regex = "[0-9]{1,19}"

    def to_python(self, value):
        number = parse_int(value, minimum=0)
        if number is None:
            raise ValueError(value)
        return number
