# syntax=docker/dockerfile:1
# Partner Billing: one image with the server binary and the built web app.
#   docker build -t partner-billing .
#   docker run -p 8080:8080 -e PB_JWT_SECRET=… partner-billing
# See docs/operations.md for every PB_ variable; docker-compose.yml runs it with PostgreSQL.

# 1. The web app (frontend/dist). Its build checks the generated types against api/schema.graphql.
FROM node:22-bookworm-slim AS frontend
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY api/schema.graphql /src/api/schema.graphql
COPY frontend/ ./
RUN npm run build

# 2. The server binary, in release mode. All workspace members are needed for Cargo to resolve
#    the workspace; only the partner-billing binary is built.
FROM rust:1-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends cmake clang fonts-wqy-microhei \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Cargo.toml Cargo.lock clippy.toml ./
COPY api api
COPY entity entity
COPY migration migration
COPY tests tests
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p partner-billing --bin partner-billing \
 && install -D -m 0755 target/release/partner-billing /out/partner-billing \
 && mkdir -p /out/data

# 3. The runtime: glibc and CA certificates, no shell, no package manager, user 65532.
#    The user is numeric (distroless's `nonroot`) so Kubernetes' runAsNonRoot can check it. The
#    root filesystem can be read-only: the process writes only to /tmp (cost export downloads)
#    and, on SQLite, to /var/lib/partner-billing.
FROM gcr.io/distroless/cc-debian12:nonroot
WORKDIR /app
COPY --from=build /out/partner-billing /app/partner-billing
COPY --from=frontend /src/frontend/dist /app/frontend/dist
# A CJK font for Chinese invoices (typst embeds the glyphs it uses into each PDF).
COPY --from=build /usr/share/fonts/truetype/wqy /usr/share/fonts/truetype/wqy
COPY --from=build --chown=65532:65532 /out/data /var/lib/partner-billing
ENV PB_LISTEN=0.0.0.0:8080 \
    PB_FRONTEND_DIR=/app/frontend/dist \
    PB_DATABASE_URL=sqlite:///var/lib/partner-billing/partner-billing.db?mode=rwc \
    PB_LOG_FORMAT=json
USER 65532:65532
VOLUME ["/var/lib/partner-billing"]
EXPOSE 8080
# The binary probes its own /readyz (the image has no curl): database up, migrations applied.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["/app/partner-billing", "healthcheck"]
ENTRYPOINT ["/app/partner-billing"]
CMD ["serve"]
