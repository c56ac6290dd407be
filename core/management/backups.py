"""Backups of what the service cannot rebuild: the PostgreSQL database (pg_dump's custom
format) and the uploaded media (a gzipped tarball of MEDIA_ROOT, and of PRIVATE_MEDIA_ROOT
where invoices are kept on disk), side by side in one folder with a manifest."""

import json
import os
import shutil
import subprocess
import tarfile
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import connections

DUMP = "database.dump"
MEDIA = "media.tar.gz"
MANIFEST = "manifest.json"


class BackupError(Exception):
    pass


def libpq_url(database):
    """A connection URL for pg_dump/pg_restore from a Django DATABASES entry."""
    if database["ENGINE"] != "django.db.backends.postgresql":
        raise BackupError("Backups need PostgreSQL (DATABASE_URL=postgres://…); this is SQLite.")
    auth = database["USER"] or ""
    if database.get("PASSWORD"):
        auth += f":{database['PASSWORD']}"
    host = database["HOST"] or "127.0.0.1"
    port = database["PORT"] or 5432
    return f"postgresql://{auth}@{host}:{port}/{database['NAME']}"


def _tool(name):
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (apt-get install postgresql-client).")
    return path


def _run(command):
    result = subprocess.run(command, capture_output=True, text=True)  # noqa: S603  fixed tools
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()[-500:]}")


def make_backup(destination, *, using="default", media_root=None):
    """Write database.dump, media.tar.gz and manifest.json into a new folder; return it."""
    database = connections[using].settings_dict
    url = libpq_url(database)
    media_root = Path(media_root or settings.MEDIA_ROOT)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    folder = Path(destination) / stamp
    folder.mkdir(parents=True, exist_ok=False)
    _run(
        [
            _tool("pg_dump"),
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            "-f",
            str(folder / DUMP),
            url,
        ]
    )
    private_root = Path(settings.PRIVATE_MEDIA_ROOT)
    with tarfile.open(folder / MEDIA, "w:gz") as tar:
        if media_root.exists():
            tar.add(media_root, arcname="media")
        if private_root.exists():
            tar.add(private_root, arcname="private-media")
    manifest = {
        "made_at": stamp,
        "database": database["NAME"],
        "media_root": str(media_root),
        "media_files": sum(1 for p in media_root.rglob("*") if p.is_file())
        if media_root.exists()
        else 0,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2))
    return folder


def _is_empty(url):
    query = "select count(*) from information_schema.tables where table_schema = 'public'"
    result = subprocess.run(  # noqa: S603  fixed tool and query
        [_tool("psql"), "-At", "-c", query, url], capture_output=True, text=True
    )
    if result.returncode != 0:
        raise BackupError(f"Cannot reach the target database: {result.stderr.strip()[-300:]}")
    return result.stdout.strip() == "0"


def _safe_members(tar, target):
    """Only plain files and folders, never outside the target folder."""
    for member in tar.getmembers():
        path = (target / member.name).resolve()
        if not (member.isfile() or member.isdir()) or not str(path).startswith(
            str(target.resolve())
        ):
            raise BackupError(f"Refusing a suspicious entry in the media archive: {member.name}")
        yield member


def restore_backup(folder, *, database_url, media_root, private_media_root=None):
    """Restore a backup folder into an EMPTY database and an empty or new media folder."""
    folder = Path(folder)
    if not (folder / DUMP).exists() or not (folder / MEDIA).exists():
        raise BackupError(f"{folder} is not a backup: it needs {DUMP} and {MEDIA}.")
    if not _is_empty(database_url):
        raise BackupError("The target database is not empty; restore only into a new database.")
    media_root = Path(media_root)
    private_root = Path(private_media_root or settings.PRIVATE_MEDIA_ROOT)
    for root in (media_root, private_root):
        if root.exists() and any(root.iterdir()):
            raise BackupError(f"{root} is not empty; restore media only into an empty folder.")
    _run(
        [
            _tool("pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",  # all or nothing
            "-d",
            database_url,
            str(folder / DUMP),
        ]
    )
    staging = media_root.parent / f".{media_root.name}.restoring"
    staging.mkdir(parents=True, exist_ok=True)
    with tarfile.open(folder / MEDIA, "r:gz") as tar:
        tar.extractall(staging, members=_safe_members(tar, staging))  # noqa: S202  checked above
    for name, root in (("media", media_root), ("private-media", private_root)):
        restored = staging / name
        root.mkdir(parents=True, exist_ok=True)
        if restored.exists():
            for item in restored.iterdir():
                os.replace(item, root / item.name)
    shutil.rmtree(staging)
