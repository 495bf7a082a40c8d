# Child Index: production image (gunicorn + whitenoise, non-root).
# Build:  docker build -t childindex .
# Run:    docker run -e DATABASE_URL=... -e SECRET_KEY=... -e HTTPS=true \
#           -e AUDIT_SEAL_KEY=id:secret -e AUDIT_WITNESS_PATH=/witness/childindex.jsonl \
#           -v /srv/audit-witness:/witness -e ALLOWED_HOSTS=childindex.example -p 8000:8000 childindex

FROM node:20-bookworm-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
RUN mkdir -p govuk \
 && cp -r node_modules/govuk-frontend/dist/govuk/assets govuk/assets \
 && cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js \
       node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js.map \
       node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.css.map govuk/ \
 && sed 's#url(/assets/#url(assets/#g' node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.css \
       > govuk/govuk-frontend.min.css

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PORT=8000
RUN useradd --create-home --uid 10001 childindex
WORKDIR /app
COPY requirements.txt ./
RUN pip install --no-cache-dir --require-hashes -r requirements.txt
COPY --chown=childindex:childindex . .
COPY --from=assets --chown=childindex:childindex /build/govuk static/vendor/govuk
# collectstatic needs a key and a database URL to import settings; neither is used.
RUN SECRET_KEY=build-only-not-secret-build-only-not-secret-build-only-not-secret \
    DATABASE_URL=postgresql://build@localhost/build \
    python manage.py collectstatic --no-input -v 0
USER childindex
EXPOSE 8000
CMD ["sh", "-c", "exec gunicorn childindex.wsgi:application --bind 0.0.0.0:${PORT} --workers ${WEB_CONCURRENCY:-3} --graceful-timeout 30 --timeout 30 --access-logfile -"]
