// WCAG 2.1 contrast ratio of two CSS colours, for the browser tests that check a page in the real themes. Not a test
// file itself. The formulas are WCAG 2.1's own definitions:
//   relative luminance  https://www.w3.org/TR/WCAG21/#dfn-relative-luminance
//   contrast ratio      https://www.w3.org/TR/WCAG21/#dfn-contrast-ratio
// and the thresholds those of SC 1.4.3 Contrast (Minimum) (text: 4.5:1) and SC 1.4.11 Non-text Contrast (graphical
// objects: 3:1): https://www.w3.org/TR/WCAG21/#contrast-minimum, https://www.w3.org/TR/WCAG21/#non-text-contrast

/** SC 1.4.3: text (and images of text) at least 4.5:1 (large text 3:1; the page's text is not large). */
export const TEXT_MIN = 4.5;
/** SC 1.4.11: parts of graphics needed to understand the content at least 3:1 against adjacent colours. */
export const GRAPHICS_MIN = 3;

/**
 * A CSS colour as the browser's getComputedStyle gives it (`rgb(…)`, `rgba(…)`, `rgb(r g b / a)`, `color(srgb …)`,
 * `transparent`) or as a hex literal (`#rgb`, `#rgba`, `#rrggbb`, `#rrggbbaa`) → { r, g, b } in 0–255 and a in 0–1.
 * Anything else throws: a colour the test cannot read must not pass as black.
 */
export function parseColor(text) {
  const s = String(text).trim().toLowerCase();
  if (s === 'transparent') return { r: 0, g: 0, b: 0, a: 0 };
  let m = /^#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/.exec(s);
  if (m) {
    let h = m[1];
    if (h.length <= 4) h = [...h].map((c) => c + c).join('');
    const n = (i) => parseInt(h.slice(i, i + 2), 16);
    return { r: n(0), g: n(2), b: n(4), a: h.length === 8 ? n(6) / 255 : 1 };
  }
  m = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:\s*[,/]\s*([\d.]+)(%?))?\s*\)$/.exec(s);
  if (m) return { r: +m[1], g: +m[2], b: +m[3], a: m[4] === undefined ? 1 : m[5] ? +m[4] / 100 : +m[4] };
  m = /^color\(srgb\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)(?:\s*\/\s*([\d.]+))?\s*\)$/.exec(s);
  if (m) return { r: +m[1] * 255, g: +m[2] * 255, b: +m[3] * 255, a: m[4] === undefined ? 1 : +m[4] };
  throw new Error(`not a colour this helper reads: ${JSON.stringify(text)}`);
}

/** `top` painted over `bottom` (source-over, in sRGB as browsers composite); the result is opaque when `bottom` is. */
export function over(top, bottom) {
  const t = typeof top === 'string' ? parseColor(top) : top;
  const b = typeof bottom === 'string' ? parseColor(bottom) : bottom;
  const a = t.a + b.a * (1 - t.a);
  if (a === 0) return { r: 0, g: 0, b: 0, a: 0 };
  const mix = (x, y) => (x * t.a + y * b.a * (1 - t.a)) / a;
  return { r: mix(t.r, b.r), g: mix(t.g, b.g), b: mix(t.b, b.b), a };
}

/** WCAG 2.1 relative luminance of an opaque colour (0 for black, 1 for white). */
export function relativeLuminance(color) {
  const c = typeof color === 'string' ? parseColor(color) : color;
  if (c.a < 1) throw new Error('relative luminance of a translucent colour: composite it over its background first');
  const lin = (v) => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(c.r) + 0.7152 * lin(c.g) + 0.0722 * lin(c.b);
}

/**
 * WCAG 2.1 contrast ratio (1–21) of a foreground over an opaque background; a translucent foreground is first
 * composited over that background (what the eye sees).
 */
export function contrastRatio(foreground, background) {
  const bg = typeof background === 'string' ? parseColor(background) : background;
  if (bg.a < 1) throw new Error('the background must be opaque: composite its layers first');
  const fg = over(foreground, bg);
  const [hi, lo] = [relativeLuminance(fg), relativeLuminance(bg)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** The colour behind everything: `layers` from the innermost element outwards, composited until one is opaque. */
export function effectiveBackground(layers) {
  let acc = { r: 0, g: 0, b: 0, a: 0 };
  for (const layer of layers) {
    acc = over(acc, layer);
    if (acc.a >= 1) return acc;
  }
  throw new Error(`no opaque background among ${JSON.stringify(layers)}`);
}

/** `#rrggbb` of an opaque colour (for messages). */
export function hex(color) {
  const c = typeof color === 'string' ? parseColor(color) : color;
  const h = (v) => Math.round(v).toString(16).padStart(2, '0');
  return `#${h(c.r)}${h(c.g)}${h(c.b)}${c.a < 1 ? h(c.a * 255) : ''}`;
}
