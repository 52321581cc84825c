/** The MQTT broker: embedded aedes with device logins and topic rights (issue 3), or a client to an external one. */
import { readFileSync } from 'node:fs';
import { aedesCluster } from '../broker/cluster.js';
import { ConfigDeviceAccess } from '../broker/device-access.js';
import { RedisClientIds } from '../broker/shared-client-ids.js';
import type { RedisLink } from '../cluster/redis.js';
import { defaultReplicaId } from '../config/replica-id.js';
import { EmbeddedBroker, readTlsFiles } from '../broker/embedded.js';
import { ExternalBroker } from '../broker/external.js';
import type { BrokerLink } from '../broker/types.js';
import { moduleLogger } from '../core/logger.js';
import type { MessageSink } from '../broker/types.js';
import type { HubContext } from './context.js';

export interface HubBroker {
  broker: BrokerLink;
  /** Device logins and topic rights; only the embedded broker enforces them (null otherwise). */
  deviceAccess: ConfigDeviceAccess | null;
}

/** The broker hands every message straight to ingest (the sink); nothing of the composition root sits on that path. */
export function buildBroker(ctx: HubContext, ingest: MessageSink & { currentRouter: { topics(): string[] } }, cluster: RedisLink | null = null): HubBroker {
  const { config, profiles } = ctx.running;
  const mqtt = config.hub.mqtt;
  const replicaId = config.hub.cluster?.replicaId ?? defaultReplicaId(ctx.env);
  // Several replicas on one external broker: each its own persistent session (a fixed client id
  // per replica), all in one share group.
  const shared = mqtt.mode === 'external' ? (mqtt.sharedSubscriptions ?? null) : null;
  const mqttLog = moduleLogger(ctx.root, 'mqtt');
  const metrics = ctx.metrics;
  const deviceAccess = mqtt.mode === 'embedded' ? new ConfigDeviceAccess(config, profiles, mqttLog) : null;
  // Replicas: a client id bound by first use at one replica is bound at all (issue 18). Fails fast, no offline queue.
  if (deviceAccess && cluster)
    deviceAccess.shareClientIds(new RedisClientIds(cluster.connection('mqtt-client-ids', { enableOfflineQueue: false, commandTimeout: 1_000 })));
  const broker: BrokerLink =
    mqtt.mode === 'external'
      ? new ExternalBroker({
          url: mqtt.url ?? 'mqtt://127.0.0.1:1883',
          clientId: shared ? `${mqtt.clientId}-${replicaId}` : mqtt.clientId,
          shared,
          username: mqtt.username,
          password: mqtt.password,
          topics: ingest.currentRouter.topics(),
          sink: ingest,
          log: mqttLog,
          metrics,
          ca: mqtt.tls?.ca ? readFileSync(mqtt.tls.ca) : null,
        })
      : new EmbeddedBroker({
          host: mqtt.host,
          port: mqtt.port,
          sink: ingest,
          log: mqttLog,
          metrics,
          access: deviceAccess,
          tls: mqtt.tls ? readTlsFiles(mqtt.tls, ctx.rootDir) : null,
          cluster: cluster ? aedesCluster(cluster, replicaId) : null,
          limits: { maxPacketBytes: mqtt.maxPacketBytes, maxConnectionsPerAddress: mqtt.maxConnectionsPerAddress, connectTimeoutMs: mqtt.connectTimeoutMs },
        });
  return { broker, deviceAccess };
}
