# The registry server. Configure it with the env vars in the README.
FROM node:20-bookworm-slim AS build
WORKDIR /src
RUN npm install -g pnpm@10.34.9
COPY . .
# `pnpm deploy` gives the server alone with its production dependencies (the workspace packages it
# uses included): no client, tests, benches or dev tools in the image. The migrations go beside it,
# where the server looks for them (../../../../migrations from dist/db).
RUN pnpm install --frozen-lockfile \
 && pnpm -s build \
 && pnpm --filter @unjucks/server deploy --prod --legacy /app/packages/server \
 && cp -r migrations /app/migrations \
 && rm -rf /app/packages/server/src /app/packages/server/tsconfig.json /app/packages/server/tsconfig.tsbuildinfo

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 DATA_DIR=/data \
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
COPY --from=build /app /app
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --retries=5 \
  CMD node -e "fetch('http://127.0.0.1:3000/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "packages/server/dist/cli.js", "start"]
