/** How the end user may link their number. `all` offers every method the session supports. */
export const WIDGET_MODES = ['all', 'qr', 'pairing', 'cloud-api'] as const;
export type WidgetMode = (typeof WIDGET_MODES)[number];

/** The method a number was actually linked with. */
export const LINK_METHODS = ['qr', 'pairing', 'cloud-api'] as const;
export type LinkMethod = (typeof LINK_METHODS)[number];

export const isWidgetMode = (value: unknown): value is WidgetMode =>
  typeof value === 'string' && (WIDGET_MODES as readonly string[]).includes(value);

export const isLinkMethod = (value: unknown): value is LinkMethod =>
  typeof value === 'string' && (LINK_METHODS as readonly string[]).includes(value);
