// PLACEHOLDER: replaced by branch wh-deliver
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { checkWebhookUrl } from './ssrf.js';

export interface DeliveryRequest { url: string; id: string; timestampSeconds: number; body: string; signature: string }
export interface DeliveryOutcome { ok: boolean; statusCode: number | null; latencyMs: number; error: string | null }

export async function deliverWebhook(request: DeliveryRequest, options: { allowPrivate: boolean; timeoutMs?: number }): Promise<DeliveryOutcome> {
  const started = performance.now();
  const latency = () => Math.round(performance.now() - started);
  try {
    await checkWebhookUrl(request.url, options);
  } catch (error) {
    return { ok: false, statusCode: null, latencyMs: latency(), error: (error as Error).message };
  }
  const url = new URL(request.url);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<DeliveryOutcome>((resolve) => {
    const req = send(
      url,
      {
        method: 'POST',
        timeout: options.timeoutMs ?? 15_000,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(request.body),
          'webhook-id': request.id,
          'webhook-timestamp': String(request.timestampSeconds),
          'webhook-signature': request.signature,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          const statusCode = res.statusCode ?? 0;
          const ok = statusCode >= 200 && statusCode < 300;
          resolve({ ok, statusCode, latencyMs: latency(), error: ok ? null : `HTTP ${statusCode}` });
        });
        res.on('error', (error) => resolve({ ok: false, statusCode: res.statusCode ?? null, latencyMs: latency(), error: error.message }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (error) => resolve({ ok: false, statusCode: null, latencyMs: latency(), error: error.message }));
    req.end(request.body);
  });
}
