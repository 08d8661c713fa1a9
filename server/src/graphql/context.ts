import type { MercuriusContext } from 'mercurius';
import type { Services } from '../services.js';

export interface GraphQLContext extends MercuriusContext {
  services: Services;
}
