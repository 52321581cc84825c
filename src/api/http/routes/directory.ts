import { Router } from 'express';
import type { Camera, Site } from '../../../config/model.js';
import type { ApiContext } from '../../context.js';

/** Camera as the outside may see it: never the password, never credentials in a URL. */
function publicCamera(c: Camera) {
  return {
    id: c.id,
    siteId: c.siteId,
    name: c.name,
    location: c.location,
    zones: c.zones,
    onvif: c.onvif ? { xaddr: stripCredentials(c.onvif.xaddr), username: c.onvif.username } : null,
    rtsp: c.rtsp ? stripCredentials(c.rtsp) : null,
    frigateName: c.frigateName,
  };
}

export function stripCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1');
}

function publicSite(s: Site) {
  return {
    id: s.id,
    name: s.name,
    kind: s.kind,
    address: s.address,
    doorPlate: s.doorPlate,
    pole: s.pole,
    location: s.location,
    sourceCrs: s.sourceCrs,
    contacts: s.contacts,
    guardGroup: s.guardGroup,
    gridCellId: s.gridCellId,
    stationId: s.stationId,
    devices: s.devices.map((d) => d.id),
    cameras: s.cameras.map((c) => c.id),
  };
}

export function directoryRoutes(ctx: ApiContext): Router {
  const r = Router();
  r.get('/sites', (_req, res) => res.json({ sites: ctx.config().sites.map(publicSite) }));
  r.get('/sites/:id', (req, res) => {
    const s = ctx.config().sites.find((x) => x.id === req.params.id);
    if (!s) return void res.status(404).json({ error: 'no such site' });
    res.json({ ...publicSite(s), cameras: s.cameras.map(publicCamera) });
  });
  r.get('/devices', (_req, res) => {
    const devices = ctx.config().sites.flatMap((s) =>
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
        };
      }),
    );
    res.json({ devices });
  });
  r.get('/cameras', (_req, res) => res.json({ cameras: ctx.config().sites.flatMap((s) => s.cameras.map(publicCamera)) }));
  r.get('/stations', (_req, res) => res.json({ stations: ctx.config().stations }));
  r.get('/grids', (_req, res) => {
    res.type('application/geo+json').json({
      type: 'FeatureCollection',
      features: ctx.config().cells.map((c) => ({
        type: 'Feature',
        id: c.id,
        properties: { id: c.id, name: c.name, community: c.community, station: c.station, leader: c.leader, phone: c.phone },
        geometry: { type: 'MultiPolygon', coordinates: c.polygons },
      })),
    });
  });
  return r;
}
