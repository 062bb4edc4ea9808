// Run by the browser tests (Browser.auditAccessibility) on a rendered page; returns the problems found as strings.
// Two WCAG 2.1 AA checks that can be computed from the DOM: every control, link and image has an accessible name
// (4.1.2, 1.1.1), and text contrast is at least 4.5:1, or 3:1 for large text (1.4.3), against the nearest opaque
// background.
const problems = [];
const visible = (el) => {
  const r = el.getBoundingClientRect();
  const style = getComputedStyle(el);
  return r.width > 0 && r.height > 0 && style.visibility !== 'hidden' && style.display !== 'none';
};
const describe = (el) => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : ''}`;

function accessibleName(el) {
  if (el.getAttribute('aria-label')) return el.getAttribute('aria-label');
  const labelledBy = el.getAttribute('aria-labelledby');
  if (labelledBy) return labelledBy.split(/\s+/).map((id) => (document.getElementById(id) || {}).textContent || '').join(' ').trim();
  if (el.id) {
    const label = document.querySelector(`label[for="${CSS.escape(el.id)}"]`);
    if (label && label.textContent.trim()) return label.textContent.trim();
  }
  const wrapping = el.closest('label');
  if (wrapping && wrapping.textContent.trim()) return wrapping.textContent.trim();
  if (el.tagName === 'INPUT' && ['submit', 'button'].includes(el.type)) return el.value;
  if (['A', 'BUTTON', 'SUMMARY'].includes(el.tagName)) return el.textContent.trim() || el.getAttribute('title') || '';
  return el.getAttribute('title') || '';
}

for (const el of document.querySelectorAll('a[href], button, input, select, textarea, summary, [role="img"], img')) {
  if (el.type === 'hidden' || !visible(el)) continue;
  if (el.tagName === 'IMG' && el.getAttribute('alt') !== null) continue;
  if (!accessibleName(el)) problems.push(`no accessible name: ${describe(el)}`);
}

function rgba(color) {
  const m = color.match(/rgba?\(([^)]+)\)/);
  if (!m) return null;
  const parts = m[1].split(/[,\s/]+/).filter(Boolean).map(Number);
  return { r: parts[0], g: parts[1], b: parts[2], a: parts.length > 3 ? parts[3] : 1 };
}
function luminance({ r, g, b }) {
  const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
}
function background(el) {
  for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
    const c = rgba(getComputedStyle(node).backgroundColor);
    if (c && c.a >= 0.99) return c;
  }
  return { r: 255, g: 255, b: 255, a: 1 };
}

const seen = new Set();
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let node = walker.nextNode(); node; node = walker.nextNode()) {
  const el = node.parentElement;
  if (!node.textContent.trim() || !el || seen.has(el) || el.closest('svg, script, style, noscript, option, [hidden]')) continue;
  seen.add(el);
  if (!visible(el)) continue;
  const style = getComputedStyle(el);
  const fg = rgba(style.color);
  if (!fg) continue;
  let opacity = 1;
  for (let n = el; n && n.nodeType === 1; n = n.parentElement) opacity *= Number(getComputedStyle(n).opacity);
  if (el.closest(':disabled')) continue; // WCAG 1.4.3 exempts inactive controls
  const bg = background(el);
  const alpha = fg.a * opacity;
  const blended = { r: fg.r * alpha + bg.r * (1 - alpha), g: fg.g * alpha + bg.g * (1 - alpha), b: fg.b * alpha + bg.b * (1 - alpha) };
  const [l1, l2] = [luminance(blended), luminance(bg)].sort((a, b) => b - a);
  const ratio = (l1 + 0.05) / (l2 + 0.05);
  const size = parseFloat(style.fontSize);
  const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
  if (ratio < (large ? 3 : 4.5)) problems.push(`contrast ${ratio.toFixed(2)}:1 for "${node.textContent.trim().slice(0, 40)}" in ${describe(el)}`);
}
return problems;
