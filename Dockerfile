# genq: one image for every role. `docker run … genq serve --role api|worker|all`.
# See docs/deploy.md for running N api + M worker containers against PostgreSQL and S3.

# --- build: compile TypeScript and the dashboard, then keep only production dependencies ---
FROM node:20-bookworm-slim AS build
# better-sqlite3 downloads a prebuilt binary when one matches; these build it from source when none does
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts skips `prepare` (the build) until the sources are here; rebuild runs the native install scripts
RUN npm ci --no-audit --no-fund --ignore-scripts && npm rebuild better-sqlite3
COPY tsconfig.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# --- runtime ---
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    GENQ_HOST=0.0.0.0 \
    GENQ_PORT=8080 \
    GENQ_DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY LICENSE README.md ./
# the SQLite file and local result files live here (unused with PostgreSQL + S3)
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
USER node
EXPOSE 8080
# stop gracefully: running tasks get GENQ_SHUTDOWN_GRACE_MS, then go back to the queue
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["serve"]
