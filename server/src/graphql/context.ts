import type { MercuriusContext } from 'mercurius';
import type { Identity } from '../modules/auth/auth-service.js';
import type { SocketSession } from '../modules/auth/socket-sessions.js';
import type { Services } from '../services.js';
import type { WsFanout } from '../modules/subscriptions/ws-fanout-transport.js';
import type { SetAsideValues } from './reading-values.js';

/**
 * What one module's resolvers and loaders are typed against: the caller, the request and
 * their module's facade (`services.facades.<module>`), not the rest of the services bag.
 * The full context is assignable to it, so such resolvers merge with the others.
 */
export type ModuleContext<K extends keyof Services['facades']> = Pick<GraphQLContext, 'auth' | 'reply'> & {
  services: { facades: Pick<Services['facades'], K> };
};

export interface GraphQLContext extends MercuriusContext {
  services: Services;
  /** The caller (modules/auth): set from the API key on HTTP and on the WebSocket's connection_init. */
  auth?: Identity | null;
  /** WebSocket connections only: what this socket holds (subscription count). */
  wsSession?: SocketSession;
  /** WebSocket connections only: subscriptions write to the socket through it. */
  wsFanout?: WsFanout;
  /** Reading values that were not numbers, set aside before coercion (reading-values.ts). */
  readingValuesSetAside?: SetAsideValues;
}
