# One image for the API and the worker.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 AGENCY_DATA_DIR=/var/lib/agency

# LibreOffice and a CJK font turn generated papers into PDF with real Chinese glyphs; poppler's pdftotext
# finds the seal block on the page (documents/seal_block.py).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libreoffice-writer-nogui fonts-noto-cjk poppler-utils \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --home-dir /var/lib/agency agency

WORKDIR /app
COPY pyproject.toml README.md ./
COPY agency ./agency
COPY documents ./documents
COPY storage ./storage
RUN pip install .

USER agency
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import json,urllib.request as u; r=u.urlopen('http://127.0.0.1:8000/health', timeout=4); json.load(r)" || exit 1
CMD ["agency", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2", "--migrate"]
