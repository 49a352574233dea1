import { css } from 'lit';

export const styles = css`
  .actions {
    margin-bottom: 0.75rem;
  }
  .actions button {
    width: 100%;
  }
  .spinner {
    width: 28px;
    height: 28px;
    margin: 0.25rem auto 0.75rem;
  }
  .problem {
    border-inline-start: 4px solid var(--_danger);
    padding: 0.5rem 0.75rem;
    margin-bottom: 0.75rem;
    border-radius: var(--_radius);
    background: var(--_surface);
  }
  .problem p:last-child {
    margin-bottom: 0;
  }
  dl {
    display: grid;
    grid-template-columns: auto 1fr;
    gap: 0.25rem 0.75rem;
    margin: 0 0 0.75rem;
  }
  dt {
    color: var(--_muted);
  }
  dd {
    margin: 0;
    font-weight: 600;
    font-variant-numeric: tabular-nums;
    overflow-wrap: anywhere;
  }
`;
