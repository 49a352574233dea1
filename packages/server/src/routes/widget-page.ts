// `GET /widget/connect?token=…`: the hosted widget page. The token is checked (signature,
// algorithm, audience, expiry, stored session) before anything renders; a refused token gets a
// small HTML page that tells the user what to do, since a person, not a program, is looking.
import { Router, type Response } from 'express';
import { WIDGET_PATHS } from '@titan-connect/protocol';
import type { AppDeps } from '../deps.js';
import { widgetTokenOf } from '../middleware/widget-auth.js';
import type { WidgetSessionView, WidgetSessions } from '../services/widget-sessions.js';
import { WidgetTokenError, type WidgetTokenProblem } from '../tokens.js';

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);

/** Cloud API is offered when the mode allows it and a Meta app (platform or BYOA) exists. */
/**
 * The page's CSP. Facebook's SDK (Cloud API only) needs its script origin, its login iframes
 * on *.facebook.com and XHRs back to them; every other page gets only 'self'. Styles allow
 * 'unsafe-inline' because Lit falls back to <style> elements where adoptedStyleSheets is missing.
 */
export function widgetPageCsp(deps: Pick<AppDeps, 'config'>, ws: Pick<WidgetSessionView, 'methods' | 'allowedOrigins'>): string {
  const cloud = ws.methods.includes('cloud-api');
  const sdk = cloud ? ` ${new URL(deps.config.meta.sdkUrl).origin}` : '';
  const facebook = cloud ? ' https://*.facebook.com' : '';
  const ancestors = ws.allowedOrigins.length > 0 ? ws.allowedOrigins.join(' ') : '*';
  return [
    "default-src 'self'",
    `script-src 'self'${sdk}`,
    `connect-src 'self'${sdk}${facebook}`,
    `frame-src ${cloud ? sdk.trim() + facebook : "'none'"}`,
    `img-src 'self' data:${facebook}`,
    "style-src 'self' 'unsafe-inline'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    `frame-ancestors ${ancestors}`,
  ].join('; ');
}

const PAGE_STYLE =
  'html,body{margin:0;padding:0;background:transparent;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}' +
  '.titan-error{max-width:28rem;margin:2rem auto;padding:1.5rem;border:1px solid #e2e2e2;border-radius:12px;color:#1f1f1f}' +
  '.titan-error h1{font-size:1.25rem;margin:0 0 .5rem}.titan-error p{margin:.5rem 0;line-height:1.45}';

/** `lang` null: no attribute, so the widget follows the browser's language. */
function page(title: string, lang: string | null, head: string, body: string): string {
  return `<!doctype html>
<html${lang ? ` lang="${escapeHtml(lang)}"` : ''}>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>${escapeHtml(title)}</title>
<style>${PAGE_STYLE}</style>
${head}</head>
<body>
${body}
</body>
</html>
`;
}

const ERROR_PAGES: Record<WidgetTokenProblem, { status: number; title: string; lines: string[] }> = {
  missing: {
    status: 401,
    title: 'Missing widget token',
    lines: [
      'This page needs the full link it was opened with, including the part after <code>?token=</code>.',
      'Open the full widgetUrl your app gave you, or go back to the app and start connecting again.',
    ],
  },
  expired: {
    status: 403,
    title: 'Invalid widget token',
    lines: ['This link has expired (links are valid for 15 minutes).', 'Go back to the app and start connecting again to get a new link.'],
  },
  invalid: {
    status: 403,
    title: 'Invalid widget token',
    lines: ['This link is not valid: it may have been changed or cut short.', 'Go back to the app and ask for a new link (a new widget session).'],
  },
};

function sendError(res: Response, problem: WidgetTokenProblem): void {
  const { status, title, lines } = ERROR_PAGES[problem];
  res
    .status(status)
    .set({
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      // Shown inside the customer's iframe too, so any ancestor may frame it; it runs no script.
      'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors *",
    })
    .send(page(title, 'en', '', `<main class="titan-error" role="alert"><h1>${title}</h1>${lines.map((l) => `<p>${l}</p>`).join('')}</main>`));
}

export function widgetPageRouter(deps: AppDeps, widgetSessions: Pick<WidgetSessions, 'authenticate'>): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    let widgetSession: WidgetSessionView;
    try {
      widgetSession = (await widgetSessions.authenticate(widgetTokenOf(req))).widgetSession;
    } catch (error) {
      if (error instanceof WidgetTokenError) return sendError(res, error.problem);
      throw error;
    }
    res
      .status(200)
      .set({
        'Content-Type': 'text/html; charset=utf-8',
        'Cache-Control': 'no-store',
        'Content-Security-Policy': widgetPageCsp(deps, widgetSession),
      })
      .send(
        page(
          'Connect WhatsApp',
          // Only a locale the backend asked for; without one the page follows the browser.
          widgetSession.locale,
          `<script type="module" src="${WIDGET_PATHS.assets}page.js"></script>\n`,
          // The element reads its widget-url (server origin + token) from location.href.
          '<titan-connect-widget></titan-connect-widget>',
        ),
      );
  });
  return router;
}
