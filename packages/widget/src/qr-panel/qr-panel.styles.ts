import { css } from 'lit';

export const styles = css`
  figure {
    margin: 0 auto 0.75rem;
    width: min(100%, 264px);
    aspect-ratio: 1;
    border-radius: var(--_radius);
    border: 1px solid var(--_border);
    /* Scanners need dark modules on light ground whatever the theme. */
    background: #fff;
    overflow: hidden;
    display: grid;
    place-items: center;
  }
  svg {
    display: block;
    width: 100%;
    height: 100%;
  }
  /* Light colours whatever the theme, like the QR itself. */
  .placeholder {
    border-color: #d0d7de;
    border-top-color: #00796b;
  }
  .countdown {
    font-variant-numeric: tabular-nums;
  }
`;
