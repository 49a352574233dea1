// Both ways to embed, typed by the packages alone: `<titan-connect-widget>` in JSX (its events as
// `ontitan-*` props) and `mount()` from the loader (an iframe). `?via=mount` picks the loader.
import '@titan-connect/widget';
import { mount } from '@titan-connect/loader/pure';
import type { TitanEventDetailMap } from '@titan-connect/widget';
import { useEffect, useRef, useState } from 'react';

type Linked = TitanEventDetailMap['titan-connected'];
const via = new URLSearchParams(location.search).get('via') === 'mount' ? 'mount' : 'element';

/** What the page heard, for people and tests (`window.titanEvents`). */
const record = (detail: Linked) => ((window as unknown as { titanEvents: unknown[] }).titanEvents ??= []).push({ event: 'connected', ...detail });

/** Asks the example backend (which holds the API key) for a widget session. */
async function createWidgetSession(): Promise<string> {
  const response = await fetch('/api/widget-session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mode: 'qr' }) });
  if (!response.ok) throw new Error(`widget session: ${response.status}`);
  return ((await response.json()) as { widgetUrl: string }).widgetUrl;
}

function MountedWidget({ widgetUrl, onLinked }: { widgetUrl: string; onLinked: (detail: Linked) => void }) {
  const target = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const widget = mount(target.current!, {
      widgetUrl,
      onConnected: (event) => {
        event.preventDefault(); // stay in the app
        onLinked(event);
      },
    });
    return () => widget.destroy(); // StrictMode mounts twice in development: one iframe stays
  }, [widgetUrl, onLinked]);
  return <div ref={target} id="widget" />;
}

export function App() {
  const [widgetUrl, setWidgetUrl] = useState<string | null>(null);
  const [linked, setLinked] = useState<Linked | null>(null);
  const [error, setError] = useState<string | null>(null);
  const onLinked = useRef((detail: Linked) => {
    record(detail);
    setLinked(detail);
  }).current;

  return (
    <main>
      <h1>Connect WhatsApp ({via === 'mount' ? 'mount()' : '<titan-connect-widget>'})</h1>
      {!widgetUrl && <button onClick={() => createWidgetSession().then(setWidgetUrl, (e: Error) => setError(e.message))}>Connect WhatsApp</button>}
      {widgetUrl && !linked && via === 'element' && (
        <titan-connect-widget
          widget-url={widgetUrl}
          ontitan-connected={(event) => {
            event.preventDefault(); // no redirect: the app shows the result
            onLinked(event.detail);
          }}
          ontitan-error={(event) => setError(event.detail.message)}
        />
      )}
      {widgetUrl && !linked && via === 'mount' && <MountedWidget widgetUrl={widgetUrl} onLinked={onLinked} />}
      <p id="status">{linked ? `Linked ${linked.phone ?? ''} by ${linked.method}.` : (error ?? '')}</p>
    </main>
  );
}
