# fuyuan-hub: build with the dev dependencies, run with the production ones only. The image runs as the user node,
# on a PostgreSQL server (DATABASE_URL, as docker-compose.yml does) or on the embedded database in /app/data (the
# default DATA_DIR, ./data from /app), a folder node owns; keep it on a volume:
#   docker run -d -p 127.0.0.1:4000:4000 -v fuyuan-data:/app/data -e HUB_ADMIN_KEY=… fuyuan-hub
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production PORT=4000
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY schema ./schema
# The embedded database's folder, writable by node (a new named volume mounted here takes this owner).
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/src/main.js", "serve"]
