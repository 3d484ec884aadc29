import QRCode from 'qrcode';

/**
 * A QR code as inline SVG, drawn on the server (no script, works offline once the page is
 * saved). The SVG itself is hidden from screen readers: the element around it carries the
 * text alternative, and the code is printed beside it anyway.
 */
export async function qrSvg(text: string): Promise<string> {
  const svg = await QRCode.toString(text, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' });
  return svg.replace('<svg ', '<svg aria-hidden="true" focusable="false" ');
}
