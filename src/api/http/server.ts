import express, { type NextFunction, type Request, type Response } from 'express';
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ApiContext } from '../context.js';
import { commissioningRoutes } from './routes/commissioning.js';
import { directoryRoutes } from './routes/directory.js';
import { eventRoutes } from './routes/events.js';
import { healthRoutes } from './routes/health.js';
import { incidentRoutes } from './routes/incidents.js';
import { drillRoutes } from './routes/drills.js';
import { mapRoutes } from './routes/map.js';
import { mediaRoutes } from './routes/media.js';
import { reportRoutes } from './routes/reports.js';
import { sessionRoutes } from './routes/session.js';
import { videoAccess } from './routes/video-access.js';
import { anonymous, authOf, gate, resolveSession, signedIn } from './access.js';
import { can } from '../../auth/roles.js';
import { refuse } from './refuse.js';
import { hostAllowed, hostOf, securityHeaders } from './edge.js';

/** The pages as Vite builds them (`npm run build:web`; `npm start` and `npm test` build first). */
const WEB_DIR = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

/**
 * The HTTP app: REST under /api, Prometheus text at /metrics, the web pages at /. Everything but the
 * login page, its assets, /api/login and /api/health needs a session (access.ts).
 */
export function createHttpApp(ctx: ApiContext): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // hub.yaml `http.trust_proxy`: only then do X-Forwarded-For/-Proto count (client address, HTTPS).
  const trusted = ctx.config().hub.http.trust_proxy;
  app.set('trust proxy', trusted.length ? trusted : false);
  app.use((req, res, next) => {
    // DNS rebinding: a page on another name pointed at this hub's address must not reach it.
    if (!hostAllowed(req.headers.host, ctx.config().hub.http.allowed_hosts)) {
      return void refuse(res, 421, 'bad_host', `this hub does not answer to the host name "${String(hostOf(req.headers.host) ?? '').slice(0, 100)}"`);
    }
    next();
  });
  app.use((req, res, next) => {
    for (const [k, v] of Object.entries(securityHeaders({ secure: req.secure, host: req.headers.host, tilesUrl: ctx.config().hub.map.tiles.url })))
      res.setHeader(k, v);
    // Answers carry addresses, alarms and session tokens: no browser or proxy may keep them.
    if (req.path.startsWith('/api/') || req.path === '/metrics') res.setHeader('Cache-Control', 'no-store');
    next();
  });
  app.use(express.json({ limit: '16kb' }));
  app.use(resolveSession(ctx.auth));
  app.use(gate(ctx.auth));
  const api = express.Router();
  api.use(sessionRoutes(ctx));
  api.use(healthRoutes(ctx));
  api.use(eventRoutes(ctx));
  api.use(incidentRoutes(ctx));
  api.use(drillRoutes(ctx));
  api.use(directoryRoutes(ctx));
  api.use(commissioningRoutes(ctx));
  api.use(mapRoutes(ctx));
  api.use(videoAccess(ctx));
  api.use(mediaRoutes(ctx));
  api.use(reportRoutes(ctx));
  api.use((_req, res) => refuse(res, 404, 'not_found', 'no such API route'));
  app.use('/api', api);
  // Prometheus scrapers send a bearer token (hub.yaml `metrics`); people need an admin session.
  app.get(
    '/metrics',
    function metricsGuard(req, res, next) {
      if (ctx.auth.metricsTokenValid(req.get('authorization'))) return next();
      const a = authOf(res);
      if (!a)
        return void refuse(res.setHeader('WWW-Authenticate', 'Bearer realm="safegrid"'), 401, 'unauthenticated', 'log in first, or send the metrics token');
      if (!can(a.user.role, 'metrics:read') || a.mustChangePassword) return void refuse(res, 403, 'forbidden', 'admins only');
      next();
    },
    (_req, res) => {
      res.type('text/plain; version=0.0.4').send(ctx.metrics.render());
    },
  );
  if (!existsSync(`${WEB_DIR}index.html`)) ctx.log.warn({ dir: WEB_DIR }, 'web pages not built: run `npm run build:web`');
  const page = (file: string) => (_req: Request, res: Response) => {
    if (!existsSync(WEB_DIR + file))
      return void res.status(503).type('text/plain').send('The web pages are not built. Run `npm run build:web` (npm start does it for you).');
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(file, { root: WEB_DIR });
  };
  app.get('/login', page('login.html'));
  // The guard page's manifest and service worker (issue 13): public, as a browser fetches a
  // manifest without cookies; they hold no data. The worker's path sets its scope (/guard).
  const staticFile = (file: string, type: string) => (_req: Request, res: Response) => {
    if (!existsSync(WEB_DIR + file)) return void res.status(503).type('text/plain').send('The web pages are not built. Run `npm run build:web`.');
    res.setHeader('Cache-Control', 'no-cache');
    res.type(type).sendFile(file, { root: WEB_DIR });
  };
  app.get('/guard.webmanifest', anonymous(), staticFile('guard.webmanifest', 'application/manifest+json'));
  app.get('/guard-sw.js', anonymous(), staticFile('guard-sw.js', 'text/javascript'));
  // The hub's own HTTPS certificate (public by nature), in the DER form Android's "install a
  // certificate" takes: a phone must trust it before its browser registers the service worker.
  app.get('/hub.crt', anonymous(), (_req, res) => {
    if (!ctx.tlsCertificate) return void refuse(res, 404, 'not_found', 'the hub serves plain HTTP (hub.yaml http.tls is not set)');
    const der = new X509Certificate(ctx.tlsCertificate).raw;
    res.setHeader('Content-Disposition', 'attachment; filename="safegrid-hub.crt"');
    res.type('application/x-x509-ca-cert').send(der);
  });
  // The guard's phone page; the /guard namespace decides what it shows.
  app.get('/guard', signedIn(), page('guard.html'));
  app.get('/', signedIn(), page('index.html'));
  // The installer page (issue 15); the API decides what it shows (installers and admins act).
  app.get('/installer', signedIn(), page('installer.html'));
  // The reports page (issue 14): guards and installers get a refusal on it, and /api/reports refuses them anyway.
  app.get('/reports', signedIn(), page('reports.html'));
  // Vite names every asset by its content hash: it never changes, so browsers may keep it.
  app.use('/assets', express.static(`${WEB_DIR}assets`, { immutable: true, maxAge: '365d', dotfiles: 'deny', index: false }));
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = (err as { status?: number }).status ?? 500;
    const type = (err as { type?: string }).type;
    if (status >= 500) ctx.log.error({ err }, 'HTTP handler failed');
    if (type === 'entity.too.large') return refuse(res, status, 'payload_too_large', 'request body too large (limit 16 KiB)');
    // Anything else below 500 is the body parser's (JSON that does not parse, a wrong charset).
    refuse(res, status, status >= 500 ? 'internal' : 'bad_request', status >= 500 ? 'internal error' : 'bad request');
  });
  return app;
}
