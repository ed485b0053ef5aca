/*
 * The map's feed, asked for and parsed while the page is still loading.
 *
 * Loaded from the head before the stylesheets (poles/_map_feed.html), right after the
 * feed's preload link: it runs as soon as it arrives, without waiting for the
 * stylesheets or for Leaflet, and fetches each preloaded feed (data-ptce-feed), which
 * takes the preload's response. Its JSON is then parsed while the main thread would otherwise wait for the
 * map's scripts, and map.js (PoleMap.load) takes the result instead of fetching again:
 * the first screen is drawn as soon as the map exists. Without this script (or when it
 * comes after map.js), map.js fetches the feed itself.
 */
(function () {
  "use strict";

  if (!window.fetch || !window.Promise || window.PTCEMap) {
    return;
  }
  var early = {};
  Array.prototype.forEach.call(document.querySelectorAll("link[data-ptce-feed]"), function (link) {
    var url = link.href;
    // The same request as map.js's own (fetchFeed): { response, data }, data null when the
    // body is not JSON; map.js says what went wrong.
    early[url] = fetch(url, {
      headers: { Accept: "application/json, application/geo+json" },
      credentials: "same-origin",
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
    // A network error is map.js's to report, when it takes the promise.
    early[url].catch(function () {});
  });

  window.PTCEMapFeed = {
    // The early request for `url` (as the map element names it), or null; once only.
    take: function (url) {
      var key = new URL(url, document.baseURI).href;
      var promise = early[key] || null;
      delete early[key];
      return promise;
    },
  };
})();
