"""Every module, function, model, task and path the docs name in backticks exists.

The docs are how a newcomer finds the code; when a module is split or a function moves, the
sentence that names it must move too. This reads README.md, SECURITY.md and docs/**.md, takes
each backticked name that starts with one of our apps, and resolves it: a dotted name by
import and attribute (or as a model label, a model field, or a pinned Celery task name), a
path against the tree (`app/NNNN_name` against the app's migrations)."""

import importlib
import re
from pathlib import Path

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist

REPO = Path(__file__).resolve().parents[2]
APPS = {
    "core", "accounts", "billing", "courses", "bookings", "settlement",
    "search", "reports", "home", "demo", "config",
}  # fmt: skip
TREE = APPS | {"docs", "bench", "deploy", "tests", "site"}
TICKED = re.compile(r"`([^`\n]+)`")
DOTTED = re.compile(r"([a-z_]+(?:\.[A-Za-z_]\w*)+)(?:\(\))?")
FILE_SUFFIXES = (".py", ".md", ".html", ".yaml", ".yml", ".txt", ".json", ".css", ".js")


def docs():
    return [REPO / "README.md", REPO / "SECURITY.md", *sorted((REPO / "docs").rglob("*.md"))]


def named(path):
    for number, line in enumerate(path.read_text().splitlines(), 1):
        for token in TICKED.findall(line):
            yield number, token.strip()


def is_code(dotted):
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            thing = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        except Exception:  # a settings module that refuses to load outside production
            return (REPO / Path(*parts[:cut])).with_suffix(".py").exists()
        for part in parts[cut:]:
            if not hasattr(thing, part):
                return False
            thing = getattr(thing, part)
        return True
    return False


def is_model_or_field(dotted):
    label, _, rest = dotted.partition(".")
    model_name, _, field = rest.partition(".")
    try:
        model = apps.get_model(label, model_name)
    except (LookupError, ValueError):
        return False
    if not field:
        return True
    try:
        model._meta.get_field(field)
    except FieldDoesNotExist:
        return hasattr(model, field)
    return True


def is_task(dotted):
    from celery import current_app  # the project's app, set up by config.celery

    importlib.import_module("config.celery")
    current_app.loader.import_default_modules()
    return dotted in current_app.tasks


def is_path(token):
    path = token.rstrip("/")
    app, _, rest = path.partition("/")
    if re.fullmatch(r"\d{4}_\w+", rest):
        return (REPO / app / "migrations" / f"{rest}.py").exists()
    target = REPO / path
    return target.exists() or any(target.parent.glob(target.name + "*"))


def unresolved():
    missing = []
    for doc in docs():
        for number, token in named(doc):
            where = f"{doc.relative_to(REPO)}:{number}: `{token}`"
            dotted = DOTTED.fullmatch(token)
            if dotted and token.split(".")[0] in APPS and not token.endswith(FILE_SUFFIXES):
                name = dotted.group(1)
                if not (is_code(name) or is_model_or_field(name) or is_task(name)):
                    missing.append(where)
            elif (
                re.fullmatch(r"[a-z_]+/[\w/.-]*", token)
                and token.split("/")[0] in TREE
                and not is_path(token)
            ):
                missing.append(where)
    return missing


def test_every_name_in_the_docs_is_in_the_code():
    assert unresolved() == []
