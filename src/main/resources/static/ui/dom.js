// A small element builder. Content from the server is only ever set as text (never parsed as HTML), so nothing a
// resource says can run script; handlers are attached with addEventListener, which a strict CSP allows.

const SVG_NS = 'http://www.w3.org/2000/svg';

function build(element, attrs, children) {
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'on') {
      for (const [event, handler] of Object.entries(value)) element.addEventListener(event, handler);
    } else if (name === 'dataset') {
      for (const [key, v] of Object.entries(value)) if (v !== undefined && v !== null) element.dataset[key] = String(v);
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(element, children);
  return element;
}

export function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false || child === '') continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/** An HTML element: h('a', {href: '#/x'}, 'text', otherNode, [more]). */
export function h(tag, attrs, ...children) {
  return build(document.createElement(tag), attrs, children);
}

/** An SVG element, same shape as h(). */
export function s(tag, attrs, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

/** Replaces an element's children. */
export function replace(element, ...children) {
  element.replaceChildren();
  return append(element, children);
}

/** A definition list from [term, description] pairs, leaving out pairs with no description. */
export function facts(pairs, attrs) {
  const items = pairs.filter(([, d]) => d !== null && d !== undefined && d !== '' && !(Array.isArray(d) && !d.length));
  if (!items.length) return null;
  return h('dl', Object.assign({ class: 'facts' }, attrs), items.map(([t, d]) => [h('dt', null, t), h('dd', null, d)]));
}

/** A section with a heading, or nothing when it has no content. */
export function section(title, id, ...content) {
  const body = content.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false);
  if (!body.length) return null;
  return h('section', { class: 'block', 'aria-labelledby': id }, h('h2', { id }, title), body);
}

/** A collapsed block of raw JSON (request or response), one click away. */
export function rawJson(summary, value, attrs) {
  return h('details', Object.assign({ class: 'raw' }, attrs),
    h('summary', null, summary),
    h('pre', { tabindex: '0' }, h('code', null, JSON.stringify(value, null, 2))));
}

let idCounter = 0;
export function uid(prefix) {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

/** Renders a small, safe subset of markdown (paragraphs, quotes, lists, **bold**, *em*, `code`, [links](http...)). */
export function markdown(text) {
  const container = h('div', { class: 'markdown' });
  const blocks = String(text || '').replace(/\r/g, '').split(/\n{2,}/);
  for (const block of blocks) {
    const lines = block.split('\n').filter((l) => l.trim());
    if (!lines.length) continue;
    if (lines.every((l) => /^\s*>/.test(l))) {
      container.append(h('blockquote', null, inline(lines.map((l) => l.replace(/^\s*>\s?/, '')).join(' '))));
    } else if (lines.every((l) => /^\s*([-*+]|\d+\.)\s+/.test(l))) {
      const ordered = /^\s*\d+\./.test(lines[0]);
      container.append(h(ordered ? 'ol' : 'ul', null,
        lines.map((l) => h('li', null, inline(l.replace(/^\s*([-*+]|\d+\.)\s+/, ''))))));
    } else {
      const heading = /^(#{1,6})\s+(.*)$/.exec(lines[0]);
      if (heading && lines.length === 1) container.append(h('p', { class: 'md-heading' }, h('strong', null, inline(heading[2]))));
      else container.append(h('p', null, inline(lines.join(' '))));
    }
  }
  return container;
}

function inline(text) {
  const out = [];
  const pattern = /\*\*([^*]+)\*\*|\*([^*]+)\*|`([^`]+)`|\[([^\]]+)\]\(([^)\s]+)\)/g;
  let last = 0;
  let match;
  while ((match = pattern.exec(text))) {
    out.push(text.slice(last, match.index));
    if (match[1]) out.push(h('strong', null, match[1]));
    else if (match[2]) out.push(h('em', null, match[2]));
    else if (match[3]) out.push(h('code', null, match[3]));
    else out.push(safeLink(match[5], match[4]));
    last = pattern.lastIndex;
  }
  out.push(text.slice(last));
  return out;
}

/** A link only for http(s) and in-app targets; anything else (javascript:, data:) is shown as text. */
export function safeLink(url, label, attrs) {
  if (/^(https?:|#\/)/i.test(url || '')) {
    const external = /^https?:/i.test(url);
    return h('a', Object.assign({ href: url }, external ? { rel: 'noopener noreferrer' } : {}, attrs), label || url);
  }
  return h('span', null, label || url || '');
}
