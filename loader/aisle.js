/*! Aisle chat loader */
/* <script src="/widget/aisle.js" data-site="demo" async></script>
 * Draws the launcher at once inside its own shadow root, loads the wasm widget on
 * the first interaction or when the browser is idle (never before), and queues
 * window.Aisle(...) commands until the widget takes them over.
 * `cargo xtask build` fills in the bundle names; the server serves the result.
 * Only the first line is kept in the minified file (each byte is in the budget). */
(function () {
  'use strict';
  var w = window, d = document;
  if (w.Aisle && w.Aisle.config) return; // snippet pasted twice
  var script = d.currentScript;
  if (!script) return;
  var attr = function (n) { return script.getAttribute('data-' + n) || ''; };
  var base = new URL('.', script.src).href;
  var config = {
    site: attr('site'),
    server: attr('server') || new URL(script.src).origin,
    locale: attr('locale'),
    // The locale tables other than English, fetched by the widget for the shopper's language.
    i18n: base + '__AISLE_LOCALES__'
  };
  // The launcher's name in each language, keyed by the lower-case tag
  // ({"en": …, "fr": …}): written by `cargo xtask build` from the
  // widget's tables (`launcher` in src/i18n.rs, by core's `Locale`), so the
  // words exist once. `label` picks one as `Locale::from_tag` would.
  var labels = __AISLE_LABELS__;
  // The widget's language for this shopper (a key of `labels`: the tag its
  // table's file is named by), as the widget negotiates it: the snippet's
  // `data-locale`, then the browser's.
  function language() {
    var tags = [config.locale].concat(navigator.languages || [navigator.language]);
    for (var i = 0; i < tags.length; i++) {
      var tag = String(tags[i] || '').toLowerCase().replace('_', '-'), lang = tag.split('-')[0];
      if (lang === 'zh') return /-(hant|tw|hk|mo)\b/.test(tag) ? 'zh-Hant' : 'zh-Hans';
      if (labels[lang]) return lang;
    }
    return 'en';
  }

  // Commands a stub queued before this script ran (`arguments` objects) become arrays.
  var queue = [].map.call((w.Aisle && w.Aisle.q) || [], function (a) { return [].slice.call(a); });
  function Aisle() {
    var args = [].slice.call(arguments);
    if (args[0] === 'purchase') return purchase(args[1]);
    if (Aisle.handle) return Aisle.handle(args[0], args[1]);
    queue.push(args);
    if (urgent(args)) load();
  }
  // Commands the shopper or the page wants seen now: the widget loads at once.
  function urgent(args) { return /^(open|toggle|trigger)$/.test(args[0]); }
  // A logged-in customer the store signed: data-customer='{"email":…,"exp":…,"signature":…}'.
  try { if (attr('customer')) queue.push(['identify', JSON.parse(attr('customer'))]); } catch (e) { /* ignored, never trusted */ }
  Aisle.config = config;
  w.Aisle = Aisle;

  // This browser's visitor id, for campaign attribution: the widget sends it
  // with campaign events (as Aisle.visitor), a purchase names it. Read or made
  // with the visit, not while the page loads.
  var visitor;
  function visitorId() {
    if (!visitor) {
      try { visitor = w.localStorage.getItem('aisle:v1:visitor'); } catch (e) { /* storage disabled */ }
      if (!/^[\w-]{8,64}$/.test(visitor)) {
        visitor = [].map.call(crypto.getRandomValues(new Uint8Array(16)), function (b) { return (b + 256).toString(16).slice(1); }).join('');
        try { w.localStorage.setItem('aisle:v1:visitor', visitor); } catch (e) { /* storage disabled */ }
      }
      Aisle.visitor = visitor;
    }
    return visitor;
  }
  // Aisle('purchase', {order, value, currency}) on the thank-you page: counted
  // once per order, for the campaign this visitor last clicked. A promise.
  function purchase(p) {
    p = p || {};
    return fetch(config.server + '/api/sites/' + encodeURIComponent(config.site) + '/campaigns/purchase', {
      method: 'POST', keepalive: true, headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ visitor: visitorId(), order: String(p.order == null ? '' : p.order), value: p.value, currency: p.currency })
    }).then(function (r) { return r.json(); }, function () { return null; });
  }
  // Purchases queued by a stub before this script ran.
  Aisle.q = queue = queue.filter(function (a) { return a[0] === 'purchase' ? (purchase(a[1]), false) : true; });

  // Visits and page views for campaigns. Time on page restarts on every URL
  // change, single-page-app navigation included; the widget hears of it
  // through the 'navigate' command. Storage is first touched when the widget
  // loads (or the page is left): a storage access can cost milliseconds, too
  // many while the page is still loading.
  var visit, seen = [], started = Date.now();
  function save() {
    try { w.sessionStorage.setItem('aisle:v1:visit', JSON.stringify(visit)); } catch (e) { /* storage disabled */ }
  }
  function count(path) {
    visit.pages++;
    // The last pages viewed, for the agent's context in a live chat.
    visit.paths = (visit.paths || []).concat(path).slice(-10);
  }
  function track() {
    if (visit) return;
    visitorId();
    try { visit = JSON.parse(w.sessionStorage.getItem('aisle:v1:visit')); } catch (e) { /* storage disabled */ }
    if (!visit || !visit.start) {
      var visits = 1;
      try { visits += +w.localStorage.getItem('aisle:v1:visits') || 0; w.localStorage.setItem('aisle:v1:visits', visits); } catch (e) { /* storage disabled */ }
      visit = { start: started, pages: 0, visits: visits };
    }
    Aisle.visit = visit;
    seen.forEach(count);
    save();
  }
  function page() {
    Aisle.pageStart = Date.now();
    var path = location.pathname + location.search;
    if (!visit) return seen.push(path);
    count(path);
    save();
    if (Aisle.handle) Aisle.handle('navigate');
  }
  page();
  w.addEventListener('pagehide', track);
  ['pushState', 'replaceState'].forEach(function (name) {
    var original = history[name];
    history[name] = function () {
      var before = location.href;
      var result = original.apply(this, arguments);
      if (location.href !== before) page();
      return result;
    };
  });
  w.addEventListener('popstate', page);

  var host = d.createElement('aisle-chat');
  host.setAttribute('style', 'all:initial;position:fixed;right:0;bottom:0;width:0;height:0;z-index:2147483000');
  var root = Aisle.root = host.attachShadow({ mode: 'open' });
  // Same box as the widget's .launcher in style/widget.css.
  root.innerHTML = '<style data-aisle-loader>button{all:initial;position:fixed;right:20px;bottom:20px;' +
    'z-index:2147483000;display:inline-flex;align-items:center;gap:8px;height:52px;padding:0 20px;' +
    'border-radius:26px;background:#1f5f8b;color:#fff;font:600 15px/1.45 system-ui,-apple-system,"Segoe UI",' +
    'Roboto,"Noto Sans",sans-serif;box-shadow:0 4px 14px rgba(0,0,0,.25);cursor:pointer;box-sizing:border-box}' +
    'button:focus-visible{outline:3px solid #0b57d0;outline-offset:2px}' +
    'i{width:20px;height:16px;border-radius:8px 8px 8px 2px;background:currentColor}</style>' +
    '<button type="button" data-aisle-loader aria-expanded="false"><i aria-hidden="true"></i><span></span></button>';
  var button = root.querySelector('button');
  var lang = language();
  button.lastChild.textContent = labels[lang];
  button.addEventListener('click', function () { Aisle('toggle'); });
  button.addEventListener('pointerenter', load);
  button.addEventListener('focus', load);

  // "Copy code" in a campaign message (the widget draws the button with
  // `data-copy`, the code, and `data-copied`, what it says once copied): the
  // code goes onto the clipboard, then the button says so (inside the
  // message's live region, so it is announced). Browser glue like this costs
  // the widget two to three times as many bytes as wasm as it does here.
  root.addEventListener('click', function (e) {
    var b = e.target.closest('[data-copy]'), c = navigator.clipboard;
    if (b && c) c.writeText(b.getAttribute('data-copy')).then(function () {
      b.textContent = b.getAttribute('data-copied');
    }, function () {});
  });
  // A campaign event into the page's dataLayer, for the widget: Aisle's own
  // (`aisle_campaign_shown`, …) and GA4's recommended promotion events
  // (`view_promotion` / `select_promotion`; `value` and `currency` when the
  // campaign is about the cart). Through `dataLayer.push`: tag managers
  // replace it.
  Aisle.track = function (kind, id, name, variant, value, currency) {
    var layer = w.dataLayer, ga4 = { shown: 'view_promotion', clicked: 'select_promotion' }[kind], e;
    if (!layer || !layer.push) return;
    layer.push({ event: 'aisle_campaign_' + kind, aisle_campaign: id });
    if (!ga4) return;
    e = { promotion_id: id, promotion_name: name, creative_slot: variant || 'default', items: [] };
    if (currency) { e.value = value; e.currency = currency; }
    layer.push({ ecommerce: null }); // cleared first, as GA4 asks
    layer.push({ event: ga4, ecommerce: e });
  };

  var loading = false;
  // `value`, one task later: the host page's own work may run in between.
  function later(value) {
    return new Promise(function (resolve) { setTimeout(function () { resolve(value); }, 0); });
  }
  // The wasm is compiled while it downloads, off the main thread; the widget
  // then starts its campaign runtime and mounts its view only when first
  // needed (first open, a campaign to show, the pointer on the launcher).
  // Each step is a short task of its own: counting the visit, evaluating the
  // glue, instantiating the module, booting.
  function load() {
    if (loading) return;
    loading = true;
    button.setAttribute('aria-busy', 'true');
    var wasm = base + '__AISLE_WIDGET_WASM__', W = w.WebAssembly;
    // The shopper's language table, fetched beside the wasm: the widget asks
    // for it when it boots and finds it in the cache (its name is
    // fingerprinted), a round trip saved.
    fetch(config.i18n + '.' + lang + '.json').catch(function () {});
    var compiled = W && W.compileStreaming
      ? W.compileStreaming(fetch(wasm)).catch(function () { return wasm; })
      : wasm;
    import(base + '__AISLE_WIDGET_JS__')
      .then(later)
      .then(function (glue) { return glue.default({ module_or_path: compiled }); })
      .then(function () { button.removeAttribute('aria-busy'); })
      .catch(function (e) {
        loading = false;
        button.removeAttribute('aria-busy');
        if (w.console) console.error('Aisle: the chat widget failed to load', e);
      });
    later().then(track);
  }

  // Before the shopper does anything the page is left alone: the widget loads
  // on their first pointer, key, touch or scroll anywhere on the page, or
  // DEFER ms after the page has loaded, once the browser is idle. Campaign
  // timers count from the page's start, so a campaign due earlier shows then.
  var DEFER = 4000, EVENTS = ['pointerdown', 'pointermove', 'keydown', 'touchstart', 'scroll', 'wheel'];
  var listen = { passive: true, capture: true };
  function first() {
    EVENTS.forEach(function (e) { w.removeEventListener(e, first, listen); });
    load();
  }
  function whenIdle() {
    EVENTS.forEach(function (e) { w.addEventListener(e, first, listen); });
    setTimeout(function () {
      (w.requestIdleCallback || function (f) { setTimeout(f, 0); })(first, { timeout: 5000 });
    }, DEFER);
  }
  function attach() {
    d.body.appendChild(host);
    var resume = false;
    try {
      var saved = JSON.parse(w.sessionStorage.getItem('aisle:v1:state') || '{}');
      resume = saved.open === true || !!(saved.chat && saved.chat.resume);
    } catch (e) { /* storage disabled */ }
    // A panel left open or a live chat on the previous page comes back at
    // once; otherwise wait for the shopper or for idle.
    if (resume || queue.some(urgent)) load();
    else if (d.readyState === 'complete') whenIdle();
    else w.addEventListener('load', whenIdle);
  }
  if (d.body) attach(); else d.addEventListener('DOMContentLoaded', attach);
})();
