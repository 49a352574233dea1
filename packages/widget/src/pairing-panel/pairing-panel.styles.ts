import { css } from 'lit';

export const styles = css`
  label {
    display: block;
    font-weight: 600;
    margin-bottom: 0.375rem;
  }
  input {
    box-sizing: border-box;
    width: 100%;
    min-height: 44px;
    padding: 0.5rem 0.75rem;
    font: inherit;
    font-size: 1.0625rem;
    color: var(--_fg);
    background: var(--_bg);
    border: 1px solid var(--_muted);
    border-radius: var(--_radius);
  }
  input[aria-invalid='true'] {
    border-color: var(--_danger);
  }
  .hint {
    margin: 0.375rem 0 0.75rem;
  }
  .error {
    color: var(--_danger);
    font-size: 0.875rem;
    margin: 0.375rem 0 0.75rem;
  }
  form button[type='submit'] {
    width: 100%;
  }
  .code {
    font-family: ui-monospace, 'SF Mono', Menlo, Consolas, monospace;
    font-size: clamp(1.75rem, 9vw, 2.25rem);
    font-weight: 700;
    letter-spacing: 0.12em;
    text-align: center;
    margin: 0.25rem 0 0.75rem;
    padding: 0.5rem;
    border-radius: var(--_radius);
    background: var(--_surface);
  }
  .actions {
    margin-bottom: 0.75rem;
  }
`;
