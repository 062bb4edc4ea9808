// The hash route of the page: "#/medicine/atomoxetine?x=1" -> path "/medicine/atomoxetine", params {x: 1}.

export function currentRoute() {
  const hash = location.hash.replace(/^#/, '') || '/';
  const [path, query] = hash.split('?');
  return { path, params: new URLSearchParams(query || '') };
}

/** Changes the query of the current route without a new history entry or a re-render (filters, try-it state). */
export function setQuery(params) {
  const { path } = currentRoute();
  const query = params.toString();
  history.replaceState(null, '', `#${path}${query ? '?' + query : ''}`);
}
