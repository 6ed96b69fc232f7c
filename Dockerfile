FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=servicecenter.settings \
    VAR_DIR=/app/var

RUN apt-get update \
 && apt-get install -y --no-install-recommends gettext curl \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
RUN pip install --upgrade pip && pip install .
COPY . .
# Build-time only values: collectstatic and compilemessages need settings, not secrets.
RUN DEBUG=false SECRET_KEY=build-only ALLOWED_HOSTS=localhost DATABASE_URL=sqlite:////tmp/build.sqlite3 \
      CELERY_BROKER_URL=memory:// python manage.py collectstatic --noinput -v 0 \
 && python manage.py compilemessages --ignore=.venv -v 0 \
 && useradd --system --uid 1000 --home /app servicecenter \
 && mkdir -p /app/var && chown -R servicecenter /app/var

USER servicecenter
EXPOSE 8000
CMD ["gunicorn", "servicecenter.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
