/**
 * Child process of bench/command-flood.ts: one logged-in console socket that sends `incident:ack`
 * as fast as the connection takes them, answered or not, as the attacker did. Runs
 * until SIGTERM, then prints `{ sent, answered, rateLimited, seconds }` as one JSON line.
 * Arguments: http port, session cookie.
 */
import { io as ioClient } from 'socket.io-client';

const [port, cookie] = process.argv.slice(2);
const socket = ioClient(`http://127.0.0.1:${port}/console`, {
  transports: ['websocket'],
  forceNew: true,
  reconnection: false,
  extraHeaders: { cookie: cookie! },
});
await new Promise<void>((ok, fail) => {
  socket.once('connect', () => ok());
  socket.once('connect_error', fail);
});
let sent = 0;
let answered = 0;
let rateLimited = 0;
const t0 = performance.now();
// As fast as the connection takes them, answered or not: 500 more whenever the client's write
// buffers are nearly empty (its engine's queue and the WebSocket's bufferedAmount), so this process
// sends what the hub reads instead of piling messages up in its own memory.
const engine = (socket.io as unknown as { engine: { writeBuffer: unknown[]; transport: { ws?: { bufferedAmount: number } } } }).engine;
const pump = (): void => {
  if (engine.writeBuffer.length < 100 && (engine.transport.ws?.bufferedAmount ?? 0) < 256 * 1024) {
    for (let i = 0; i < 500; i++) {
      sent++;
      socket.emit('incident:ack', { id: `no-such-${sent}` }, (r: { ok: boolean; code?: string }) => {
        answered++;
        if (!r.ok && r.code === 'rate_limited') rateLimited++;
      });
    }
    setImmediate(pump);
  } else setTimeout(pump, 5);
};
pump();
process.stdout.write('flooding\n');
process.on('SIGTERM', () => {
  process.stdout.write(`${JSON.stringify({ sent, answered, rateLimited, seconds: Math.round((performance.now() - t0) / 100) / 10 })}\n`);
  process.exit(0);
});
