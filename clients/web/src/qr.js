// The TOTP enrollment QR code, drawn in the page as SVG (no image service, no canvas).
import { encode } from '../vendor/uqr.mjs';
import { html } from './html.js';

export function QrCode({ text, label }) {
  const { data, size } = encode(text, { ecc: 'M', border: 4 });
  let path = '';
  data.forEach((row, y) => {
    row.forEach((dark, x) => {
      if (dark) path += `M${x} ${y}h1v1h-1z`;
    });
  });
  return html`
    <svg class="qr" viewBox=${`0 0 ${size} ${size}`} role="img" aria-label=${label} shape-rendering="crispEdges">
      <rect width=${size} height=${size} fill="#ffffff" />
      <path d=${path} fill="#000000" />
    </svg>
  `;
}
