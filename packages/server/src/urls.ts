// URL and locale rules of the API's inputs.
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

export const parseUrl = (text: string): URL | null => {
  try {
    return new URL(text);
  } catch {
    return null;
  }
};

/** https anywhere; http only on the developer's own machine. Never `javascript:` or relative. */
export const isCallbackUrl = (text: string): boolean => {
  const url = parseUrl(text);
  if (!url || url.username || url.password) return false;
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOCAL_HOSTS.has(url.hostname));
};

/** An origin exactly as browsers send it: scheme, host and port, no path, no trailing slash. */
export const isOrigin = (text: string): boolean => {
  const url = parseUrl(text);
  return !!url && (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === text;
};

export const canonicalLocale = (text: string): string | null => {
  try {
    return Intl.getCanonicalLocales(text)[0] ?? null;
  } catch {
    return null;
  }
};
