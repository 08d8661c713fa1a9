// MQTT ingestion (with MQTT_URL): subscribes to MQTT_TOPIC at QoS 1 and stores each
// message's readings through the same ingest service as ingestReadings, with the same
// per-item outcomes. A message is acknowledged (PUBACK) only after its readings are
// committed: mqtt.js sends the PUBACK when `handleMessage`'s callback is called, one
// message at a time. Rejected items go to MQTT_ERRORS_TOPIC and are counted in
// /metrics. When storing fails because the database is away the message is not
// acknowledged and the connection is dropped: with a persistent session the broker
// delivers it again after the reconnect. Any other failure is acknowledged and
// reported (NOT_STORED): a message that fails the same way each time must not be
// redelivered for ever and hold up the messages behind it.
//
// Who may publish: the service is a client of the broker, so the broker's own users
// and ACLs are the first gate (only trusted publishers may write to MQTT_TOPIC, only
// this service may read it). With MQTT_REQUIRE_KEY=true each message must also carry
// an API key in the MQTT v5 user property `authorization` (`Bearer <key>` or the bare
// key) whose role may ingest (INTEGRATOR, ADMIN): the same keys, revocation and roles
// as HTTP. A message without one is refused whole (UNAUTHENTICATED / FORBIDDEN on the
// errors topic) and acknowledged: sending it again would not make it valid.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import mqtt, { type MqttClient } from 'mqtt';
import { Counter, Gauge } from 'prom-client';
import type { MqttSettings } from '../config.js';
import { presentedKey } from '../modules/auth/api-key-secret.js';
import { FAILURE_MESSAGES, type AuthService } from '../modules/auth/auth-service.js';
import { can } from '../modules/auth/roles.js';
import {
  parseMessage,
  sensorLevel,
  subscriptionTopic,
  topicMatches,
  topicSensor,
} from '../modules/readings/mqtt-messages.js';
import { isDomainError } from '../kernel/errors.js';
import { mergeOutcome } from '../modules/readings/raw-items.js';
import type { IngestError, ReadingsService } from '../modules/readings/readings-service.js';
import { isDatabaseUnavailable } from '../db/unavailable.js';

/** Mosquitto's count of messages it dropped (published every sys_interval, default 10 s). */
const DROPPED_TOPIC = '$SYS/broker/publish/messages/dropped';

export interface MqttIngestOptions {
  settings: MqttSettings;
  readings: Pick<ReadingsService, 'ingest'>;
  auth: Pick<AuthService, 'authenticate' | 'required'>;
}

/** The `authorization` user property of an MQTT v5 message (the first, if repeated). */
function authorizationProperty(properties: { userProperties?: Record<string, string | string[]> } | undefined) {
  const value = properties?.userProperties?.authorization;
  return Array.isArray(value) ? value[0] : value;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The MQTT client when MQTT_URL is set (tests wait for its subscription). */
    mqtt: { client: MqttClient; subscribed: Promise<void> } | null;
  }
}

export default fp<MqttIngestOptions>(
  async (app: FastifyInstance, { settings, readings, auth }) => {
    const messages = new Counter({
      name: 'sensor_trust_mqtt_messages_total',
      help: 'MQTT messages received, by outcome (stored: every item handled; refused: not JSON or too large; failed: not acknowledged, database unavailable; dropped: acknowledged without storing, NOT_STORED)',
      labelNames: ['outcome'],
      registers: [app.metrics.registry],
    });
    const items = new Counter({
      name: 'sensor_trust_mqtt_readings_total',
      help: 'Readings received over MQTT, by outcome (accepted, duplicate, rejected) and, when rejected, code',
      labelNames: ['outcome', 'code'],
      registers: [app.metrics.registry],
    });
    const level = sensorLevel(settings.topic);
    // A flood is refused by the broker, not by us: Mosquitto queues max_queued_messages
    // (default 1000) per session beyond the max_inflight_messages (20) in flight and
    // drops the rest, acknowledged to the publisher. Its broker-wide count of dropped
    // messages ($SYS, every sys_interval) is shown in /metrics and logged when it grows.
    const brokerDropped = new Gauge({
      name: 'sensor_trust_mqtt_broker_dropped_messages',
      help: "The broker's $SYS/broker/publish/messages/dropped (Mosquitto): messages it dropped, for any client, since it started (a queue over max_queued_messages)",
      registers: [app.metrics.registry],
    });
    let droppedSeen: number | null = null;
    const noteDropped = (payload: Buffer) => {
      const n = Number(payload.toString('utf8'));
      if (!Number.isFinite(n)) return;
      if (droppedSeen !== null && n > droppedSeen)
        app.log.warn(
          { dropped: n - droppedSeen, topic: settings.topic },
          'The MQTT broker dropped messages (its queue per session is full: raise max_queued_messages, or publish readings in batches)',
        );
      droppedSeen = n;
      brokerDropped.set(n);
    };

    if (!settings.requireKey && auth.required) {
      app.log.info(
        { topic: settings.topic },
        'MQTT ingestion trusts the broker: whoever the broker lets publish to MQTT_TOPIC writes readings ' +
          '(restrict it with the broker ACLs, or set MQTT_REQUIRE_KEY=true to require an INTEGRATOR key per message)',
      );
    }

    const client = mqtt.connect(settings.url, {
      clientId: settings.clientId,
      // MQTT v5 carries user properties (the per-message key); v3.1.1 otherwise, as any broker speaks it.
      protocolVersion: settings.requireKey ? 5 : 4,
      // A persistent session: QoS 1 messages sent while we are away, or not yet
      // acknowledged when the connection dropped, are delivered after reconnecting.
      clean: false,
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
    });
    client.on('error', (err) => app.log.warn({ err }, 'MQTT client error'));
    client.on('offline', () => app.log.warn({ url: settings.url }, 'MQTT broker unreachable; reconnecting'));

    const publishErrors = (topic: string, errors: IngestError[]) => {
      if (!errors.length) return;
      const byCode = new Map<string, number>();
      for (const e of errors) byCode.set(e.code, (byCode.get(e.code) ?? 0) + 1);
      for (const [code, n] of byCode) items.inc({ outcome: 'rejected', code }, n);
      client.publish(settings.errorsTopic, JSON.stringify({ topic, errors }), { qos: 1 }, (err) => {
        if (err) app.log.warn({ err }, 'publishing MQTT ingest errors failed');
      });
    };

    /** With MQTT_REQUIRE_KEY: null when the message's key may ingest, else why not (as an item error). */
    const keyProblem = async (topic: string, properties: Parameters<typeof authorizationProperty>[0]) => {
      if (!settings.requireKey) return null;
      const result = await auth.authenticate(presentedKey(authorizationProperty(properties)));
      const sensorId = topicSensor(topic, level);
      if (!result.ok) {
        app.metrics.authFailures.inc({ reason: result.reason });
        const message = `${FAILURE_MESSAGES[result.reason].replace(/: send it as .*/, '')}: send it in the MQTT v5 user property "authorization"`;
        return { index: 0, sensorId, code: 'UNAUTHENTICATED', message } satisfies IngestError;
      }
      if (!can(result.identity.role, 'ingest')) {
        app.metrics.authFailures.inc({ reason: 'forbidden' });
        const { name, role } = result.identity;
        const message = `The API key "${name}" (role ${role}) may not ingest readings`;
        return { index: 0, sensorId, code: 'FORBIDDEN', message } satisfies IngestError;
      }
      return null;
    };

    const store = async (topic: string, payload: Buffer, properties: Parameters<typeof authorizationProperty>[0]) => {
      const refused = await keyProblem(topic, properties);
      if (refused) return { refused: [refused] };
      const parsed = parseMessage(topic, payload, level);
      if (!parsed.items.length) return { refused: parsed.errors };
      return { parsed, result: await readings.ingest(parsed.items) };
    };

    // Called by mqtt.js for every message, one at a time; the PUBACK follows `done()`.
    client.handleMessage = (packet, done) => {
      const { topic, payload, properties } = packet;
      if (topic === DROPPED_TOPIC) {
        noteDropped(Buffer.isBuffer(payload) ? payload : Buffer.from(payload));
        done();
        return;
      }
      // The subscription is wider than the pattern (sensor ids may hold "/"): other topics under it are not readings.
      if (!topicMatches(topic, level) || topic === settings.errorsTopic) {
        done();
        return;
      }
      store(topic, Buffer.isBuffer(payload) ? payload : Buffer.from(payload), properties).then(
        (outcome) => {
          if (!outcome.parsed) {
            messages.inc({ outcome: 'refused' });
            publishErrors(topic, outcome.refused);
            done();
            return;
          }
          const { parsed, result } = outcome;
          const { errors } = mergeOutcome(parsed, result);
          items.inc({ outcome: 'accepted' }, result.accepted);
          items.inc({ outcome: 'duplicate' }, result.duplicates);
          messages.inc({ outcome: 'stored' });
          publishErrors(topic, errors);
          done();
        },
        (err: unknown) => {
          // A refused batch (larger than MAX_BATCH_SIZE) or any other domain refusal is the
          // message's fault: report, acknowledge.
          if (isDomainError(err)) {
            messages.inc({ outcome: 'refused' });
            publishErrors(topic, [{ index: 0, sensorId: null, code: 'INVALID_ITEM', message: err.message }]);
            done();
            return;
          }
          // The database is away: not acknowledged, so the broker delivers it again after
          // the reconnect, by when the database may be back.
          if (isDatabaseUnavailable(err)) {
            messages.inc({ outcome: 'failed' });
            app.log.warn(
              { err, topic },
              'storing an MQTT message failed: database unavailable; not acknowledged, reconnecting',
            );
            done(err as Error);
            client.stream.destroy();
            return;
          }
          // Anything else would fail the same way on every redelivery, for ever, and hold
          // up every message behind it: acknowledged, reported on the errors topic, logged.
          messages.inc({ outcome: 'dropped' });
          app.log.error({ err, topic }, 'storing an MQTT message failed; acknowledged and reported as NOT_STORED');
          publishErrors(topic, [
            {
              index: 0,
              sensorId: topicSensor(topic, level),
              code: 'NOT_STORED',
              message: 'This message could not be stored and will not be retried; publish its readings again',
            },
          ]);
          done();
        },
      );
    };

    const subscribed = new Promise<void>((resolve) => {
      client.on('connect', (connack) => {
        // A resumed session keeps its subscription; subscribing again is harmless.
        if (connack.sessionPresent) app.log.info('MQTT session resumed');
        client.subscribe(subscriptionTopic(settings.topic), { qos: 1 }, (err) => {
          if (err) app.log.error({ err, topic: settings.topic }, 'MQTT subscribe failed');
          else {
            app.log.info({ url: settings.url, topic: settings.topic }, 'MQTT ingestion subscribed');
            resolve();
          }
        });
        // Brokers without $SYS (or ACLs that hide it) simply send nothing.
        client.subscribe(DROPPED_TOPIC, { qos: 0 }, () => undefined);
      });
    });
    app.decorate('mqtt', { client, subscribed });
    // Before the database closes: stop taking messages (unacknowledged ones are redelivered later).
    app.addHook('preClose', async () => {
      await client.endAsync(true);
    });
  },
  { name: 'mqtt-ingest', dependencies: ['health'] },
);
