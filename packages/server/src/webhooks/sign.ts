// PLACEHOLDER: replaced by branch wh-deliver
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

export function signWebhook(secret: string, id: string, timestampSeconds: number, body: string): string {
  return new Webhook(secret).sign(id, new Date(timestampSeconds * 1000), body);
}
