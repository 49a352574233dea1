import { css } from 'lit';

/**
 * Shared by every view: the theme tokens (`--_*`, set by the root element from the public
 * `--titan-*` properties) and the button, focus and motion rules.
 */
export const baseStyles = css`
  :host {
    display: block;
    font-family: var(--_font);
    color: var(--_fg);
  }
  [hidden] {
    display: none !important;
  }
  h2 {
    font-size: 1.125rem;
    margin: 0 0 0.5rem;
  }
  p {
    margin: 0 0 0.75rem;
  }
  ol {
    margin: 0 0 1rem;
    padding-inline-start: 1.25rem;
  }
  li {
    margin-bottom: 0.25rem;
  }
  .muted {
    color: var(--_muted);
    font-size: 0.875rem;
  }
  .center {
    text-align: center;
  }
  .actions {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
    justify-content: center;
  }
  button {
    font: inherit;
    font-weight: 600;
    min-height: 44px;
    min-width: 44px;
    padding: 0.5rem 1rem;
    border-radius: var(--_radius);
    border: 1px solid var(--_primary);
    background: var(--_primary);
    color: var(--_on-primary);
    cursor: pointer;
  }
  button.secondary {
    background: transparent;
    color: var(--_primary-text);
  }
  button:disabled {
    opacity: 0.55;
    cursor: not-allowed;
  }
  :focus-visible {
    outline: 3px solid var(--_focus);
    outline-offset: 2px;
  }
  /* One spinner for every view (sizes and margins set per view). */
  .spinner {
    width: 40px;
    height: 40px;
    border-radius: 50%;
    border: 4px solid var(--_border);
    border-top-color: var(--_primary);
    animation: spin 0.9s linear infinite;
  }
  @keyframes spin {
    to {
      transform: rotate(1turn);
    }
  }
  .sr-only {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
  @media (prefers-reduced-motion: reduce) {
    * {
      animation: none !important;
      transition: none !important;
    }
  }
`;
