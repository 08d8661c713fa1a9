// The signed-in API key, for the requests this app (and GraphiQL) sends. The
// sign-in (issue 14) stores it under this key in sessionStorage, or in
// localStorage when "remember me" is ticked.
export const API_KEY_STORAGE_KEY = 'sensor-trust.apiKey';

function read(storage: () => Storage): string | null {
  try {
    return storage().getItem(API_KEY_STORAGE_KEY);
  } catch {
    return null; // storage blocked (private mode, sandboxed frame)
  }
}

export function storedApiKey(): string | null {
  return read(() => sessionStorage) ?? read(() => localStorage);
}

/** Headers that carry the key, or none when nobody is signed in. */
export function apiKeyHeaders(key: string | null = storedApiKey()): Record<string, string> {
  return key ? { authorization: `Bearer ${key}` } : {};
}
