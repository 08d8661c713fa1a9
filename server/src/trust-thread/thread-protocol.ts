// The messages between the main thread (remote-trust-stream.ts) and the trust stream's worker
// thread (trust-stream-thread.ts). Everything crosses by structured clone: plain data, Dates.
import type { Topic, TopicPayloads } from '../events/topics.js';
import type { TrustStreamStats } from '../modules/trust/trust-stream.js';
import type { StateResetReason } from '../trust/index.js';
import type { StreamConfig } from './stream-wiring.js';

export interface ThreadData {
  config: StreamConfig;
  backgroundJobs: boolean;
  /** Connections of the worker's own pool (its reads, its checkpoint transactions, the holder watch). */
  poolSize: number;
  /** Whether events from other instances reach this one now (EventBus.linked) at start. */
  linked: boolean;
  /** The main thread's log level: lines below it are not sent. */
  logLevel: string;
}

/** Calls whose answer the main thread waits for. */
export type Call =
  | { method: 'start' }
  | { method: 'stop' }
  | { method: 'lag' }
  | { method: 'waitProcessed'; timeoutMs?: number }
  | { method: 'judgeAt'; sensorIds: string[] | null; at: Date; timeoutMs?: number };

export type EventMessage = { t: 'event'; topic: Topic; payload: TopicPayloads[Topic] };

export type ToThread =
  | ({ t: 'call'; id: number } & Call)
  | { t: 'notify'; linked: boolean }
  | EventMessage
  /** the pub/sub link went down or came back (EventBus.setLinked) */
  | { t: 'linked'; up: boolean };

/** An error as it crosses: a stream wait that ran out of time keeps its kind. */
export interface ThreadError {
  message: string;
  stack?: string;
  timeoutMs?: number;
}

export type Counters = { stats: TrustStreamStats; resets: Record<StateResetReason, number> };

export type FromThread =
  | ({ t: 'reply'; id: number; ok: true; v: unknown } & Counters)
  | ({ t: 'reply'; id: number; ok: false; e: ThreadError } & Counters)
  | EventMessage
  | ({ t: 'stats' } & Counters)
  | { t: 'log'; level: LogLevel; obj: Record<string, unknown>; msg: string | undefined };

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/** pino's level numbers: a line is written when its level is at least the logger's. */
export const LOG_LEVELS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };

/** Errors in a log line's object as plain data (an Error does not clone with its stack and fields). */
export function plainLogObject(obj: unknown): Record<string, unknown> {
  if (obj instanceof Error) return { err: plainError(obj) };
  if (typeof obj !== 'object' || obj === null) return { value: obj };
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) out[key] = value instanceof Error ? plainError(value) : value;
  return out;
}

function plainError(err: Error): Record<string, unknown> {
  const cause = err.cause instanceof Error ? err.cause.message : undefined;
  return { type: err.name, message: err.message, stack: err.stack, ...(cause ? { cause } : {}) };
}
