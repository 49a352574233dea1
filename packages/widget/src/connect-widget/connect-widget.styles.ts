import { css } from 'lit';

// Theme tokens: public `--titan-*` properties feed private `--_*` ones, which the sub-views
// inherit through their shadow roots. Dark applies with `theme="dark"`, or with `theme="auto"`
// (the default) when the system prefers it.
// One dark palette for both ways of asking for it.
const darkPalette = css`
  --_primary-text: #5fd3c3;
  --_bg: #111b21;
  --_fg: #e9edef;
  --_muted: #aebac1;
  --_border: #2a3942;
  --_surface: #202c33;
  --_danger: #ff8a80;
  --_focus: #5fd3c3;
`;

export const styles = css`
  :host {
    --_primary: var(--titan-color-primary, #00796b);
    --_primary-text: var(--_primary);
    --_on-primary: #fff;
    --_radius: var(--titan-radius, 12px);
    --_font: var(--titan-font, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
    --_bg: #fff;
    --_fg: #1f2328;
    --_muted: #55606b;
    --_border: #d0d7de;
    --_surface: #f3f6f8;
    --_danger: #b42318;
    --_focus: var(--_primary);
    min-width: 280px;
    max-width: 480px;
    line-height: 1.45;
  }
  :host([theme='dark']) {
    ${darkPalette}
  }
  @media (prefers-color-scheme: dark) {
    :host(:not([theme='light'])) {
      ${darkPalette}
    }
  }
  .card {
    position: relative;
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    padding: 1.25rem;
  }
  [role='tablist'] {
    display: flex;
    gap: 0.25rem;
    margin: -0.25rem 0 1rem;
    padding: 0.25rem;
    border-radius: var(--_radius);
    background: var(--_surface);
  }
  [role='tab'] {
    flex: 1;
    padding: 0.5rem;
    background: transparent;
    border-color: transparent;
    color: var(--_fg);
    font-weight: 500;
  }
  [role='tab'][aria-selected='true'] {
    background: var(--_bg);
    border-color: var(--_border);
    color: var(--_primary-text);
    font-weight: 700;
  }
  /* No dimming of the content below: the QR on show may still be valid, and must stay legible. */
  .banner {
    margin: -0.25rem 0 1rem;
    border-inline-start: 4px solid var(--_primary);
    padding: 0.5rem 0.75rem;
    border-radius: var(--_radius);
    background: var(--_surface);
    font-size: 0.875rem;
  }
`;
