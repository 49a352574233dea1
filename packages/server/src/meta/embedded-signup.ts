// Finishing Meta Embedded Signup on the server: which Meta app a widget session uses (platform
// or BYOA), and the Graph calls that turn the login code into a connected Cloud API number.
import { randomInt } from 'node:crypto';
import type { CloudApiFinishRequest } from '@titan-connect/protocol';
import type { AppConfig } from '../config.types.js';
import { EngineError } from '../errors.js';
import type { SecretBox } from '../secrets.js';
import type { WidgetSessionRecord } from '../store/types.js';
import { GraphError, type GraphClient } from './graph-client.js';

/** Cloud API result that marks a WhatsApp session CONNECTED with method `cloud-api`. */
export interface CloudApiConnection {
  phone: string | null;
  pushName: string | null;
  wabaId: string;
  phoneNumberId: string | null;
  /** JSON for `wa_sessions.cloud_api` (business token already encrypted). */
  stored: string;
}

/** The Meta app a widget session exchanges its code with. `appSecret` is plain: keep it in memory only. */
export interface MetaAppCredentials {
  appId: string;
  appSecret: string;
  /** `byoa` when the widget session brought its own app. */
  source: 'platform' | 'byoa';
}

/** Why a widget session cannot finish Cloud API signup (400 META_NOT_CONFIGURED); the sentence is for the operator. */
export class MetaNotConfigured extends EngineError {
  constructor(message: string) {
    super('META_NOT_CONFIGURED', message);
    this.name = 'MetaNotConfigured';
  }
}

/**
 * BYOA rule (DESIGN.md, issue 6): the widget session's `metaApp` replaces the platform app. Without
 * its own sealed secret it may borrow `META_APP_SECRET` only when it names the platform app itself;
 * a secret never signs for an app it does not belong to.
 */
export function metaAppFor(config: AppConfig, widgetSession: WidgetSessionRecord, box: SecretBox): MetaAppCredentials {
  const byoa = widgetSession.metaApp;
  if (byoa) {
    if (byoa.appSecretEnc) {
      let appSecret: string;
      try {
        appSecret = box.open(byoa.appSecretEnc);
      } catch {
        throw new MetaNotConfigured('The Meta app secret of this widget session cannot be decrypted (was TITAN_SECRET changed?).');
      }
      return { appId: byoa.appId, appSecret, source: 'byoa' };
    }
    if (config.meta.appSecret && config.meta.appId === byoa.appId) {
      return { appId: byoa.appId, appSecret: config.meta.appSecret, source: 'byoa' };
    }
    throw new MetaNotConfigured('This widget session brings its own Meta app without an app secret, and it is not the platform app.');
  }
  if (!config.meta.appId) throw new MetaNotConfigured('Cloud API is not configured: set META_APP_ID, META_CONFIG_ID and META_APP_SECRET.');
  if (!config.meta.appSecret) throw new MetaNotConfigured('Cloud API is not configured: META_APP_SECRET is missing.');
  return { appId: config.meta.appId, appSecret: config.meta.appSecret, source: 'platform' };
}

/** What `wa_sessions.cloud_api` holds for a Cloud API session. Secrets sealed with `SecretBox`. */
export interface StoredCloudApi {
  version: 1;
  appId: string;
  wabaId: string;
  phoneNumberId: string | null;
  /** Which finish event Meta sent; coexistence numbers keep using the WhatsApp Business app. */
  event: CloudApiFinishRequest['event'];
  businessTokenEnc: string;
  /** The two-step verification PIN set at registration; Meta asks for it to re-register. */
  pinEnc: string | null;
  /**
   * BYOA: the customer app's secret, sealed, so inbound webhooks (`X-Hub-Signature-256`, signed
   * with the app's secret) can be verified after the widget session is gone. Null for the
   * platform app (its secret is `META_APP_SECRET`); absent on rows stored before it existed.
   */
  appSecretEnc?: string | null;
  displayPhoneNumber: string | null;
  verifiedName: string | null;
}

export function parseStoredCloudApi(json: string | null): StoredCloudApi | null {
  if (!json) return null;
  try {
    const stored = JSON.parse(json) as Partial<StoredCloudApi>;
    if (typeof stored.businessTokenEnc !== 'string' || typeof stored.wabaId !== 'string') return null;
    return stored as StoredCloudApi;
  } catch {
    return null;
  }
}

/** A six-digit two-step verification PIN from the CSPRNG (leading zeros allowed). */
export const generatePin = (): string => String(randomInt(0, 1_000_000)).padStart(6, '0');

/** Coexistence and WABA-only finishes bring no number to register on Cloud API. */
export const registersNumber = (event: CloudApiFinishRequest['event']): boolean => event === 'FINISH';

/**
 * Runs the finish at once and once: the code lives about 30 s and is single use, so a failed
 * exchange is reported, never retried. Throws `GraphError` from the step that failed; the number
 * lookup for the success screen is best effort (the number is already linked by then).
 */
export async function finishEmbeddedSignup(
  graph: GraphClient,
  app: MetaAppCredentials,
  finish: CloudApiFinishRequest,
  box: SecretBox,
  onLookupFailed: (error: GraphError) => void = () => {},
): Promise<CloudApiConnection> {
  const businessToken = await graph.exchangeCode(app.appId, app.appSecret, finish.code);
  await graph.subscribeApp(finish.wabaId, businessToken);
  let pin: string | null = null;
  if (registersNumber(finish.event) && finish.phoneNumberId) {
    pin = generatePin();
    await graph.registerPhone(finish.phoneNumberId, businessToken, pin);
  }
  let info = { displayPhoneNumber: null as string | null, verifiedName: null as string | null };
  if (finish.phoneNumberId) {
    try {
      info = await graph.phoneNumber(finish.phoneNumberId, businessToken);
    } catch (error) {
      if (!(error instanceof GraphError)) throw error;
      onLookupFailed(error);
    }
  }
  const stored: StoredCloudApi = {
    version: 1,
    appId: app.appId,
    wabaId: finish.wabaId,
    phoneNumberId: finish.phoneNumberId ?? null,
    event: finish.event,
    businessTokenEnc: box.seal(businessToken),
    pinEnc: pin === null ? null : box.seal(pin),
    appSecretEnc: app.source === 'byoa' ? box.seal(app.appSecret) : null,
    displayPhoneNumber: info.displayPhoneNumber,
    verifiedName: info.verifiedName,
  };
  const phoneDigits = info.displayPhoneNumber?.replace(/\D/g, '') ?? '';
  return {
    phone: phoneDigits === '' ? null : phoneDigits,
    pushName: info.verifiedName,
    wabaId: finish.wabaId,
    phoneNumberId: finish.phoneNumberId ?? null,
    stored: JSON.stringify(stored),
  };
}

/** Removes known secrets from a sentence before it is shown or logged (Meta may echo input). */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  return out;
}
