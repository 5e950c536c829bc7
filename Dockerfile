# 生产镜像 / Production image: Django + gunicorn (threaded workers, config/gunicorn.py),
# Celery worker and beat share it. DEBUG is off; without SECRET_KEY the key is written once
# into /app/var/secret_key (mode 600, keep /app/var on a volume).
FROM python:3.11-slim-bookworm

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    TZ=Asia/Shanghai \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    VAR_DIR=/app/var \
    PATH=/app/.venv/bin:$PATH

# CJK fonts and Pango for WeasyPrint's PDF battle reports; tzdata for Asia/Shanghai;
# postgresql-client (15, as the compose stack's server) for manage.py backup / restore.
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 tzdata postgresql-client \
 && rm -rf /var/lib/apt/lists/*

RUN pip install --no-cache-dir uv

WORKDIR /app
# Dependencies first (cached layer), exactly as locked in uv.lock, without the dev group.
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project --no-cache

COPY . .
RUN uv sync --frozen --no-dev --no-cache \
 && useradd --system --uid 1000 --home-dir /app app \
 && mkdir -p /app/var \
 && chown -R app:app /app/var

USER app
EXPOSE 8000
CMD ["sh", "-c", "python -m config.secret_key && python manage.py migrate --noinput && python manage.py collectstatic --noinput --verbosity 0 && exec gunicorn -c config/gunicorn.py"]
