# SafeGrid hub. Node 20 on Debian 12; better-sqlite3 builds from source here (no binary downloads).
# The web pages: built with Vite (a dev dependency) in their own stage; only web/dist ships.
FROM node:20-bookworm-slim AS web
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY web ./web
COPY src/contract ./src/contract
COPY src/geo ./src/geo
RUN npx vite build -c web/vite.config.ts

FROM node:20-bookworm-slim
# openssl: http.tls.self_signed makes the hub's HTTPS certificate with it on first start (issue 13).
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ ffmpeg openssl \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY bin ./bin
COPY src ./src
COPY --from=web /app/web/dist ./web/dist
COPY tsconfig.json ./
# config/ and devices/ are mounted by docker-compose.yml; the sample district is the fallback.
COPY config ./config
COPY devices ./devices
ENV NODE_ENV=production
EXPOSE 8080 1883
VOLUME ["/app/data"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD node -e "fetch('http://127.0.0.1:8080/api/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "bin/safegrid.js"]
CMD ["start", "--root", "/app"]
