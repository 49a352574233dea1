// What a template may put on `<titan-connect-widget>`, shared by the React and Vue declarations
// beside this file. Types come from the class and the event map, so they cannot drift from them.
import type { TitanConnectWidget } from '../connect-widget/connect-widget.component.js';
import type { TitanEventMap } from '../events/titan-events.js';

/** The element's attributes, as written in HTML and JSX. */
export interface TitanConnectWidgetAttributes {
  /** The `widgetUrl` from your backend's `POST /api/widget/sessions`. */
  'widget-url'?: TitanConnectWidget['widgetUrl'];
  /** `light`, `dark`, or `auto` (default) to follow the system. */
  theme?: TitanConnectWidget['theme'];
  /** Forces `en`, `es` or `pt-BR`. */
  locale?: TitanConnectWidget['locale'];
}

/** The same as Vue props (Vue camelises `widget-url` in templates). */
export interface TitanConnectWidgetProps {
  widgetUrl?: TitanConnectWidget['widgetUrl'];
  theme?: TitanConnectWidget['theme'];
  locale?: TitanConnectWidget['locale'];
}

/** `titan-connected` → `TitanConnected`. */
type Pascal<S extends string> = S extends `${infer Head}-${infer Tail}` ? `${Capitalize<Head>}${Pascal<Tail>}` : Capitalize<S>;

/** React 19 listens to `on<event name>` props of custom elements as written: `ontitan-connected`. */
export type TitanReactEventProps = { [K in keyof TitanEventMap as `on${K}`]?: (event: TitanEventMap[K]) => void };

/** Vue turns `@titan-connected` into the prop `onTitanConnected`. */
export type TitanVueEventProps = { [K in keyof TitanEventMap as `on${Pascal<K>}`]?: (event: TitanEventMap[K]) => void };
