/** Starts a bench server script in a child process and waits for its one JSON line of ports. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface Server {
  child: ChildProcess;
  http: number;
  mqtt: number;
  startHubMs?: number;
  /** Installer files read from the parse cache / parsed and added to it (pipeline server). */
  filesFromCache?: number;
  filesParsed?: number;
  /** Spawn of the process (Node start, tsx, module loading, startHub) → its ports line. */
  spawnToServingMs: number;
}

export async function startServer(script: string, args: string[] = []): Promise<Server> {
  // BENCH_PROFILE=dir writes a V8 CPU profile of each server process there.
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const t0 = performance.now();
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((ok, fail) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', ok);
    child.once('exit', (code) => fail(new Error(`${script} exited with ${code}`)));
  });
  const ports = JSON.parse(line) as { http: number; mqtt: number; startHubMs?: number; filesFromCache?: number; filesParsed?: number };
  return { child, ...ports, spawnToServingMs: Math.round(performance.now() - t0) };
}

export async function stopServer(server: Server): Promise<void> {
  server.child.kill('SIGTERM');
  await new Promise((r) => server.child.once('exit', r));
}
