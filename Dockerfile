# The Handoff image for compose.yaml and any container platform: one image, two commands
# (gunicorn for the web, `manage.py qcluster` for the workers). docs/deploy.md explains the rest.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HOST=0.0.0.0 \
    PORT=8000 \
    STATIC_ROOT=/app/staticfiles \
    TRIAGE_MODEL_DIR=/app/var/models

WORKDIR /app
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY . .
# The semantic triage model is baked into the image (nothing downloads at run time); the static
# files are built with the production storage (hashed names, compressed copies).
RUN PY=python bash scripts/fetch_models.sh \
    && DEBUG=false SECRET_KEY=image-build-only DATABASE_URL=postgres://build@localhost/build \
       python manage.py collectstatic --noinput -v 0 \
    && useradd --system --home-dir /app handoff && mkdir -p /app/media && chown handoff /app/media

USER handoff
EXPOSE 8000
CMD ["gunicorn", "helpdesk.wsgi"]
