// The maps' component (ui.mapview): a Streamlit v2 component drawn in the page itself, not
// in a frame. It takes st_folium's arguments (the folium map's script, its header's style
// rules, the feature group swapped in place) and answers with st_folium's values
// (last_active_drawing, bounds, zoom, …) as its state "map".
//
// Why in the page: a frame is a second document that Streamlit creates only once it has
// rendered the element; the map then waited for that document, Leaflet's script in it and a
// message round trip before drawing. Here Leaflet is already in the page (loaded while the
// frontend starts) and the map is drawn as soon as its element exists.
//
// A folium map's script works on globals (var map_div = L.map("map_div", …), and the maps'
// own scripts use window.map, window.__GLOBAL_DATA__ and window.Streamlit): a page shows one
// map at a time, and when Streamlit removes its element the map takes them away again, with
// its style rules.
const STATE = '__xcMapState';

function textOf(html) {
  const span = document.createElement('span');
  span.innerHTML = html;
  return (span.textContent || '').trim();
}

// folium's header is written for a page of its own: its rules for html, body and #map and
// its meta tags would change Streamlit's page, so only the maps' own style rules are kept,
// with folium's 1rem for the map's text in pixels (the page's rem grows when presenting).
function styleRules(header) {
  const holder = document.createElement('template');
  holder.innerHTML = header || '';
  return Array.from(holder.content.querySelectorAll('style'))
    .map((style) => style.textContent)
    .filter((css) => !/^\s*(html\s*,\s*body|#map)\s*\{/.test(css))
    .join('\n')
    .replace(/\.leaflet-container\s*\{\s*font-size:\s*1rem;\s*\}/g, '.leaflet-container { font-size: 16px; }');
}

function sameUrl(a, b) {
  return new URL(a, document.baseURI).href === new URL(b, document.baseURI).href;
}

// A style sheet the map needs, once in the page: resolved when it applies (or fails: the
// map without Leaflet's rules rather than no map). Leaflet's is in the page's head (ui.serve),
// marked data-xc-done once it loaded or failed.
function loadSheet(href) {
  let link = Array.prototype.find.call(document.querySelectorAll('link[rel=stylesheet]'), (el) => sameUrl(el.href, href));
  if (link && (link.sheet || link.dataset.xcDone)) { return Promise.resolve(); }
  return new Promise((resolve) => {
    if (!link) {
      link = document.createElement('link');
      link.rel = 'stylesheet';
      link.href = href;
      document.head.appendChild(link);
    }
    link.addEventListener('load', resolve);
    link.addEventListener('error', resolve);
  });
}

// A script the map needs, once in the page, in order. Leaflet's is in the page's head
// (async, ui.serve) when the page was first opened on a page that draws a map, else added
// here: it may still be loading, done, or failed (data-xc-failed). A script
// that failed is asked for once more (a dropped connection on an office network), then the
// map says which file did not arrive (showFailure).
function loadScript(src, again) {
  const find = () => Array.prototype.find.call(document.querySelectorAll('script[src]'), (el) => sameUrl(el.src, src));
  return new Promise((resolve, reject) => {
    let script = find();
    if (script && (script.dataset.xcLoaded || (/leaflet/i.test(src) && window.L))) { resolve(); return; }
    const failed = () => reject(Object.assign(new Error(src), {xcWhat: 'script', xcDetail: new URL(src, document.baseURI).pathname}));
    if (script && script.dataset.xcFailed) { failed(); return; }
    if (!script) {
      script = document.createElement('script');
      script.src = src;
      script.async = false;
      document.head.appendChild(script);
    }
    script.addEventListener('load', () => { script.dataset.xcLoaded = '1'; resolve(); });
    script.addEventListener('error', () => { script.dataset.xcFailed = '1'; failed(); });
  }).catch((error) => {
    if (again) { throw error; }
    const script = find();
    if (script && script.dataset.xcFailed) { script.remove(); }  // so that it is asked for anew
    return loadScript(src, true);
  });
}

// In the map's place (or over it, when only its boundaries are missing): what did not
// arrive, and which file, calmly. The map then reports itself painted, once: a first view
// waiting for it draws its rest (ui.mapview.rest_waits_for_map), so a failed file does not
// also hold back the counts and lists; elsewhere that is one rerun.
function showFailure(root, state, args, what, detail) {
  const texts = args.failure_texts || {};
  const host = noticeHost(root, state);
  let box = host.querySelector('.xc-map-failed');
  if (!box) {
    box = notice(host, 'xc-map-failed', 'alert', 'background:#fffbeb;border:1px solid #d6b656;');
    const text = document.createElement('div');
    text.textContent = texts[what] || texts.script || '';
    box.appendChild(text);
  }
  const line = document.createElement('div');
  line.style.cssText = 'font-size:12px;color:#666;word-break:break-all;';
  line.textContent = detail;
  box.appendChild(line);
  if (state.failed) { return; }
  state.failed = true;
  restNeedNotWait(state, args);
}

// Over the map, while its counties are not drawn after rest_waits_at_most seconds (a file that
// neither arrives nor fails): that the map is still loading, gone once they are drawn.
function showSlow(root, state, text) {
  if (state.slow || !text) { return; }
  state.slow = notice(noticeHost(root, state), 'xc-map-slow', 'status', 'background:#f4f6f8;border:1px solid #c5ccd3;');
  state.slow.textContent = text;
}

function settled(state) {
  if (state.slow) { state.slow.remove(); state.slow = null; }
}

function noticeHost(root, state) {
  return (state.map && state.map.getContainer()) || root.querySelector('#map_div') || root;
}

// A box across the top of the map's element (showFailure, showSlow).
function notice(host, className, role, colours) {
  if (getComputedStyle(host).position === 'static') { host.style.position = 'relative'; }
  const box = document.createElement('div');
  box.className = className;
  box.setAttribute('role', role);
  box.style.cssText = 'position:absolute;left:12px;right:12px;top:12px;z-index:1000;padding:10px 14px;'
    + colours + 'border-radius:4px;color:#333;font-size:14px;line-height:1.5;';
  host.appendChild(box);
  return box;
}

// The value a map reports once its counties are painted (maps._View): a page waiting for it
// (ui.mapview.rest_waits_for_map) then draws its rest; elsewhere it is one rerun.
function restNeedNotWait(state, args) {
  state.setStateValue('map', {last_active_drawing: null, [args.drawn_field]: true});
}

// Run code in the page's global scope, as a frame's <script> would: folium's code declares
// its layers as globals and the maps' scripts refer to them by name.
function runGlobal(code) {
  const script = document.createElement('script');
  script.textContent = code;
  document.body.appendChild(script);
  script.remove();
}

function start(root, state, args) {
  const g = {
    lat_lng_clicked: null, last_object_clicked: null, last_object_clicked_count: 0,
    last_object_clicked_tooltip: null, last_object_clicked_popup: null, all_drawings: null,
    last_active_drawing: null, zoom: null, returned_objects: args.returned_objects,
    previous_data: args['default'], last_zoom: null, last_center: null,
    last_feature_group: null, last_layer_control: null, height: args.height
  };
  state.data = window.__GLOBAL_DATA__ = g;
  window.Streamlit = state.streamlit = {
    setComponentValue: (value) => state.setStateValue('map', value),
    setFrameHeight: () => {}
  };

  // As st_folium: the values it returns, compared and sent as plain data (Leaflet's objects
  // by their fields), only when they changed.
  const report = () => {
    const map = state.map;
    if (!map || state.gone) { return; }
    const all = {
      last_clicked: g.lat_lng_clicked, last_object_clicked: g.last_object_clicked,
      last_object_clicked_count: g.last_object_clicked_count,
      last_object_clicked_tooltip: g.last_object_clicked_tooltip,
      last_object_clicked_popup: g.last_object_clicked_popup, all_drawings: g.all_drawings,
      last_active_drawing: g.last_active_drawing, last_geocoder_result: null,
      bounds: map.getBounds(), zoom: map.getZoom(), last_circle_radius: null,
      last_circle_polygon: null, center: map.getCenter(), selected_layers: [], selected_tags: []
    };
    let data = {};
    if (g.returned_objects) {
      g.returned_objects.forEach((key) => { if (key in all) { data[key] = all[key]; } });
    } else {
      data = all;
    }
    data = JSON.parse(JSON.stringify(data));
    if (JSON.stringify(g.previous_data) !== JSON.stringify(data)) {
      g.previous_data = data;
      state.streamlit.setComponentValue(data);
    }
  };
  // st_folium reports a change after 250 ms without another event (made for panning).
  let pending = null;
  const reportSoon = () => { clearTimeout(pending); pending = setTimeout(report, 250); };
  const onLayerClick = (e) => {
    g.last_object_clicked = e.latlng || null;
    g.last_object_clicked_count += 1;
    try {
      const source = e.sourceTarget;
      if (source && typeof source.getTooltip === 'function' && source._tooltip && source._tooltip._content) {
        const content = source.getTooltip().getContent();
        g.last_object_clicked_tooltip = typeof content === 'function' ? textOf(content(source)) : textOf(content);
      }
    } catch (error) { console.log(error); }
    if (e.layer && typeof e.layer.toGeoJSON === 'function') { g.last_active_drawing = e.layer.toGeoJSON(); }
    g.all_drawings = [];
    reportSoon();
  };
  state.listen = (map, onHover) => {
    Object.keys(map._layers).forEach((key) => {
      const layer = map._layers[key];
      if (!layer || typeof layer.on !== 'function') { return; }
      layer.off('click', onLayerClick);
      layer.on('click', onLayerClick);
      if (onHover) { layer.off('mouseover', onLayerClick); layer.on('mouseover', onLayerClick); }
    });
  };
  window.initComponent = (map, onHover) => {
    state.map = map;
    map.on('click', (e) => { g.lat_lng_clicked = e.latlng; reportSoon(); });
    map.on('moveend', reportSoon);
    state.listen(map, onHover);
    report();
  };

  // A page that waits for its map (ui.mapview.rest_waits_for_map) hears from the map once its
  // counties are painted (maps._VIEW_JS), or from showFailure. A file that neither arrives nor
  // fails (a stalled connection) would leave the counts and lists out for good: after
  // rest_waits_at_most seconds the page is told not to wait, and the map says it is still loading.
  if (args.rest_waits_at_most) {
    state.restTimer = setTimeout(() => {
      if (state.gone || state.failed) { return; }
      if (!(state.map && state.map.xcCountiesDrawn)) { showSlow(root, state, args.slow_text); }
      if (!args.waiting || !document.querySelector(args.waiting)) { return; }
      restNeedNotWait(state, args);
    }, args.rest_waits_at_most * 1000);
  }

  const div = document.createElement('div');
  div.id = 'map_div';
  div.style.height = args.height + 'px';
  root.appendChild(div);
  state.style = document.createElement('style');
  state.style.textContent = styleRules(args.header);
  document.head.appendChild(state.style);
  const sheets = Promise.all((args.css_links || []).map(loadSheet));
  (args.js_links || []).reduce((chain, src) => chain.then(() => loadScript(src)), sheets).then(() => {
    if (state.gone) { return; }
    if (args.html) {
      const holder = document.createElement('div');
      holder.innerHTML = args.html;
      root.appendChild(holder);
    }
    runGlobal(args.script + '\nwindow.map = map_div; window.initComponent(map_div, ' + Boolean(args.return_on_hover) + ');');
    // A boundary file that did not arrive is named (maps._STATIC_SHAPES_JS); the still-loading
    // notice (showSlow) goes once the counties are drawn.
    if (state.map) {
      state.map.on('xc:failed', (e) => { settled(state); showFailure(root, state, args, 'geometry', e.detail); });
      if (state.map.xcCountiesDrawn) { settled(state); } else { state.map.once('xc:counties', () => settled(state)); }
    }
    finish(state, state.latest || args);
  }).catch((error) => {
    if (state.gone) { return; }
    if (!error || error.xcWhat !== 'script') { throw error; }
    settled(state);
    showFailure(root, state, args, 'script', error.xcDetail);
  });
}

// What st_folium does on every render once the map exists: swap the feature group (the
// indicator layer, the slide's outline) in place, and apply a changed zoom or centre.
function finish(state, args) {
  const map = state.map;
  if (!map) { state.latest = args; return; }
  const g = state.data;
  const group = args.feature_group || '', control = args.layer_control || '';
  if (group !== (g.last_feature_group || '') || control !== (g.last_layer_control || '')) {
    (window.feature_group || []).forEach((layer) => map.removeLayer(layer));
    window.feature_group = [];
    if (window.layer_control) { map.removeControl(window.layer_control); }
    g.last_feature_group = group;
    g.last_layer_control = control;
    runGlobal(group + control);  // folium's code for the group declares globals, as in st_folium
    if (group) { state.listen(map, Boolean(args.return_on_hover)); }
  }
  let zoom = map.getZoom(), center = map.getCenter(), changed = false;
  if (args.zoom && args.zoom !== g.last_zoom) { zoom = args.zoom; g.last_zoom = args.zoom; changed = true; }
  if (args.center && JSON.stringify(args.center) !== JSON.stringify(g.last_center)) {
    center = args.center; g.last_center = args.center; changed = true;
  }
  if (changed) { map.setView(center, zoom); }
}

function remove(root) {
  const state = root[STATE];
  if (!state || state.gone) { return; }
  state.gone = true;
  clearTimeout(state.restTimer);
  if (state.map) { state.map.remove(); }
  if (state.style) { state.style.remove(); }
  if (window.__GLOBAL_DATA__ === state.data) {
    // folium's `var map_div = …` (run as a classic script) cannot be deleted: in this module's
    // strict code delete throws, so such a name is emptied instead (its map is let go).
    ['__GLOBAL_DATA__', 'map', 'map_div', 'feature_group', 'layer_control', 'initComponent', 'Streamlit'].forEach((name) => {
      try { delete window[name]; } catch (error) { window[name] = undefined; }
    });
  }
  root.replaceChildren();
  delete root[STATE];
}

export default function (component) {
  const root = component.parentElement;
  const args = component.data || {};
  let state = root[STATE];
  if (!state) {
    state = root[STATE] = {setStateValue: component.setStateValue};
    start(root, state, args);
  } else {
    state.setStateValue = component.setStateValue;
    finish(state, args);
  }
  // Streamlit calls this when it removes the element, and also for a render it dropped
  // (new arguments came while the module loaded): only a map whose element left the page goes.
  return () => { if (!root.isConnected) { remove(root); } };
}
