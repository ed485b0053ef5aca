/*
 * The maps' feed request, and the page's first feed asked for while the page loads.
 *
 * The one place that fetches a feed (PTCEMapFeed.fetch): map.js asks here for every feed,
 * so this script comes before map.js wherever map.js is loaded (poles/_map_scripts.html).
 *
 * On a page with a feed it is also loaded from the head, before the stylesheets
 * (poles/_map_feed.html), right after the feed's preload link: it runs as soon as it
 * arrives, without waiting for the stylesheets or for Leaflet, and fetches each preloaded
 * feed (data-ptce-feed), which takes the preload's response. Its JSON is then parsed while
 * the main thread would otherwise wait for the map's scripts, and map.js (PoleMap.load)
 * takes the result (PTCEMapFeed.take) instead of fetching again: the first screen is drawn
 * as soon as the map exists. Loaded twice on such a page, it runs once.
 */
(function () {
  "use strict";

  if (window.PTCEMapFeed || !window.fetch || !window.Promise) {
    return;
  }

  // The feed at `url` as { response, data }: data null when the body is not JSON, for
  // map.js to say what went wrong (a 400 names the invalid filters).
  function fetchFeed(url, signal) {
    return fetch(url, {
      headers: { Accept: "application/json, application/geo+json" },
      credentials: "same-origin",
      signal: signal,
    }).then(function (response) {
      return response.json().then(
        function (data) {
          return { response: response, data: data };
        },
        function () {
          return { response: response, data: null };
        }
      );
    });
  }

  // The early requests by absolute URL: { promise, result }, `result` set once the
  // feed is parsed, so that map.js knows whether the poles are already at hand.
  var early = {};
  Array.prototype.forEach.call(document.querySelectorAll("link[data-ptce-feed]"), function (link) {
    var entry = { result: null };
    entry.promise = fetchFeed(link.href).then(function (result) {
      entry.result = result;
      return result;
    });
    // A network error is map.js's to report, when it takes the promise.
    entry.promise.catch(function () {});
    early[link.href] = entry;
  });

  function keyOf(url) {
    return new URL(url, document.baseURI).href;
  }

  window.PTCEMapFeed = {
    fetch: fetchFeed,
    // Whether the early request for `url` (as the map element names it) is parsed.
    ready: function (url) {
      var entry = early[keyOf(url)];
      return Boolean(entry && entry.result);
    },
    // The early request for `url`, { promise, result }, or null; once only.
    take: function (url) {
      var key = keyOf(url);
      var entry = early[key] || null;
      delete early[key];
      return entry;
    },
  };
})();
