// A single-page app: gets a widget session from its backend, mounts the widget with the npm
// package's side-effect-free entry, and reacts in-app.
import { mount } from '@titan-connect/loader/pure';

const form = document.getElementById('connect');
const cancel = document.getElementById('cancel');
const status = document.getElementById('status');
window.titanEvents = []; // every message, for people and tests to inspect
let widget = null;

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const data = new FormData(form);
  const redirect = data.get('callback') === 'on';
  const response = await fetch('/api/widget-session', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ mode: data.get('mode'), callback: redirect }),
  });
  const body = await response.json();
  if (!response.ok) {
    status.textContent = `Could not start: ${body.error}`;
    return;
  }
  status.textContent = `Session ${body.session}: scan the code or ask for a pairing code.`;
  // Mounting again into #widget replaces the previous widget, so "Connect" twice is fine.
  widget = mount('#widget', {
    widgetUrl: body.widgetUrl,
    onEvent: (message) => window.titanEvents.push(message),
    onConnected(connected) {
      // Stay in the app unless the user asked for the callback redirect.
      if (!redirect) connected.preventDefault();
      status.textContent = `Linked ${connected.phone ?? ''} by ${connected.method}.`;
      cancel.hidden = true;
    },
    onError: (message) => (status.textContent = `Error: ${message.message}`),
    onExpired: (message) => (status.textContent = `Expired (${message.reason}): press Connect again.`),
  });
  cancel.hidden = false;
});

cancel.addEventListener('click', () => {
  widget?.destroy(); // removes the iframe and its listener; harmless if already gone
  widget = null;
  cancel.hidden = true;
  status.textContent = 'Cancelled.';
});
