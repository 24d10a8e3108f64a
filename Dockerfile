# Model Atlas: the package installed as a wheel, run as a non-root user.
# `modelatlas serve` applies migrations and fills an empty catalog before serving.

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY templates ./templates
COPY static ./static
COPY migrations ./migrations
RUN pip wheel --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
COPY --from=build /wheels /wheels
RUN pip install /wheels/*.whl \
    && rm -rf /wheels \
    && useradd --system --uid 10001 --create-home --home-dir /home/modelatlas modelatlas \
    && mkdir /data \
    && chown modelatlas:modelatlas /data

# Production by default: the app refuses to start until MODELATLAS_SECRET_KEY is set.
# Without MODELATLAS_DATABASE_URL it keeps a SQLite file on the /data volume.
ENV MODELATLAS_ENVIRONMENT=production \
    MODELATLAS_DATABASE_URL=sqlite:////data/modelatlas.db \
    MODELATLAS_LOG_LEVEL=INFO
USER modelatlas
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000

# The first start imports the catalog, hence the long start period.
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

ENTRYPOINT ["modelatlas"]
# One process by default: a lone container keeps its rate limits in memory, which several
# workers must not (`serve --workers N` refuses it). compose.yaml serves with --workers and
# Redis; elsewhere set MODELATLAS_RATE_LIMIT_STORAGE_URL and MODELATLAS_PAGE_CACHE_URL to a
# Redis and pass `serve --host 0.0.0.0 --port 8000 --workers N` as the command.
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
