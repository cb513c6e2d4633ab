# Stock Tracker image: built with the dev dependencies (TypeScript, Vite) by the same commands as
# the README and CI (`npm ci`, `npm run build`), run with the production dependencies only.
# docs/deployment.md explains each setting.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:20-bookworm-slim AS runtime
# Production refuses to start without an https:// PUBLIC_URL (secure cookies, HSTS): give it one,
# e.g. `-e PUBLIC_URL=https://stocks.example.com`, with TLS ended by the proxy in front.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8000
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# Read at run time: the migrations (applied at start) and the common-password list.
COPY drizzle ./drizzle
COPY src/auth/common-passwords.txt ./src/auth/common-passwords.txt
# The embedded database's folder, for a lone container without DATABASE_URL; owned by the app's user.
RUN mkdir /app/data && chown node:node /app/data
VOLUME /app/data
# The image's `node` user, by number so that Kubernetes' runAsNonRoot can check it.
USER 1000:1000
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The app drains on SIGTERM (readiness 503, streams closed with 1012, writes flushed) within
# SHUTDOWN_GRACE_MS; give the container longer than that to stop (compose: stop_grace_period).
STOPSIGNAL SIGTERM
# The second half of `npm start`: the build is already done, so no build tools are needed here.
CMD ["node", "dist/server/main.js"]
