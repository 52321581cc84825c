/** hub.yaml `cluster` and the shared-subscription keys (issue 18): what is accepted, refused and defaulted. */
import { describe, expect, it } from 'vitest';
import { defaultReplicaId } from '../../src/config/replica-id.js';
import { hubSchema } from '../../src/config/schema/hub.js';
import { REPLICA_ID } from '../../src/store/postgres/partition-locks.js';

describe('hub.yaml cluster', () => {
  it('is absent by default: one hub, plain subscriptions', () => {
    const h = hubSchema.parse({});
    expect(h.cluster).toBeUndefined();
    expect(h.mqtt.shared_subscriptions).toBe(false);
    expect(h.mqtt.shared_group).toBe('safegrid');
  });

  it.each([
    ['redis://redis:6379', true],
    ['redis://10.0.0.5:6379/2', true],
    ['rediss://redis.example.org:6380', true],
    // A password inline would travel with every copy of hub.yaml: refused, it comes by reference.
    ['redis://:secret@redis:6379', false],
    ['redis://user:secret@redis:6379/0', false],
    ['http://redis:6379', false],
    ['redis://redis:6379/0/extra', false],
  ])('redis_url %s → accepted %s', (url, ok) => {
    expect(hubSchema.safeParse({ cluster: { redis_url: url } }).success).toBe(ok);
  });

  it('takes the password one way only', () => {
    expect(hubSchema.safeParse({ cluster: { redis_url: 'redis://r:6379', redis_password_env: 'REDIS_PASS' } }).success).toBe(true);
    expect(hubSchema.safeParse({ cluster: { redis_url: 'redis://r:6379', redis_password_env: 'A', redis_password_file_key: 'b' } }).success).toBe(false);
  });

  it('refuses a replica id that could not name a client id or a Redis key', () => {
    expect(hubSchema.safeParse({ cluster: { redis_url: 'redis://r:6379', replica_id: 'hub 1' } }).success).toBe(false);
    expect(hubSchema.safeParse({ cluster: { redis_url: 'redis://r:6379', replica_id: 'hub-1' } }).success).toBe(true);
  });

  it('a replica id hub.yaml accepts is one the partition locks accept: 50 characters, not 51 (application_name keeps 63 bytes)', () => {
    for (const n of [1, 49, 50, 51, 64]) {
      const id = 'r'.repeat(n);
      const accepted = hubSchema.safeParse({ cluster: { redis_url: 'redis://r:6379', replica_id: id } }).success;
      expect(accepted, `${n} characters`).toBe(n <= 50);
      expect(REPLICA_ID.test(id), `${n} characters`).toBe(accepted);
    }
    const fromHost = defaultReplicaId({}, 'a-very-long-host-name.of-a-container.in-a-cluster.example.org');
    expect(fromHost.length).toBeLessThanOrEqual(50);
    expect(REPLICA_ID.test(fromHost)).toBe(true);
    expect(defaultReplicaId({ SAFEGRID_REPLICA_ID: 'x'.repeat(51) }, 'hub-7')).toBe('hub-7');
  });

  it('replica id without hub.yaml: SAFEGRID_REPLICA_ID, else the host name made safe', () => {
    expect(defaultReplicaId({ SAFEGRID_REPLICA_ID: 'hub-2' }, 'box')).toBe('hub-2');
    expect(defaultReplicaId({ SAFEGRID_REPLICA_ID: 'not valid!' }, 'box')).toBe('box');
    expect(defaultReplicaId({}, 'a host/with:odd')).toBe('a-host-with-odd');
  });
});
