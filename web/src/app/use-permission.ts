// What the signed-in role may change, for hiding controls (the server decides either way).
import { can, useAuth, type Action } from './auth-store';

/** True when the caller may do `action` (also in open mode, where the server answers as ADMIN). */
export function useCan(action: Action): boolean {
  const who = useAuth();
  return !who || can(who.role, action);
}
