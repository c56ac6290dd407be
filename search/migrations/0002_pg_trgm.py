"""PostgreSQL's pg_trgm extension, for Wagtail's fuzzy search (`wagtail.search.query.Fuzzy`):
the finder forgives a misspelt word ("phonix") by trigram similarity over the indexed words.
A trusted extension since PostgreSQL 13, so the database's owner may create it. Nothing on
SQLite, whose FTS5 has no approximate matching (`search.services.words` corrects words there)."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("search", "0001_index_entry_title_body")]

    operations = [TrigramExtension()]
