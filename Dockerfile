# One image for every role in docker-compose.yml: web (gunicorn), worker, beat, migrate.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DIAGNOSER_VAR_DIR=/app/var

WORKDIR /app
RUN useradd --create-home --user-group --uid 10001 diagnoser

# Dependencies first: this layer is rebuilt only when requirements.txt changes.
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# Static files are collected into the image and served by whitenoise: no shared volume.
# Settings load with their local defaults here; nothing at build time needs the secrets.
RUN python manage.py collectstatic --noinput \
    && chown -R diagnoser:diagnoser /app/var

USER diagnoser
EXPOSE 8000
CMD ["gunicorn", "diagnoser.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]
