// Sending through a Cloud API session: the Graph messages endpoint with the stored business token.
import type { AppDeps } from '../deps.js';
import { EngineError } from '../errors.js';
import { SecretBox } from '../secrets.js';
import type { WaSessionRecord } from '../store/types.js';
import { parseStoredCloudApi } from './embedded-signup.js';
import { GraphClient, GraphError } from './graph-client.js';

/**
 * Sends a text from a `cloud-api` session; returns Meta's message id. `to` is digits only (the
 * sessions route validated it). A Graph error becomes a 502 `META_SEND_FAILED` with Meta's sentence.
 */
export async function sendCloudApiText(deps: AppDeps, session: WaSessionRecord, to: string, text: string): Promise<string> {
  const stored = parseStoredCloudApi(session.cloudApi);
  if (session.status !== 'CONNECTED' || !stored) {
    throw new EngineError('SESSION_NOT_CONNECTED', `Session ${session.name} is not connected to the Cloud API.`);
  }
  if (!stored.phoneNumberId) {
    throw new EngineError('SESSION_NOT_CONNECTED', `Session ${session.name} has a WhatsApp Business Account but no phone number to send from.`);
  }
  let businessToken: string;
  try {
    businessToken = new SecretBox(deps.config.secret).open(stored.businessTokenEnc);
  } catch {
    throw new EngineError('INTERNAL_ERROR', `The business token of session ${session.name} cannot be decrypted (was TITAN_SECRET changed?).`);
  }
  const graph = new GraphClient({ graphUrl: deps.config.meta.graphUrl, graphVersion: deps.config.meta.graphVersion });
  try {
    return await graph.sendText(stored.phoneNumberId, businessToken, to, text);
  } catch (error) {
    if (!(error instanceof GraphError)) throw error;
    deps.logger.warn(
      { session: session.name, status: error.status, metaCode: error.metaCode, fbtraceId: error.fbtraceId },
      'Cloud API send failed',
    );
    throw new EngineError('META_SEND_FAILED', error.message.split(businessToken).join('[redacted]'));
  }
}
