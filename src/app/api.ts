/** The API: HTTP routes and the Socket.IO console, on one HTTP server (not listening yet). */
import { createServer, type Server as HttpServer } from 'node:http';
import { Server as IoServer } from 'socket.io';
import type { ApiContext } from '../api/context.js';
import { createHttpApp } from '../api/http/server.js';
import { listRoutes, type RouteInfo } from '../api/http/route-list.js';
import { attachConsole } from '../api/socket/console.js';
import type { AuthService } from '../auth/service.js';
import type { BrokerLink } from '../broker/types.js';
import { moduleLogger } from '../core/logger.js';
import type { IncidentService } from '../dispatch/incidents.js';
import type { Ingest } from '../ingest/ingest.js';
import type { Store } from '../store/index.js';
import type { CameraService } from '../video/camera-service.js';
import type { HubContext } from './context.js';

export interface ApiModules {
  store: Store;
  incidents: IncidentService;
  ingest: Ingest;
  broker: BrokerLink;
  video: CameraService;
  auth: AuthService;
}

export interface HubApi {
  http: HttpServer;
  io: IoServer;
  routes: readonly RouteInfo[];
  detachConsole: () => void;
}

export function buildApi(ctx: HubContext, modules: ApiModules): HubApi {
  const { running } = ctx;
  const api: ApiContext = {
    config: () => running.config,
    directory: () => running.directory,
    configProblems: () => running.problems,
    ...modules,
    metrics: ctx.metrics,
    log: moduleLogger(ctx.root, 'api'),
    startedAt: ctx.clock.now(),
  };
  const httpApp = createHttpApp(api);
  const http = createServer(httpApp);
  const io = new IoServer(http, { serveClient: true, maxHttpBufferSize: 64 * 1024 });
  return { http, io, routes: listRoutes(httpApp), detachConsole: attachConsole(io, api, ctx.bus, { commandRate: ctx.options.commandRate }) };
}
