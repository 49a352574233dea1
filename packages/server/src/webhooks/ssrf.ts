// PLACEHOLDER: replaced by branch wh-deliver
export class WebhookUrlError extends Error {}

export async function checkWebhookUrl(url: string, options: { allowPrivate: boolean }): Promise<void> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new WebhookUrlError('The webhook URL is not an absolute URL.');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new WebhookUrlError('The webhook URL must be an https URL.');
  if (options.allowPrivate) return;
  if (parsed.protocol !== 'https:') throw new WebhookUrlError('The webhook URL must be an https URL.');
}
