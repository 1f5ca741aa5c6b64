# One image for web (gunicorn), Celery worker and Celery beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    ATTEST_VAR_DIR=/var/lib/attest STATIC_ROOT=/app/staticfiles

# WeasyPrint's system libraries and fonts (see reference/toolchain.md); gettext for
# compilemessages (the .mo files are built here, not kept in git).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
      libharfbuzz-subset0 fonts-dejavu-core gettext \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home /app --uid 10001 attest

WORKDIR /app
COPY pyproject.toml README.md LICENSE NOTICE ./
COPY config ./config
COPY common ./common
COPY audit ./audit
COPY accounts ./accounts
COPY catalog ./catalog
COPY risk ./risk
COPY approvals ./approvals
COPY monitoring ./monitoring
COPY documents ./documents
COPY portal ./portal
COPY governance ./governance
RUN pip install .
COPY . .
# collectstatic needs a key only to import settings; it is not used at run time.
RUN SECRET_KEY=collectstatic-only ATTEST_ALLOW_DERIVED_SECRETS_KEY=true \
    python manage.py collectstatic --noinput \
 && SECRET_KEY=compilemessages-only ATTEST_ALLOW_DERIVED_SECRETS_KEY=true \
    python manage.py compilemessages \
 && mkdir -p /var/lib/attest && chown -R attest /var/lib/attest

USER attest
EXPOSE 8000
# gthread workers (config/gunicorn.py); in docker-compose.yml nginx buffers requests in front.
CMD ["gunicorn", "-c", "config/gunicorn.py", "config.wsgi"]
