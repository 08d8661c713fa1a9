// MQTT ingestion (with MQTT_URL): subscribes to MQTT_TOPIC at QoS 1 and stores each
// message's readings through the same ingest service as ingestReadings, with the same
// per-item outcomes. A message is acknowledged (PUBACK) only after its readings are
// committed: mqtt.js sends the PUBACK when `handleMessage`'s callback is called, one
// message at a time. Rejected items go to MQTT_ERRORS_TOPIC and are counted in
// /metrics. When storing fails unexpectedly (database down) the message is not
// acknowledged and the connection is dropped: with a persistent session the broker
// delivers it again after the reconnect.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import mqtt, { type MqttClient } from 'mqtt';
import { Counter } from 'prom-client';
import type { MqttSettings } from '../config.js';
import { parseMessage, sensorLevel } from '../modules/readings/mqtt-messages.js';
import type { IngestError, ReadingsService } from '../modules/readings/readings-service.js';

export interface MqttIngestOptions {
  settings: MqttSettings;
  readings: Pick<ReadingsService, 'ingest'>;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The MQTT client when MQTT_URL is set (tests wait for its subscription). */
    mqtt: { client: MqttClient; subscribed: Promise<void> } | null;
  }
}

export default fp<MqttIngestOptions>(
  async (app: FastifyInstance, { settings, readings }) => {
    const messages = new Counter({
      name: 'sensor_trust_mqtt_messages_total',
      help: 'MQTT messages received, by outcome (stored: every item handled; refused: not JSON; failed: not acknowledged)',
      labelNames: ['outcome'],
      registers: [app.metrics.registry],
    });
    const items = new Counter({
      name: 'sensor_trust_mqtt_readings_total',
      help: 'Readings received over MQTT, by outcome (accepted, duplicate, rejected)',
      labelNames: ['outcome'],
      registers: [app.metrics.registry],
    });
    const level = sensorLevel(settings.topic);

    const client = mqtt.connect(settings.url, {
      clientId: settings.clientId,
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
      items.inc({ outcome: 'rejected' }, errors.length);
      client.publish(settings.errorsTopic, JSON.stringify({ topic, errors }), { qos: 1 }, (err) => {
        if (err) app.log.warn({ err }, 'publishing MQTT ingest errors failed');
      });
    };

    // Called by mqtt.js for every message, one at a time; the PUBACK follows `done()`.
    client.handleMessage = (packet, done) => {
      const { topic, payload } = packet;
      const parsed = parseMessage(topic, Buffer.isBuffer(payload) ? payload : Buffer.from(payload), level);
      if (!parsed.items.length) {
        messages.inc({ outcome: 'refused' });
        publishErrors(topic, parsed.errors);
        done();
        return;
      }
      readings.ingest(parsed.items).then(
        (result) => {
          const errors = [
            ...parsed.errors,
            ...result.errors.map((e) => ({ ...e, index: parsed.positions[e.index] ?? e.index })),
          ].sort((a, b) => a.index - b.index);
          items.inc({ outcome: 'accepted' }, result.accepted);
          items.inc({ outcome: 'duplicate' }, result.duplicates);
          messages.inc({ outcome: 'stored' });
          publishErrors(topic, errors);
          done();
        },
        (err: unknown) => {
          // A refused batch (larger than MAX_BATCH_SIZE) is the message's fault: report, acknowledge.
          if ((err as { extensions?: { code?: string } }).extensions?.code === 'BAD_USER_INPUT') {
            messages.inc({ outcome: 'refused' });
            publishErrors(topic, [{ index: 0, sensorId: null, code: 'INVALID_ITEM', message: (err as Error).message }]);
            done();
            return;
          }
          messages.inc({ outcome: 'failed' });
          app.log.error({ err, topic }, 'storing an MQTT message failed; not acknowledged, reconnecting');
          done(err as Error);
          client.stream.destroy();
        },
      );
    };

    const subscribed = new Promise<void>((resolve) => {
      client.on('connect', (connack) => {
        // A resumed session keeps its subscription; subscribing again is harmless.
        if (connack.sessionPresent) app.log.info('MQTT session resumed');
        client.subscribe(settings.topic, { qos: 1 }, (err) => {
          if (err) app.log.error({ err, topic: settings.topic }, 'MQTT subscribe failed');
          else {
            app.log.info({ url: settings.url, topic: settings.topic }, 'MQTT ingestion subscribed');
            resolve();
          }
        });
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
