/**
 * Socket.IO's parser with one cost removed: before encoding an event, the stock encoder walks the
 * whole payload looking for binary values (Buffer, ArrayBuffer) to send as attachments. The hub's
 * pushes are JSON by contract (src/contract/socket.ts) and an incident is a deep object, so that walk
 * cost about as much as the JSON encoding itself in the alarms-only profile. Events the hub pushes
 * are encoded straight as text — the same bytes the stock encoder makes for a packet without binary,
 * so clients keep the default parser; anything else goes through the stock encoder unchanged.
 */
import * as parser from 'socket.io-parser';
import type { ServerToClientEvents } from '../../contract/socket.js';

/**
 * The server-to-client events of the contract: JSON only, never binary. A Record, so an event added
 * to the contract without a word here fails the type check instead of silently taking the slow path.
 */
const JSON_PUSHES: Record<keyof ServerToClientEvents, true> = {
  'queue:snapshot': true,
  'incident:new': true,
  'incident:update': true,
  'device:status': true,
  'event:stored': true,
  'camera:status': true,
  'directory:changed': true,
  'commissioning:status': true,
  'drill:started': true,
  'drill:ended': true,
};
const JSON_EVENTS: ReadonlySet<string> = new Set(Object.keys(JSON_PUSHES));

class PushEncoder extends parser.Encoder {
  override encode(packet: parser.Packet): Array<string | Buffer> {
    const data: unknown = packet.data;
    if (packet.type === parser.PacketType.EVENT && packet.id === undefined && Array.isArray(data) && JSON_EVENTS.has(data[0] as string)) {
      // Socket.IO protocol v5 text packet: type, `nsp,` unless it is "/", then the JSON array.
      const nsp = packet.nsp && packet.nsp !== '/' ? `${packet.nsp},` : '';
      return [`${parser.PacketType.EVENT}${nsp}${JSON.stringify(data)}`];
    }
    return super.encode(packet) as Array<string | Buffer>;
  }
}

/** For `new Server(http, { parser: pushParser })`. */
export const pushParser = { ...parser, Encoder: PushEncoder };
