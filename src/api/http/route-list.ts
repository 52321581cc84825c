/**
 * Every route the express app answers, read from its router at run time. The access-matrix test
 * compares this with its table, so a route added without an access rule fails the suite.
 */
import type express from 'express';

export interface RouteInfo {
  method: string;
  path: string;
  /** The path pattern as registered (same as path; kept for readers of the table). */
  route: string;
  /** Capabilities named by allow() in the route's handlers. */
  guards: string[];
}

interface LayerLike {
  rawPath?: unknown;
  route?: { path: string; methods?: Record<string, boolean>; stack?: LayerLike[] };
  handle?: { stack?: LayerLike[]; name?: string };
  name?: string;
}

export function listRoutes(app: express.Express): RouteInfo[] {
  const out: RouteInfo[] = [];
  const walk = (stack: LayerLike[], prefix: string): void => {
    for (const layer of stack) {
      if (layer.route) {
        const guards = (layer.route.stack ?? []).map((l) => l.name ?? '').filter((n) => n.startsWith('allow('));
        for (const [method, on] of Object.entries(layer.route.methods ?? {})) {
          if (on && method !== '_all') out.push({ method: method.toUpperCase(), path: prefix + layer.route.path, route: prefix + layer.route.path, guards });
        }
      } else if (layer.handle?.stack) {
        const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
        walk(layer.handle.stack, prefix + mount);
      }
    }
  };
  walk((app as unknown as { router: { stack: LayerLike[] } }).router.stack, '');
  return out;
}
