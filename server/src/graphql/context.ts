import type { MercuriusContext } from 'mercurius';
import type { Services } from '../services.js';
import type { SetAsideValues } from './reading-values.js';

export interface GraphQLContext extends MercuriusContext {
  services: Services;
  /** Reading values that were not numbers, set aside before coercion (reading-values.ts). */
  readingValuesSetAside?: SetAsideValues;
}
