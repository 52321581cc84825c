/**
 * What else a successful MQTT login must fit, beyond its password (issue 17, items 4 and 14). Pure.
 *
 * Client ids. MQTT lets a new connection with a client id take over the session of the connected
 * client with the same id [MQTT-3.1.4-2]; that client's last will is then published. Without a
 * binding, site A's login could use site B's client id, knock B off again and again and make B's
 * will open a fake 设备离线 incident. The rule:
 *   1. A client id named after a login — the user name itself, or the user name followed by one of
 *      `- _ . / :` and anything — belongs to that login (the longest such user name wins, so
 *      `shop-a-1` belongs to `shop-a` even when a login `shop` exists). No other login may use it.
 *   2. Any other id belongs to the first login that uses it while the hub runs; others are refused.
 * Rule 1 holds across restarts; rule 2 only from the first use on, so installers should name
 * client ids after their login (README "MQTT client ids"). Replicas (issue 18) keep rule 2's
 * bindings in Redis (shared-client-ids.ts), so an id bound at replica A is refused to others at B.
 *
 * Certificates. With `mqtt.tls.require_client_cert`, a certificate proves the hardware and the
 * login picks the topic rights; both must name the same device, so the certificate's subject CN
 * must equal the MQTT user name, and a login without a certificate (the plaintext port) is refused.
 */

/** Characters that end a user name at the front of a client id (`shop-a-panel-1`, `z2m_shop-a`…). */
const SEPARATORS = new Set(['-', '_', '.', '/', ':']);

/** Client ids aedes assigns to a CONNECT with an empty id (`aedes_<uuid>`): random, owned by nobody. */
const ASSIGNED = /^aedes_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Ids bound by first use are kept up to this many (oldest forgotten first), so memory stays bounded. */
const MAX_BOUND_IDS = 100_000;

/** The login a client id is named after (longest user name that prefixes it at a separator), or null. */
export function namedOwner(clientId: string, isLogin: (username: string) => boolean): string | null {
  if (isLogin(clientId)) return clientId;
  for (let i = clientId.length - 1; i > 0; i--) {
    if (SEPARATORS.has(clientId[i] as string) && isLogin(clientId.slice(0, i))) return clientId.slice(0, i);
  }
  return null;
}

/** How rule 2 applies to a client id: no binding needed, decided by its name (rule 1), or bound by first use. */
export type ClientIdRule = { kind: 'free' } | { kind: 'named'; allowed: boolean } | { kind: 'first-use' };

/** Rules 1 and the assigned ids, for `principal`; `first-use` leaves rule 2 to the caller's binding. */
export function clientIdRule(clientId: string, principal: string, principalOf: (username: string) => string | null): ClientIdRule {
  if (ASSIGNED.test(clientId)) return { kind: 'free' };
  const named = namedOwner(clientId, (u) => principalOf(u) !== null);
  if (named !== null) return { kind: 'named', allowed: principalOf(named) === principal };
  return { kind: 'first-use' };
}

/** Rule 2's bindings shared by replicas (shared-client-ids.ts). */
export interface SharedClientIds {
  /** Binds `clientId` to `principal` unless bound already; answers the principal it is bound to. */
  claim(clientId: string, principal: string): Promise<string>;
  /** Moves the binding from `from` (a login that no longer exists) to `to`; false when it was not `from`'s any more. */
  replace(clientId: string, from: string, to: string): Promise<boolean>;
}

export class ClientIdBinding {
  /** Client id → principal of the login that used it first (rule 2). */
  private readonly firstUse = new Map<string, string>();

  /**
   * May `principal` (logged in as `username`) use `clientId`? `principalOf` maps a user name to
   * its principal (null: no such login). Binds the id on success.
   */
  claim(clientId: string, principal: string, principalOf: (username: string) => string | null): boolean {
    const rule = clientIdRule(clientId, principal, principalOf);
    if (rule.kind === 'free') return true;
    if (rule.kind === 'named') return rule.allowed;
    const bound = this.firstUse.get(clientId);
    if (bound !== undefined) return bound === principal;
    if (this.firstUse.size >= MAX_BOUND_IDS) {
      const oldest = this.firstUse.keys().next().value;
      if (oldest !== undefined) this.firstUse.delete(oldest);
    }
    this.firstUse.set(clientId, principal);
    return true;
  }

  /** After a reload: ids bound to a login that no longer exists are free again. */
  keepOnly(principals: ReadonlySet<string>): void {
    for (const [id, p] of this.firstUse) if (!principals.has(p)) this.firstUse.delete(id);
  }
}

export type CertificateRefusal = 'client_cert_required' | 'cert_login_mismatch';

/**
 * Why a login does not fit the connection's certificate, or null. `certCommonName` is the subject
 * CN of a verified client certificate (null: none, or a plaintext connection).
 */
export function certificateRefusal(o: {
  requireClientCert: boolean;
  encrypted: boolean;
  certCommonName: string | null;
  username: string;
}): CertificateRefusal | null {
  if (!o.requireClientCert) return null;
  // With client certificates required, the plaintext listener would be a way around them.
  if (!o.encrypted || o.certCommonName === null) return 'client_cert_required';
  return o.certCommonName === o.username ? null : 'cert_login_mismatch';
}
