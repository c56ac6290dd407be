# syntax=docker/dockerfile:1

# ---------------------------------------------------------------------------
# Builder: resolve nothing, just install the pinned runtime lock into a venv.
# Every compiled dependency in requirements.lock ships manylinux wheels, so no
# compiler toolchain is needed here.
# ---------------------------------------------------------------------------
FROM python:3.12-slim-bookworm AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH"

COPY requirements.lock /tmp/requirements.lock
RUN pip install --no-cache-dir -r /tmp/requirements.lock


# ---------------------------------------------------------------------------
# Runtime
# ---------------------------------------------------------------------------
FROM python:3.12-slim-bookworm AS runtime

# WeasyPrint (PDF generation) needs Pango/HarfBuzz and at least one font; `manage.py backup`
# needs pg_dump/pg_restore from the same major version as the server (15, bookworm's).
# DL3008: Debian package versions are not pinned on purpose. The base image tag fixes
# the release (bookworm); pinning exact versions would break the build whenever a
# security update supersedes the pinned version in the Debian archive.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz0b \
        libharfbuzz-subset0 \
        fonts-dejavu-core \
        fonts-liberation \
        postgresql-client \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 cpd \
    && useradd --system --uid 10001 --gid cpd --home-dir /home/cpd --create-home \
        --shell /usr/sbin/nologin cpd

ENV PATH="/opt/venv/bin:$PATH" \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    WEB_CONCURRENCY=4

COPY --from=builder /opt/venv /opt/venv

WORKDIR /app

# Source stays root-owned (read-only for the app user); only media (public and private) is
# writable.
COPY . /app

# Dummy SECRET_KEY/REDIS_URL exist only for this RUN; nothing is contacted and
# nothing is persisted in the image's environment.
RUN SECRET_KEY=collectstatic-build-only-not-a-real-secret-key-0123456789abcdef \
    REDIS_URL=redis://dummy:6379/0 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    python manage.py collectstatic --noinput \
    && mkdir -p /app/media /app/private-media \
    && chown cpd:cpd /app/media /app/private-media

# /app/media and /app/private-media (invoices) are created owned by cpd so a fresh named
# volume mounted there (see docker-compose.yml) inherits that ownership. No VOLUME instruction: it would leave
# anonymous volumes behind for one-off containers (migrate, shell).
USER 10001:10001

EXPOSE 8000

# Host header: first non-wildcard ALLOWED_HOSTS entry (falls back to localhost), so
# the check still passes when ALLOWED_HOSTS holds only the public hostname.
# X-Forwarded-Proto: https keeps SECURE_SSL_REDIRECT out of the way (health/ is also exempt).
# Liveness only: a database or Redis outage must not mark every container unhealthy.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import http.client,os,sys; hs=[x.strip().lstrip('.') for x in os.environ.get('ALLOWED_HOSTS','localhost').split(',')]; h=next((x for x in hs if x and x!='*'),'localhost'); c=http.client.HTTPConnection('127.0.0.1',8000,timeout=4); c.request('GET','/health/live/',headers={'Host':h,'X-Forwarded-Proto':'https'}); sys.exit(0 if c.getresponse().status==200 else 1)"]

# gunicorn reads the worker count from $WEB_CONCURRENCY itself (default 4 above).
# config/gunicorn.py: JSON log lines, access lines with the request id.
CMD ["gunicorn", "config.wsgi:application", "--config", "python:config.gunicorn", "--bind", "0.0.0.0:8000", "--worker-tmp-dir", "/dev/shm"]
