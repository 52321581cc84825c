/**
 * `npx tsx bench/login-burst.ts`: how long a genuine login takes while another address fires a burst
 * of concurrent logins (issue 17, item 3; goal under 1 s). The hub runs in its own process on a
 * small generated district; accounts use the production scrypt cost (N = 2^15, ~100 ms each), as
 * a real users.yaml does. The burst comes from 127.0.0.1, the genuine login from 127.0.0.2.
 *
 * Environment: BENCH_ROUNDS (3), BENCH_BURST (300). Prints one line per round on stderr and one
 * JSON document on stdout.
 */
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { hashPassword } from '../src/auth/password.js';
import { startServer, stopServer } from './spawn.js';
import { benchTree } from './tree.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const BURST = Number(process.env.BENCH_BURST ?? 300);
const GENUINE = { username: 'genuine.op', password: 'genuine-Pw-4d8e1b' };

function login(port: number, from: string, username: string, password: string): Promise<{ status: number; ms: number }> {
  const body = JSON.stringify({ username, password });
  const t0 = performance.now();
  return new Promise((ok, fail) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/api/login',
        method: 'POST',
        localAddress: from,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => ok({ status: res.statusCode ?? 0, ms: performance.now() - t0 }));
      },
    );
    req.on('error', fail);
    req.end(body);
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const root = benchTree(10, 4);
const hash = await hashPassword(GENUINE.password);
writeFileSync(join(root, 'config/users.yaml'), `users:\n  - username: ${GENUINE.username}\n    role: admin\n    password: "${hash}"\n`);
const server = await startServer('bench/hub-server.ts', ['10', '4', root]);
const rounds: Array<{ quietMs: number; duringBurstMs: number; status: number; burst429: number; burst401: number; burstOther: number }> = [];
try {
  for (let r = 0; r < ROUNDS; r++) {
    const quiet: number[] = [];
    for (let i = 0; i < 3; i++) {
      const q = await login(server.http, '127.0.0.2', GENUINE.username, GENUINE.password);
      if (q.status !== 200) throw new Error(`quiet login answered ${q.status}`);
      quiet.push(q.ms);
    }
    // Each round's burst from its own address, so the previous round's failures do not pre-block it.
    const from = `127.0.1.${r + 1}`;
    const burst = Array.from({ length: BURST }, (_, i) => login(server.http, from, `user-${r}-${i}`, `guess-${i}`));
    const genuine = await login(server.http, '127.0.0.2', GENUINE.username, GENUINE.password);
    const codes = (await Promise.all(burst)).map((b) => b.status);
    const row = {
      quietMs: Math.round(median(quiet)),
      duringBurstMs: Math.round(genuine.ms),
      status: genuine.status,
      burst429: codes.filter((c) => c === 429).length,
      burst401: codes.filter((c) => c === 401).length,
      burstOther: codes.filter((c) => c !== 429 && c !== 401).length,
    };
    rounds.push(row);
    process.stderr.write(
      `round ${r + 1}: genuine login ${row.duringBurstMs} ms during a ${BURST}-login burst (quiet ${row.quietMs} ms), HTTP ${row.status}; burst: ` +
        `${row.burst401}×401 ${row.burst429}×429 ${row.burstOther} other\n`,
    );
  }
} finally {
  await stopServer(server);
}
console.log(JSON.stringify({ burst: BURST, rounds, worstDuringBurstMs: Math.max(...rounds.map((r) => r.duringBurstMs)) }, null, 2));
