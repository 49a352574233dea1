// The demo's browser code: the "customer site" asks its backend (POST /demo/session) for a
// widget session and mounts the returned widgetUrl; the virtual phone plays the user's phone,
// and a contact who writes to the number once it is linked.
const $ = (s) => document.querySelector(s);

// Which engine runs, and whether it has a virtual phone to show.
fetch('/demo/config').then((res) => res.json()).then((config) => {
  if (!config.virtualPhone) return;
  $('#engine').textContent = config.engine;
  $('#phone-number').textContent = config.virtualPhone.displayNumber;
  $('.phone').hidden = false;
});
let widgetUrl = null;
let sessionName = null;
let handle = null;

$('#create').addEventListener('submit', async (e) => {
  e.preventDefault();
  const mode = new FormData(e.target).get('mode');
  const res = await fetch('/demo/session', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ mode }) });
  const body = await res.json();
  if (!res.ok) { $('#session').textContent = body.error; return; }
  widgetUrl = body.widgetUrl;
  sessionName = body.session;
  $('#session').textContent = 'Widget session for "' + body.session + '" (expires ' + new Date(body.expiresAt).toLocaleTimeString() + ')';
  handle?.destroy?.();
  const target = $('#widget');
  if (window.TitanWidget?.mount) {
    handle = window.TitanWidget.mount(target, { widgetUrl, onConnected: () => { $('#session').textContent += ': connected'; } });
  } else {
    // The loader has not been built yet: a plain iframe shows the same page.
    target.replaceChildren(Object.assign(document.createElement('iframe'), { src: widgetUrl, title: 'Connect WhatsApp' }));
  }
  for (const b of document.querySelectorAll('.phone button')) b.disabled = false;
});

const phoneStatus = (text) => { const el = $('#phone-status'); if (el) el.textContent = text; };
const post = async (path, body, done = 'Linked.') => {
  const res = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const json = await res.json().catch(() => ({}));
  phoneStatus(res.ok ? done : (json.error || 'Failed (' + res.status + ')'));
  return res.ok;
};

$('#scan')?.addEventListener('click', async () => {
  if (!widgetUrl) return;
  const token = new URL(widgetUrl).searchParams.get('token');
  const res = await fetch('/widget/api/state', { headers: { Authorization: 'Bearer ' + token } });
  const body = await res.json();
  const state = body.data ?? body;
  if (!state.qr) { phoneStatus('No QR code on screen right now.'); return; }
  await post('/dev/simulator/scan', { qr: state.qr.qr });
});

$('#enter-code')?.addEventListener('submit', async (e) => {
  e.preventDefault();
  await post('/dev/simulator/enter-code', { code: new FormData(e.target).get('code') });
});

// The demo's sessions belong to tenant `default`, the route's default: only the name is needed.
$('#send-message')?.addEventListener('submit', async (e) => {
  e.preventDefault();
  if (!sessionName) return;
  const input = e.target.elements.text;
  if (await post('/dev/simulator/message', { session: sessionName, text: input.value }, 'Message sent to "' + sessionName + '".')) input.value = '';
});

// The webhook panel: what the demo's own receiver verified, polled every 2 s (the deliveries
// arrive from the server's worker, not from this page, so there is nothing to push them here).
const WEBHOOKS_POLL_MS = 2000;
let shownWebhooks = '';
const renderWebhooks = ({ receiving, reason, deliveries }) => {
  $('#webhooks-status').textContent = !receiving ? reason
    : deliveries.length === 0 ? 'No delivery yet: link a number, or send a message from the virtual phone.' : '';
  // Rebuilt only when something changed, so a reader's text selection survives the poll.
  const key = deliveries.map((d) => d.id).join(' ');
  if (key === shownWebhooks) return;
  shownWebhooks = key;
  $('#webhooks-list').replaceChildren(...deliveries.map((d) => {
    const item = document.createElement('li');
    const type = Object.assign(document.createElement('span'), { className: 'type', textContent: d.type });
    const time = Object.assign(document.createElement('time'), { dateTime: d.timestamp, textContent: new Date(d.timestamp).toLocaleTimeString() });
    time.title = 'received ' + new Date(d.receivedAt).toLocaleTimeString() + ', signature verified';
    const data = Object.assign(document.createElement('code'), { textContent: JSON.stringify(d.data) });
    item.append(type, time, data);
    return item;
  }));
};
const pollWebhooks = async () => {
  try {
    const res = await fetch('/demo/webhooks', { cache: 'no-store' });
    if (res.ok) renderWebhooks(await res.json());
  } catch {
    // The server restarting: the next poll tries again.
  }
  setTimeout(pollWebhooks, WEBHOOKS_POLL_MS);
};
pollWebhooks();
