# One image for web, worker and beat (docker-compose.yml picks the command).
FROM python:3.11-slim

# The container's variables come from its environment (docker-compose's env_file), never
# from a .env file in the image.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    MICROMASTERY_VAR_DIR=/app/var \
    MICROMASTERY_ENV_FILE=

WORKDIR /app
RUN useradd --create-home --uid 1000 micromastery

COPY pyproject.toml README.md ./
COPY micromastery ./micromastery
COPY accounts ./accounts
COPY courses ./courses
COPY practice ./practice
COPY payoff ./payoff
RUN pip install .

COPY . .
# collectstatic needs production settings to load, and they refuse a weak key: a throwaway
# random one, used by this step only and never stored in the image.
RUN DJANGO_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    DJANGO_ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput \
    && mkdir -p /app/var && chown -R micromastery /app/var

USER micromastery
EXPOSE 8000
CMD ["gunicorn", "micromastery.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
