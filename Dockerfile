# The collector as a container: `vric daemon` with /healthz on port 9100.
# Build: docker build -t vric .     Run with Postgres: docker compose up -d
# See docs/operations.md for volumes, signals and the compose deployment.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VRIC_CONFIG_DIR=/config \
    VRIC_DATABASE_URL=sqlite:////data/vric.db

WORKDIR /app

# pango and a font for the bundle's digest.pdf (WeasyPrint); without them the
# bundle is written without the PDF (docs/bundle.md, pdf_unavailable).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
       fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, so that a code change does not reinstall them.
COPY pyproject.toml README.md ./
COPY pipeline/__init__.py pipeline/
RUN pip install --no-cache-dir --no-compile -e .

# The code, with its migrations (pipeline/store/migrations/) and the default
# feeds.yaml, outlets.yaml and rules.yaml (pipeline/config/defaults/); files
# mounted at /config override the defaults one by one.
COPY pipeline/ pipeline/

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin vric \
    && mkdir -p /data /bundles \
    && chown vric:vric /data /bundles
USER vric
VOLUME ["/data", "/bundles"]
EXPOSE 9100

# /healthz answers 503 when no cycle succeeded within interval + cycle timeout.
HEALTHCHECK --interval=60s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:9100/healthz', timeout=4).status != 200)"]

# SIGTERM: in-flight work finishes within --grace (30 s); give the container
# more than that before the runtime's SIGKILL (docker stop -t 45).
STOPSIGNAL SIGTERM
ENTRYPOINT ["vric"]
CMD ["daemon", "--metrics-port", "9100", "--metrics-host", "0.0.0.0"]
