// Loads xterm.js and its add-ons the first time a terminal opens, and exposes them as
// globalThis.workbenchXterm (app/src/components/terminal/xterm.rs binds that name), so a
// page without a terminal never downloads them. Same origin, so the CSP allows it.
let loading;

export function loadXterm() {
  loading ??= Promise.all([
    import('/xterm/xterm.mjs'),
    import('/xterm/addon-fit.mjs'),
    import('/xterm/addon-web-links.mjs'),
    import('/xterm/addon-search.mjs'),
    import('/xterm/addon-unicode11.mjs'),
  ]).then(([xterm, fit, links, search, unicode11]) => {
    globalThis.workbenchXterm = {
      Terminal: xterm.Terminal,
      FitAddon: fit.FitAddon,
      WebLinksAddon: links.WebLinksAddon,
      SearchAddon: search.SearchAddon,
      Unicode11Addon: unicode11.Unicode11Addon,
    };
  }, (err) => {
    // A failed load (offline, a deploy in progress) may be retried by the next terminal.
    loading = undefined;
    throw err;
  });
  return loading;
}
