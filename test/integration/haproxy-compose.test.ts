/**
 * docker-compose.yml's production profile and deploy/hub.yaml, read against the Compose
 * specification's rules that a typo would break silently (no Compose binary on this machine):
 * profiles, depends_on conditions with a healthcheck behind each, healthcheck test forms, secrets,
 * volumes and networks declared, the stop grace period longer than the hub's drain, and the
 * replicas HAProxy names being the services Compose runs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { drainSchema } from '../../src/config/schema/drain.js';
import { httpSchema, mqttSchema } from '../../src/config/schema/hub.js';

const root = join(import.meta.dirname, '../..');
const read = (rel: string): string => readFileSync(join(root, rel), 'utf8');

type Service = {
  profiles?: string[];
  image?: string;
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test: string[] | string };
  secrets?: string[];
  volumes?: string[];
  networks?: string[];
  stop_grace_period?: string;
  ports?: string[];
  environment?: Record<string, string>;
  entrypoint?: string[];
};
type Compose = {
  services: Record<string, Service>;
  secrets?: Record<string, { file?: string }>;
  volumes?: Record<string, unknown>;
  networks?: Record<string, unknown>;
};

const composeText = read('docker-compose.yml');
const compose = parse(composeText, { merge: true }) as Compose;
const PRODUCTION = ['postgres', 'redis', 'hub1', 'hub2', 'hub3', 'haproxy'];
const REPLICAS = ['hub1', 'hub2', 'hub3'];
const seconds = (d: string): number => {
  const m = /^(\d+)(s|m)$/.exec(d);
  if (!m) throw new Error(`not a duration: ${d}`);
  return Number(m[1]) * (m[2] === 'm' ? 60 : 1);
};

describe('docker-compose.yml, profile production', () => {
  it('puts PostgreSQL, Redis, three replicas and HAProxy in the production profile, and leaves `docker compose up` as it was', () => {
    for (const name of PRODUCTION) expect(compose.services[name]?.profiles, name).toEqual(['production']);
    expect(compose.services.hub?.profiles).toBeUndefined();
    expect(compose.services.postgres?.image).toMatch(/^postgres:15/);
    expect(compose.services.redis?.image).toMatch(/^redis:7/);
    expect(compose.services.haproxy?.image).toMatch(/^haproxy:2\.6/);
  });

  it('every depends_on names a service of the profile; service_healthy only where that service has a healthcheck, in an exec form', () => {
    for (const name of PRODUCTION) {
      const deps = compose.services[name]!.depends_on ?? {};
      expect(Array.isArray(deps), `${name}: long form, with conditions`).toBe(false);
      for (const [dep, { condition }] of Object.entries(deps)) {
        expect(PRODUCTION, `${name} depends on ${dep}`).toContain(dep);
        expect(['service_started', 'service_healthy', 'service_completed_successfully']).toContain(condition);
        if (condition === 'service_healthy') expect(compose.services[dep]!.healthcheck, `${dep} needs a healthcheck`).toBeDefined();
      }
    }
    for (const r of REPLICAS) {
      expect(compose.services[r]!.depends_on).toEqual({ postgres: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } });
    }
    for (const name of PRODUCTION) {
      const test = compose.services[name]!.healthcheck?.test;
      if (test === undefined) continue;
      // CMD runs the command without a shell; a bare string would go through /bin/sh (CMD-SHELL).
      expect(Array.isArray(test) && (test[0] === 'CMD' || test[0] === 'CMD-SHELL'), `${name}: ${JSON.stringify(test)}`).toBe(true);
    }
  });

  it("a replica is healthy when it is ready (not merely alive), and Docker waits longer than the hub's drain before SIGKILL", () => {
    const hubYaml = parse(read('deploy/hub.yaml')) as { drain: unknown };
    const drain = drainSchema.parse(hubYaml.drain);
    for (const r of REPLICAS) {
      const s = compose.services[r]!;
      expect(JSON.stringify(s.healthcheck?.test)).toContain('/api/health/ready');
      expect(seconds(s.stop_grace_period ?? '10s') * 1000, `${r}: stop_grace_period vs drain.timeout`).toBeGreaterThan(drain.timeout);
      // The hub must be PID 1 (exec), or the SIGTERM goes to the shell and the drain never runs.
      expect(s.entrypoint?.join(' ')).toMatch(/&& exec node bin\/safegrid\.js start/);
      expect(s.ports, `${r}: reached only through HAProxy`).toBeUndefined();
    }
  });

  it('declares every secret, volume and network the services use; the database and Redis sit on an internal network only', () => {
    const named = (v: string): string | null => (/^[a-zA-Z0-9._-]+:/.test(v) && !v.startsWith('.') ? v.split(':')[0]! : null);
    for (const [name, s] of Object.entries(compose.services)) {
      for (const sec of s.secrets ?? []) expect(compose.secrets?.[sec], `${name}: secret ${sec}`).toBeDefined();
      for (const v of s.volumes ?? []) {
        const vol = named(v);
        if (vol) expect(compose.volumes?.[vol], `${name}: volume ${vol}`).toBeDefined();
      }
      for (const n of s.networks ?? []) expect(compose.networks?.[n], `${name}: network ${n}`).toBeDefined();
    }
    expect(compose.networks?.backend).toEqual({ internal: true });
    expect(compose.services.postgres!.networks).toEqual(['backend']);
    expect(compose.services.redis!.networks).toEqual(['backend']);
    expect(compose.secrets?.pg_password?.file).toBe('./deploy/secrets/pg_password');
    // The secret file itself stays out of git.
    expect(read('deploy/secrets/.gitignore')).toMatch(/^\*$/m);
  });

  it('holds no password: PostgreSQL reads a secret file, the replicas export it as PGPASSWORD, the storage URL has none', () => {
    expect(compose.services.postgres!.environment?.POSTGRES_PASSWORD_FILE).toBe('/run/secrets/pg_password');
    expect(compose.services.postgres!.environment?.POSTGRES_PASSWORD).toBeUndefined();
    expect(composeText).not.toMatch(/PASSWORD:\s*[^\s$/]/);
    const hub = read('deploy/hub.yaml');
    expect(hub).toMatch(/url: postgres:\/\/safegrid@postgres:5432\/safegrid/);
    expect(hub).not.toMatch(/postgres:\/\/[^@\s]*:[^@\s]*@/);
  });

  it('HAProxy is given deploy/haproxy.cfg, and the replicas it names are the services Compose runs, on their ports', () => {
    expect(compose.services.haproxy!.volumes).toContain('./deploy/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro');
    const cfg = read('deploy/haproxy.cfg');
    for (const r of REPLICAS) {
      expect(cfg).toContain(`"\${SG_${r.toUpperCase()}_MQTT-${r}:1883}"`);
      expect(cfg).toContain(`"\${SG_${r.toUpperCase()}_MQTTS-${r}:8883}"`);
      expect(cfg).toContain(`"\${SG_${r.toUpperCase()}_HTTP-${r}:8080}"`);
    }
    expect(compose.services.haproxy!.ports).toEqual(expect.arrayContaining(['8080:8080', '1883:1883', '8883:8883']));
  });
});

describe('deploy/hub.yaml', () => {
  const hub = parse(read('deploy/hub.yaml')) as Record<string, unknown>;

  it('its http, mqtt and drain sections pass the hub schema (storage and cluster are checked by `safegrid check` once those keys exist)', () => {
    const http = httpSchema.parse(hub.http);
    expect(http.trust_proxy).toEqual(['uniquelocal']);
    const mqtt = mqttSchema.parse(hub.mqtt);
    expect(mqtt.mode).toBe('embedded');
    expect(mqtt.max_connections_per_address).toBeGreaterThanOrEqual(10_000);
    const drain = drainSchema.parse(hub.drain);
    // Longer than HAProxy's inter 1s × fall 2: the balancer has taken the replica out before its listeners close.
    expect(drain.unready_delay).toBeGreaterThan(2_000);
    expect(read('deploy/haproxy.cfg')).toMatch(/default-server inter 1s fall 2/);
    expect(hub.storage).toMatchObject({ backend: 'postgres' });
    expect(hub.cluster).toMatchObject({ redis_url: 'redis://redis:6379' });
  });
});
