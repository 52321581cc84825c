/**
 * Child process: the physical limit. aedes straight to Socket.IO — no parsing, no storage, no
 * durability (the PUBACK goes out before anything is done). The same transport the hub uses.
 */
import { Aedes } from 'aedes';
import { createServer } from 'node:net';
import { createServer as createHttp } from 'node:http';
import { Server } from 'socket.io';

const aedes = await Aedes.createBroker();
const mqtt = createServer(aedes.handle);
await new Promise<void>((ok) => mqtt.listen(0, '127.0.0.1', ok));
const http = createHttp();
const io = new Server(http);
const ns = io.of('/console');
aedes.on('publish', (packet, client) => {
  if (!client) return;
  ns.emit('relay', { topic: packet.topic, payload: packet.payload.toString() });
});
await new Promise<void>((ok) => http.listen(0, '127.0.0.1', ok));
const port = (s: { address(): unknown }) => (s.address() as { port: number }).port;
process.stdout.write(JSON.stringify({ http: port(http), mqtt: port(mqtt) }) + '\n');
process.on('SIGTERM', () => process.exit(0));
