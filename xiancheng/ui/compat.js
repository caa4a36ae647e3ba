// The page's first script (ui.serve puts it before everything else in <head>): lets a browser
// older than Streamlit's frontend expects run the dashboard, and says so plainly when it cannot.
//
// Streamlit's frontend is built for browsers of 2023 and later: at load it builds regular
// expressions with the v flag (Chrome 112) and its theme calls Array.prototype.toSorted
// (Chrome 110). On Chrome 109, the last one Windows 7 and 8.1 get, the page stays blank.
// Such a browser gets core-js (the standard library's newer parts, served with the app) and
// a RegExp that reads the v flag as u, which is all the frontend's own patterns need. This
// is written before Streamlit's module scripts run (they wait for the document to be
// parsed), so they find both in place; a current browser loads neither.
//
// A browser that cannot run the frontend even so (a parse error in its code, or an IE-based
// "compatibility mode" that runs no modules at all) shows a notice instead of a blank page.
// Plain ES5, so that such a browser can run this much.
(function () {
  var w = window, d = document;
  var CORE_JS = '__CORE_JS__', NOTICE = __NOTICE__;

  var hasV = true;
  try {
    new RegExp('', 'v');
  } catch (error) {
    hasV = false;
  }
  var current = hasV && !!([].toSorted && Object.groupBy && Promise.withResolvers && Array.fromAsync &&
    w.structuredClone && w.Set && Set.prototype.union);

  // RegExp with the v flag read as u (for the patterns written without v's set notation).
  w.__xcRegExpV = function () {
    var Native = w.RegExp;
    var Shim = function RegExp(pattern, flags) {
      if (typeof flags === 'string' && flags.indexOf('v') >= 0) { flags = flags.replace('v', 'u'); }
      return new Native(pattern, flags);
    };
    Shim.prototype = Native.prototype;
    if (Object.setPrototypeOf) { Object.setPrototypeOf(Shim, Native); }  // RegExp's own properties
    w.RegExp = Shim;
  };

  if (!current) {
    w.__xcCompat = true;
    d.write('<script src="' + CORE_JS + '"><\/script>' + (hasV ? '' : '<script>window.__xcRegExpV();<\/script>'));
  }

  function started() {
    return !!d.querySelector('[data-testid=stApp]');
  }
  function showNotice() {
    if (started() || d.getElementById('xc-old-browser') || !d.body) { return; }
    var box = d.createElement('div');
    box.id = 'xc-old-browser';
    box.setAttribute('role', 'alert');
    box.style.cssText = 'position:fixed;top:0;left:0;right:0;z-index:100000;padding:24px 32px;' +
      'background:#fff4e5;color:#1d1d1d;border-bottom:2px solid #e8a33d;font:16px/1.6 sans-serif';
    for (var i = 0; i < NOTICE.length; i++) {
      var line = d.createElement('p');
      line.style.margin = i ? '8px 0 0' : '0';
      if (i) { line.style.color = '#555'; }
      line.appendChild(d.createTextNode(NOTICE[i]));
      box.appendChild(line);
    }
    d.body.appendChild(box);
    // The frontend may still come up (a slow network, an unrelated error): the notice goes.
    var timer = setInterval(function () {
      if (started()) {
        clearInterval(timer);
        if (box.parentNode) { box.parentNode.removeChild(box); }
      }
    }, 500);
  }
  function later(ms) {
    setTimeout(function () {
      if (d.readyState === 'loading') { d.addEventListener('DOMContentLoaded', showNotice); } else { showNotice(); }
    }, ms);
  }

  if (!('noModule' in d.createElement('script'))) {
    later(0);  // no modules at all: the frontend never starts
  } else {
    // An error before the frontend is up (its code failed to parse or run): the notice if
    // the frontend has not started a few seconds later.
    var onError = function () {
      if (!started()) { later(4000); }
      w.removeEventListener('error', onError);
    };
    w.addEventListener('error', onError);
  }
})();
