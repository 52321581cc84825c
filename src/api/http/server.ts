import express, { type NextFunction, type Request, type Response } from 'express';
import { fileURLToPath } from 'node:url';
import type { ApiContext } from '../context.js';
import { directoryRoutes } from './routes/directory.js';
import { eventRoutes } from './routes/events.js';
import { healthRoutes } from './routes/health.js';
import { incidentRoutes } from './routes/incidents.js';

const WEB_DIR = fileURLToPath(new URL('../../../web/public/', import.meta.url));

/** The HTTP app: REST under /api, Prometheus text at /metrics, the web pages at /. */
export function createHttpApp(ctx: ApiContext): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use((_req, res, next) => {
    // No inline script or style anywhere, so the policy can forbid them.
    res.setHeader(
      'Content-Security-Policy',
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob: http: https:; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    );
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    next();
  });
  app.use(express.json({ limit: '16kb' }));
  const api = express.Router();
  api.use(healthRoutes(ctx));
  api.use(eventRoutes(ctx));
  api.use(incidentRoutes(ctx));
  api.use(directoryRoutes(ctx));
  api.use((_req, res) => res.status(404).json({ error: 'no such API route' }));
  app.use('/api', api);
  app.get('/metrics', (_req, res) => {
    res.type('text/plain; version=0.0.4').send(ctx.metrics.render());
  });
  app.use(express.static(WEB_DIR, { index: 'index.html', dotfiles: 'deny', fallthrough: true }));
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = (err as { status?: number }).status ?? 500;
    const type = (err as { type?: string }).type;
    if (status >= 500) ctx.log.error({ err }, 'HTTP handler failed');
    res.status(status).json({
      error: type === 'entity.too.large' ? 'request body too large (limit 16 KiB)' : status >= 500 ? 'internal error' : 'bad request',
    });
  });
  return app;
}
