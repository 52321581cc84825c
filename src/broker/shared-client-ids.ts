/**
 * Rule 2 of login-binding.ts across replicas (issue 18): a client id that is not named after a
 * login belongs to the first login that uses it — on any replica. One Redis key per id
 * (`safegrid:mqtt:client-id:<id>` → principal), set once; a replica behind a load balancer asks it
 * at CONNECT, so a login that bound an id at replica A keeps it at B, and another login is refused
 * there too. Bindings are kept 30 days after their last use (memory stays bounded; rule 2 was never
 * promised across a long absence). Its connection fails fast: a CONNECT does not wait for Redis.
 */
import type { SharedClientIds } from './login-binding.js';

/** The part of an ioredis connection used here. */
export interface ClientIdsRedis {
  readonly status: string;
  eval(script: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>;
}

const KEEP_MS = 30 * 24 * 3600_000;

/** Bind if unbound; refresh the expiry; answer the owner. */
const CLAIM = `
local owner = redis.call('GET', KEYS[1])
if not owner then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return ARGV[1]
end
if owner == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return owner
`;

/** Compare-and-set: only the owner it was judged on is replaced. */
const REPLACE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0
`;

export class RedisClientIds implements SharedClientIds {
  constructor(private readonly redis: ClientIdsRedis) {}

  async claim(clientId: string, principal: string): Promise<string> {
    this.ready();
    return String(await this.redis.eval(CLAIM, 1, keyOf(clientId), principal, KEEP_MS));
  }

  async replace(clientId: string, from: string, to: string): Promise<boolean> {
    this.ready();
    return Number(await this.redis.eval(REPLACE, 1, keyOf(clientId), from, to, KEEP_MS)) === 1;
  }

  private ready(): void {
    if (this.redis.status !== 'ready') throw new Error(`Redis connection ${this.redis.status}`);
  }
}

function keyOf(clientId: string): string {
  return `safegrid:mqtt:client-id:${clientId}`;
}
