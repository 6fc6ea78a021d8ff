# Production image: the same image runs migrate, web (gunicorn), worker and beat (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=chaverim_admin.settings

WORKDIR /app
RUN useradd --system --create-home --uid 10001 chaverim

COPY pyproject.toml README.md ./
COPY chaverim_admin ./chaverim_admin
COPY core ./core
COPY events ./events
COPY partitions ./partitions
COPY watchlists ./watchlists
COPY collectors ./collectors
RUN pip install .
COPY manage.py ./
COPY templates ./templates
COPY static ./static
# collectstatic needs settings, not a database or real secrets. It gathers the admin's files and ours into
# /app/staticfiles (STATIC_ROOT), which WhiteNoise serves from gunicorn.
RUN SECRET_KEY=build-only DATABASE_URL=postgres://build@localhost/build REDIS_URL=redis://localhost:6379/0 \
    python manage.py collectstatic --noinput

USER chaverim
EXPOSE 8000
CMD ["gunicorn", "chaverim_admin.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--config", "python:chaverim_admin.gunicorn"]
