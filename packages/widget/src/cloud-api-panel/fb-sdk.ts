// Loads Meta's FB JS SDK once per page, and only when the Cloud API panel is first shown: QR and
// pairing users never fetch it. One promise, dropped on failure so "Try again" loads it afresh.
import type { FacebookLoginResponse } from './embedded-signup.js';

/** The part of the FB JS SDK Embedded Signup uses. */
export interface FacebookSdk {
  init(options: { appId: string; version: string; xfbml: boolean; cookie: boolean }): void;
  /** The callback must be a plain function: the SDK refuses async ones. */
  login(callback: (response: FacebookLoginResponse) => void, options: object): void;
}

declare global {
  interface Window {
    FB?: FacebookSdk;
  }
}

/** A stalled script would leave the panel spinning; after this long it becomes a retry instead. */
export const SDK_TIMEOUT_MS = 20_000;

let loading: Promise<FacebookSdk> | null = null;

export function loadFacebookSdk(sdkUrl: string, timeoutMs = SDK_TIMEOUT_MS): Promise<FacebookSdk> {
  if (loading) return loading;
  const attempt = inject(sdkUrl, timeoutMs);
  loading = attempt;
  attempt.catch(() => {
    if (loading === attempt) loading = null;
  });
  return attempt;
}

/** Forgets the loaded SDK (tests; a page that removed `window.FB`). */
export function resetFacebookSdk(): void {
  loading = null;
}

function inject(sdkUrl: string, timeoutMs: number): Promise<FacebookSdk> {
  if (typeof document === 'undefined') return Promise.reject(new Error('The Facebook SDK needs a browser.'));
  // A host page that already runs the SDK (the element used directly) keeps its copy.
  if (typeof window.FB?.login === 'function') return Promise.resolve(window.FB);
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    const fail = (reason: string) => {
      clearTimeout(timer);
      // A failed <script> never runs again; the next attempt needs a fresh element.
      script.remove();
      reject(new Error(reason));
    };
    const timer = setTimeout(() => fail(`Timed out loading ${sdkUrl}`), timeoutMs);
    script.onload = () => {
      clearTimeout(timer);
      const sdk = window.FB;
      if (typeof sdk?.login === 'function') resolve(sdk);
      else fail(`${sdkUrl} did not define FB`);
    };
    script.onerror = () => fail(`Could not load ${sdkUrl}`);
    script.async = true;
    // As in Meta's own snippet: script errors come with their real message.
    script.crossOrigin = 'anonymous';
    script.src = sdkUrl;
    script.dataset.titanFbSdk = '';
    document.head.append(script);
  });
}
