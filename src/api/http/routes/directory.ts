import { Router } from 'express';
import type { Camera, Site } from '../../../config/model.js';
import type { ApiContext } from '../../context.js';
import { ancestors } from '../../../auth/scope.js';
import type { Role } from '../../../auth/roles.js';
import { allow, callerOf, scopeOf } from '../access.js';
import { refuse } from '../refuse.js';

/**
 * Camera as the outside may see it: never the password, never credentials in a URL; the camera's
 * user name only for those who set cameras up (installers, admins) — half a credential is no
 * business of an operator or guard (issue 17, item 16).
 */
function publicCamera(c: Camera, role: Role) {
  const setsUp = role === 'installer' || role === 'admin';
  return {
    id: c.id,
    siteId: c.siteId,
    name: c.name,
    location: c.location,
    zones: c.zones,
    onvif: c.onvif ? { xaddr: stripCredentials(c.onvif.xaddr), ...(setsUp ? { username: c.onvif.username } : {}) } : null,
    rtsp: c.rtsp ? stripCredentials(c.rtsp) : null,
    frigateName: c.frigateName,
  };
}

/** Availability from the camera service (issue 6): online, offline (with why), unknown, disabled. */
function cameraHealth(ctx: ApiContext, c: Camera) {
  const st = ctx.video?.cameraStatus(c.siteId, c.id);
  return { availability: st?.availability ?? 'unknown', availabilityReason: st?.reason ?? null, lastOkAt: st?.lastOkAt ?? null };
}

export function stripCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1');
}

/**
 * A site as the caller may see it. Key-holder contacts (names, phone numbers) are for the people
 * who act on an alarm there: operators of its station, its guards, admins. Installers register
 * sites city-wide and have the files; the API does not hand them every household's phone numbers.
 */
function publicSite(s: Site, role: Role) {
  return {
    id: s.id,
    name: s.name,
    kind: s.kind,
    address: s.address,
    doorPlate: s.doorPlate,
    pole: s.pole,
    location: s.location,
    sourceCrs: s.sourceCrs,
    contacts: role === 'installer' ? [] : s.contacts,
    guardGroup: s.guardGroup,
    guardFirst: s.guardFirst ?? false,
    gridCellId: s.gridCellId,
    stationId: s.stationId,
    devices: s.devices.map((d) => d.id),
    cameras: s.cameras.map((c) => c.id),
  };
}

/**
 * The installation as people may see it: each list holds only the caller's sites (an operator's
 * station and below, a guard's group), and a site outside that answers 404 like a missing one.
 */
export function directoryRoutes(ctx: ApiContext): Router {
  const r = Router();
  const visibleSites = (res: import('express').Response): Site[] => {
    const scope = scopeOf(ctx.auth, res);
    return ctx.config().sites.filter((s) => scope.seesSite(s.id));
  };
  // What the 110 workflow's forms offer (natures, what may close before 派警, the guard_first wait); never a verbal password.
  r.get('/workflow', allow('incidents:read'), (_req, res) => {
    const t = ctx.config().hub.triage;
    res.json({ natures: t.natures, closeBeforeDispatch: t.closeBeforeDispatch, guardFirstTimeoutMs: t.guardFirstTimeoutMs });
  });
  const roleOf = (res: import('express').Response): Role => callerOf(res).user.role;
  r.get('/sites', allow('sites:read'), (_req, res) => res.json({ sites: visibleSites(res).map((s) => publicSite(s, roleOf(res))) }));
  r.get('/sites/:id', allow('sites:read'), (req, res) => {
    const id = req.params.id;
    const s = typeof id === 'string' ? ctx.directory().site(id) : undefined;
    if (!s || !scopeOf(ctx.auth, res).seesSite(s.id)) return void refuse(res, 404, 'not_found', 'no such site');
    res.json({ ...publicSite(s, roleOf(res)), cameras: s.cameras.map((c) => publicCamera(c, roleOf(res))) });
  });
  r.get('/devices', allow('devices:read'), (_req, res) => {
    const devices = visibleSites(res).flatMap((s) =>
      s.devices.map((d) => {
        const live = ctx.ingest.deviceAvailability(s.id, d.id);
        return {
          id: d.id,
          siteId: s.id,
          profile: d.profile,
          topic: d.topic,
          heartbeatSeconds: d.heartbeatMs === null ? null : d.heartbeatMs / 1000,
          zones: d.zones,
          zone: d.zone,
          availability: live?.availability ?? 'unknown',
          lastSeenAt: live?.lastSeenMs ? new Date(live.lastSeenMs).toISOString() : null,
          // Supervision is state (issue 12): never heard from = pending install (待安装), not offline.
          pendingInstall: !live?.lastSeenMs && !d.installed,
          testIntervalSeconds: d.testIntervalMs ? d.testIntervalMs / 1000 : null,
          lastTestAt: live?.supervision?.lastTestMs ? new Date(live.supervision.lastTestMs).toISOString() : null,
          battery: live?.supervision?.battery ?? null,
          // The troubles raised and not over, as `device:status` carries them (the status board).
          supervision: { offline: (live?.supervision?.offlineRaisedMs ?? null) !== null, testMissed: (live?.supervision?.testMissedRaisedMs ?? null) !== null },
        };
      }),
    );
    res.json({ devices });
  });
  r.get('/cameras', allow('cameras:read'), (_req, res) =>
    res.json({ cameras: visibleSites(res).flatMap((s) => s.cameras.map((c) => ({ ...publicCamera(c, roleOf(res)), ...cameraHealth(ctx, c) }))) }),
  );
  r.get('/stations', allow('stations:read'), (_req, res) => {
    const scope = scopeOf(ctx.auth, res);
    const all = ctx.config().stations;
    if (scope.all || !scope.stationIds) return void res.json({ stations: all });
    // An operator sees their part of the tree and the tiers above it (where escalations go).
    const shown = new Set([...scope.stationIds]);
    for (const id of scope.stationIds) for (const up of ancestors(all, id)) shown.add(up);
    res.json({ stations: all.filter((s) => shown.has(s.id)) });
  });
  r.get('/grids', allow('grids:read'), (_req, res) => {
    const scope = scopeOf(ctx.auth, res);
    res.type('application/geo+json').json({
      type: 'FeatureCollection',
      features: ctx
        .config()
        .cells.filter((c) => scope.seesStation(c.station))
        .map((c) => ({
          type: 'Feature',
          id: c.id,
          properties: { id: c.id, name: c.name, community: c.community, station: c.station, leader: c.leader, phone: c.phone },
          geometry: { type: 'MultiPolygon', coordinates: c.polygons },
        })),
    });
  });
  return r;
}
