# claimwatch worker image: `docker compose up` builds it (see docker-compose.yml).
#   docker build -t claimwatch .
#   docker run --rm -e CLAIMWATCH_BROKER=kafka://kafka:9092 -p 6066:6066 claimwatch
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first (from pyproject.toml alone), so a code change does not reinstall spaCy.
COPY pyproject.toml ./
RUN python -c "import tomllib; d = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
print('\n'.join(d['dependencies'] + d['optional-dependencies']['rocksdb']))" > /tmp/requirements.txt \
 && pip install -r /tmp/requirements.txt \
 && rm /tmp/requirements.txt

COPY README.md ./
COPY agents ./agents
COPY detector ./detector
COPY schemas ./schemas
COPY seeds ./seeds
RUN pip install --no-deps ".[rocksdb]"

RUN useradd --system --uid 10001 --home-dir /var/lib/claimwatch --create-home claimwatch
USER claimwatch

# Listen on all interfaces inside the container so that Prometheus can scrape /metrics.
ENV CLAIMWATCH_WEB_HOST=0.0.0.0 \
    CLAIMWATCH_WEB_PORT=6066 \
    CLAIMWATCH_DATA_DIR=/var/lib/claimwatch \
    CLAIMWATCH_TOPICS_FILE=/app/seeds/topics.yaml \
    CLAIMWATCH_STORE=rocksdb://
VOLUME ["/var/lib/claimwatch"]
EXPOSE 6066

HEALTHCHECK --interval=10s --timeout=5s --start-period=120s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('CLAIMWATCH_WEB_PORT', '6066') + '/health', timeout=4)"]

CMD ["claimwatch", "worker"]
