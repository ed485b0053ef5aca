/*
 * The maps' feed request, what a map's poles look like, and the page's first screen of
 * poles drawn before Leaflet has arrived.
 *
 * The one place that fetches a feed (PTCEMapFeed.fetch), reads it (PTCEMapFeed.poles),
 * draws a marker's badge and groups the poles of a view as the first screen shows them:
 * map.js uses all of these, so this script comes before map.js wherever map.js is loaded
 * (poles/_map_scripts.html).
 *
 * On a page with a feed it is also loaded from the head, before the stylesheets
 * (poles/_map_feed.html), right after the feed's preload link: it runs as soon as it
 * arrives, without waiting for the stylesheets or for Leaflet, and fetches each preloaded
 * feed (data-ptce-feed), which takes the preload's response. Its JSON is then parsed while
 * the main thread would otherwise wait for the map's scripts, and map.js (PoleMap.load)
 * takes the result (PTCEMapFeed.take) instead of fetching again.
 *
 * The first screen before Leaflet (drawFirstScreen): once the parser has gone past the
 * map's element and the stylesheets are in, the poles the map will show are drawn where
 * map.js will draw its own first screen (the same view as Leaflet's fitBounds, the same
 * groups, the same pixels), in an inert, aria-hidden layer over the empty map. The view,
 * and on the unfiltered maps' pages the poles themselves, come from a JSON script element
 * the page writes just before the map (its data-first-screen; template tag
 * map_first_screen): such a first screen waits for no request, and the feed's body is
 * read and parsed only once it is drawn (data-ptce-page-poles on the preload). A
 * filtered map's first screen waits for its feed. Leaflet and map.js come 100–150 ms
 * later; map.js then replaces this layer with its own in the same task
 * (PTCEMapFeed.clearFirstScreen), so the poles never flicker. Loaded twice on such a
 * page, this script runs once.
 */
(function () {
  "use strict";

  if (window.PTCEMapFeed || !window.fetch || !window.Promise) {
    return;
  }

  // The maps' steps as performance marks ("ptce:…"; the benchmark reports them).
  function mark(name) {
    if (window.performance && performance.mark) {
      performance.mark("ptce:" + name);
    }
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined && text !== null) {
      node.textContent = text;
    }
    return node;
  }

  // --- The feed -------------------------------------------------------------------

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

  /*
   * The poles of a feed, each as { lat, lng, properties } with the properties
   * /poles.geojson gives a feature (what the markers, popups and legend read).
   *
   * The maps' own feed (/poles/carte.json, poles/selectors.py directory_map_feed) names
   * each sector once (`sectors`, in the reference list's order) and gives each pole as
   * a list in the order of `fields`; its marking sector (`mark`) and its sectors are
   * positions in `sectors`, its URL is its slug after `url`. Under a third of the GeoJSON's
   * size: less for the browser to download and parse before the first marker.
   */
  // Each feed read once: the first screen drawn before Leaflet reads it, then map.js.
  var read = window.WeakMap ? new WeakMap() : null;

  function polesOf(data) {
    if (read && data && typeof data === "object") {
      if (!read.has(data)) {
        read.set(data, readPoles(data));
      }
      return read.get(data);
    }
    return readPoles(data);
  }

  function readPoles(data) {
    if (data && Array.isArray(data.poles) && Array.isArray(data.fields)) {
      return compactPoles(data);
    }
    var features = data && Array.isArray(data.features) ? data.features : [];
    var poles = [];
    features.forEach(function (feature) {
      var geometry = feature && feature.geometry;
      if (!geometry || geometry.type !== "Point" || !Array.isArray(geometry.coordinates)) {
        return;
      }
      poles.push({
        lng: Number(geometry.coordinates[0]),
        lat: Number(geometry.coordinates[1]),
        properties: feature.properties || {},
      });
    });
    return poles;
  }

  function compactPoles(data) {
    var at = {};
    data.fields.forEach(function (name, position) {
      at[name] = position;
    });
    var sectors = Array.isArray(data.sectors) ? data.sectors : [];
    var prefix = typeof data.url === "string" ? data.url : "";
    function sectorAt(position) {
      var sector = typeof position === "number" ? sectors[position] : null;
      return sector && typeof sector === "object" ? sector : null;
    }
    var poles = [];
    data.poles.forEach(function (row) {
      if (!Array.isArray(row)) {
        return;
      }
      var slug = typeof row[at.slug] === "string" ? row[at.slug] : "";
      var names = Array.isArray(row[at.sectors]) ? row[at.sectors] : [];
      poles.push({
        lng: Number(row[at.longitude]),
        lat: Number(row[at.latitude]),
        properties: {
          slug: slug,
          name: row[at.name],
          url: slug ? prefix + slug + "/" : null,
          commune: row[at.commune],
          departement: row[at.departement],
          status: row[at.status],
          sector: sectorAt(row[at.mark]),
          sectors: names.map(function (position) {
            var sector = sectorAt(position);
            return sector ? sector.name : null;
          }),
          photo: row[at.photo] || null,
        },
      });
    });
    return poles;
  }

  /*
   * The poles a page writes for its map's first screen (poles/selectors.py,
   * directory_map_first_screen): each pole four numbers of one flat list, in the order
   * of `fields`, its mark a position in `sectors`, its status one in `statuses`. Read
   * as the feed's poles, with the properties the first screen reads (status, sector).
   */
  var FIRST_SCREEN_FORMAT = "ptce-first-screen-1";

  function firstScreenPoles(data) {
    if (
      !data ||
      data.format !== FIRST_SCREEN_FORMAT ||
      !Array.isArray(data.poles) ||
      !Array.isArray(data.fields) ||
      !data.fields.length
    ) {
      return null;
    }
    var at = {};
    data.fields.forEach(function (name, position) {
      at[name] = position;
    });
    var sectors = Array.isArray(data.sectors) ? data.sectors : [];
    var statuses = Array.isArray(data.statuses) ? data.statuses : [];
    var numbers = data.poles;
    var width = data.fields.length;
    var poles = [];
    for (var i = 0; i + width <= numbers.length; i += width) {
      var sector = sectors[numbers[i + at.mark]];
      var status = statuses[numbers[i + at.status]];
      poles.push({
        lng: Number(numbers[i + at.longitude]),
        lat: Number(numbers[i + at.latitude]),
        properties: {
          status: typeof status === "string" ? status : "",
          sector: sector && typeof sector === "object" ? sector : null,
        },
      });
    }
    return poles;
  }

  // What the page wrote for `container`'s first screen (the JSON script element its
  // data-first-screen names, just before it: complete once the map's element is in the
  // page), as { view, poles }: the map's view and zones, and its poles, or null when the
  // first screen waits for the feed (a filtered one). Null without it. Read once.
  var firstScreens = window.WeakMap ? new WeakMap() : null;

  function firstScreenOf(container) {
    if (firstScreens && firstScreens.has(container)) {
      return firstScreens.get(container);
    }
    var id = container.getAttribute("data-first-screen");
    var node = id ? document.getElementById(id) : null;
    var data = null;
    try {
      data = node ? JSON.parse(node.textContent) : null;
    } catch (error) {
      data = null;
    }
    var screen =
      data && data.view && typeof data.view === "object"
        ? { view: data.view, poles: firstScreenPoles(data.poles) }
        : null;
    if (firstScreens) {
      firstScreens.set(container, screen);
    }
    return screen;
  }

  // Whether the parser has gone past `node` (an element follows it or one of its
  // ancestors): what comes right after a map (the embed's footer) may size it.
  function parsedPast(node) {
    if (document.readyState !== "loading") {
      return true;
    }
    for (; node && node !== document.body; node = node.parentNode) {
      if (node.nextElementSibling) {
        return true;
      }
    }
    return false;
  }

  // The poles a map draws: those with a position, the closed ones only when asked for
  // (`showClosed`); { points, closed } (how many closed poles are left out).
  function drawable(poles, showClosed) {
    var points = [];
    var closed = 0;
    poles.forEach(function (pole) {
      if (!isFinite(pole.lat) || !isFinite(pole.lng)) {
        return;
      }
      if (pole.properties.status === "ferme" && !showClosed) {
        closed += 1;
        return;
      }
      points.push(pole);
    });
    return { points: points, closed: closed };
  }

  // Whether a feed's filters ask for the closed poles (`statut=ferme`).
  function asksForClosed(url) {
    try {
      return new URL(url, window.location.href).searchParams.getAll("statut").indexOf("ferme") !== -1;
    } catch (error) {
      return false;
    }
  }

  // --- What a marker looks like -----------------------------------------------------

  var DEFAULT_COLOR = "#3f6f8f";
  // Paul Tol's pale grey (his colour for "no data"): a closed pole keeps no sector colour.
  var CLOSED_FILL = "#dddddd";
  var COLOR_RE = /^#[0-9a-fA-F]{6}$/;

  function inkFor(color) {
    // Black or white letters, whichever contrasts more with the fill (WCAG's
    // relative luminance: the crossing point is about 0.18).
    var channels = [1, 3, 5].map(function (start) {
      var value = parseInt(color.substr(start, 2), 16) / 255;
      return value <= 0.04045 ? value / 12.92 : Math.pow((value + 0.055) / 1.055, 2.4);
    });
    var luminance = 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2];
    return luminance > 0.179 ? "#000000" : "#ffffff";
  }

  function markStyle(properties) {
    // What a marker (and its legend entry) looks like: fill colour, letters, status.
    var sector = properties && typeof properties.sector === "object" ? properties.sector : null;
    var color = (sector && sector.color) || (properties && properties.color) || "";
    color = COLOR_RE.test(color) ? color : DEFAULT_COLOR;
    var letters = sector && typeof sector.letters === "string" ? sector.letters.slice(0, 2) : "";
    var status = properties && typeof properties.status === "string" ? properties.status : "";
    return { color: color, letters: letters, status: status };
  }

  function markerBadge(style, className) {
    var dot = element("span", className || "ptce-marker__dot", style.letters);
    dot.style.backgroundColor = style.status === "ferme" ? CLOSED_FILL : style.color;
    dot.style.color = style.status === "ferme" ? "#000000" : inkFor(style.color);
    if (style.status === "ferme" || style.status === "en-sommeil") {
      dot.className += " ptce-marker__dot--" + style.status;
    }
    dot.setAttribute("aria-hidden", "true");
    return dot;
  }

  // A cluster icon's size for `count` poles, in pixels.
  function clusterSize(count) {
    return count < 10 ? 34 : count < 100 ? 40 : 48;
  }

  // What a first-screen group looks like: { html, size } (a square icon, anchored at
  // its middle), the same in both first screens.
  function previewIcon(group) {
    if (group.count === 1) {
      return { html: markerBadge(markStyle(group.pole.properties)), size: 26 };
    }
    var wrapper = element("span", "ptce-cluster__count");
    wrapper.appendChild(element("span", null, String(group.count)));
    return { html: wrapper, size: clusterSize(group.count) };
  }

  // --- Web Mercator, as Leaflet computes it --------------------------------------------
  //
  // Leaflet's EPSG:3857 (SphericalMercator, then its transformation), operation for
  // operation: the first screen before Leaflet must land on the very pixels Leaflet's
  // own gives.

  var EARTH_RADIUS = 6378137;
  var MAX_LATITUDE = 85.0511287798;
  var TRANSFORM = 0.5 / (Math.PI * EARTH_RADIUS);

  function tileScale(zoom) {
    return 256 * Math.pow(2, zoom);
  }

  // A projector for `zoom`: (lat, lng) → { x, y } in pixels, into one reused object
  // (it runs over every pole before the first screen).
  function mercator(zoom) {
    var scale = tileScale(zoom);
    var d = Math.PI / 180;
    var point = { x: 0, y: 0 };
    return function (lat, lng) {
      var sin = Math.sin(Math.max(Math.min(MAX_LATITUDE, lat), -MAX_LATITUDE) * d);
      var x = EARTH_RADIUS * lng * d;
      var y = (EARTH_RADIUS * Math.log((1 + sin) / (1 - sin))) / 2;
      point.x = scale * (TRANSFORM * x + 0.5);
      point.y = scale * (-TRANSFORM * y + 0.5);
      return point;
    };
  }

  function unmercator(x, y, zoom) {
    var scale = tileScale(zoom);
    var px = (x / scale - 0.5) / TRANSFORM;
    var py = (y / scale - 0.5) / -TRANSFORM;
    var d = 180 / Math.PI;
    return {
      lat: (2 * Math.atan(Math.exp(py / EARTH_RADIUS)) - Math.PI / 2) * d,
      lng: (px * d) / EARTH_RADIUS,
    };
  }

  function zoomOfScale(scale) {
    return Math.log(scale / 256) / Math.LN2;
  }

  // --- The view ---------------------------------------------------------------------

  // Each zone's bounds as four numbers (`zones`: the map configuration's).
  function zoneBoxes(zones) {
    return (zones || []).map(function (zone) {
      var a = zone.bounds[0];
      var b = zone.bounds[1];
      return {
        key: zone.key,
        south: Math.min(a[0], b[0]),
        north: Math.max(a[0], b[0]),
        west: Math.min(a[1], b[1]),
        east: Math.max(a[1], b[1]),
      };
    });
  }

  function zoneOf(boxes, lat, lng) {
    for (var i = 0; i < boxes.length; i += 1) {
      var zone = boxes[i];
      if (lat >= zone.south && lat <= zone.north && lng >= zone.west && lng <= zone.east) {
        return zone.key;
      }
    }
    return null;
  }

  // The extent a map fits, as four numbers: its metropolitan poles when there are
  // some (one box spanning Réunion and Lille shows neither; the zone buttons reach
  // the others), else all of them.
  function extentOf(points, boxes) {
    var metropolitan = points.filter(function (point) {
      return zoneOf(boxes, point.lat, point.lng) === "metropole";
    });
    var extent = { south: Infinity, west: Infinity, north: -Infinity, east: -Infinity };
    (metropolitan.length ? metropolitan : points).forEach(function (point) {
      extent.south = Math.min(extent.south, point.lat);
      extent.north = Math.max(extent.north, point.lat);
      extent.west = Math.min(extent.west, point.lng);
      extent.east = Math.max(extent.east, point.lng);
    });
    return extent;
  }

  // How map.js fits a map to its poles: map.fitBounds(extent, FIT).
  var FIT = { padding: 24, maxZoom: 11 };

  /*
   * The view Leaflet's fitBounds(extent, FIT) gives a map of `width` × `height` pixels
   * created at `center` and `zoom` (limited to `minZoom`–`maxZoom`), as { zoom, origin }:
   * the pixel of the view's top left corner at that zoom. Leaflet's getBoundsZoom and
   * _getBoundsCenterZoom (zoomSnap 1), then its pixel origin, rounded as it rounds.
   */
  function fittedView(extent, width, height, options) {
    var zoom = options.zoom || 0;
    var project = mercator(zoom);
    var nw = project(extent.north, extent.west);
    var nwX = nw.x;
    var nwY = nw.y;
    var se = project(extent.south, extent.east);
    var padding = 2 * FIT.padding;
    var scale = Math.min(
      (width - padding) / Math.abs(se.x - nwX),
      (height - padding) / Math.abs(se.y - nwY)
    );
    var fitted = zoomOfScale(scale * tileScale(zoom));
    if (isNaN(fitted)) {
      fitted = Infinity;
    }
    fitted = Math.round(fitted / (1 / 100)) * (1 / 100);
    fitted = Math.floor(fitted / 1) * 1;
    fitted = Math.max(options.minZoom, Math.min(options.maxZoom, fitted));
    fitted = Math.min(FIT.maxZoom, fitted);
    project = mercator(fitted);
    var sw = project(extent.south, extent.west);
    var swX = sw.x;
    var swY = sw.y;
    var ne = project(extent.north, extent.east);
    var center = unmercator((swX + ne.x) / 2, (swY + ne.y) / 2, fitted);
    var middle = project(center.lat, center.lng);
    var origin = { x: Math.round(middle.x - width / 2), y: Math.round(middle.y - height / 2) };
    if (fitted === zoom) {
      // At the zoom the map was created with, Leaflet pans (setView's _tryAnimatedPan,
      // without animation) rather than resetting the view, unless the pan is longer than
      // the map: the origin of the first view, moved by the truncated offset between the
      // centres.
      var start = mercator(zoom)(options.center[0], options.center[1]);
      var first = { x: Math.round(start.x - width / 2), y: Math.round(start.y - height / 2) };
      var offsetX = Math.trunc(Math.round(middle.x) - first.x - width / 2);
      var offsetY = Math.trunc(Math.round(middle.y) - first.y - height / 2);
      if (Math.abs(offsetX) <= width && Math.abs(offsetY) <= height) {
        origin = { x: first.x + offsetX, y: first.y + offsetY };
      }
    }
    return { zoom: fitted, origin: origin };
  }

  /*
   * The first screen's groups: the poles of a view grouped on a grid of the cluster
   * layer's radius, at this zoom only (one pass over the coordinates). Greedy: each pole
   * joins the nearest group within the radius (looked for in the 3×3 grid cells around
   * it), else starts one. Only what the view (and a margin) shows, as the cluster layer
   * does. `project`: (lat, lng) → pixel at the view's zoom; `view`: { minX, minY, maxX,
   * maxY } in those pixels. Each group: { x, y } (its mean pixel), count, its first pole.
   */
  var PREVIEW_RADIUS = 50; // px: the cluster layer's maxClusterRadius

  function previewGroups(points, project, view) {
    var minX = view.minX - PREVIEW_RADIUS;
    var minY = view.minY - PREVIEW_RADIUS;
    var maxX = view.maxX + PREVIEW_RADIUS;
    var maxY = view.maxY + PREVIEW_RADIUS;
    var columns = Math.ceil((maxX - minX) / PREVIEW_RADIUS) + 2;
    var cells = new Map();
    var groups = [];
    for (var i = 0; i < points.length; i += 1) {
      var point = project(points[i].lat, points[i].lng);
      var x = point.x;
      var y = point.y;
      if (x < minX || x > maxX || y < minY || y > maxY) {
        continue;
      }
      var column = Math.floor((x - minX) / PREVIEW_RADIUS) + 1;
      var row = Math.floor((y - minY) / PREVIEW_RADIUS) + 1;
      var found = null;
      var nearest = PREVIEW_RADIUS * PREVIEW_RADIUS;
      for (var dy = -1; dy <= 1; dy += 1) {
        for (var dx = -1; dx <= 1; dx += 1) {
          var cell = cells.get((row + dy) * columns + column + dx);
          for (var k = 0; cell && k < cell.length; k += 1) {
            var ex = cell[k].firstX - x;
            var ey = cell[k].firstY - y;
            if (ex * ex + ey * ey <= nearest) {
              nearest = ex * ex + ey * ey;
              found = cell[k];
            }
          }
        }
      }
      if (found) {
        found.count += 1;
        found.sumX += x;
        found.sumY += y;
      } else {
        var group = { firstX: x, firstY: y, sumX: x, sumY: y, count: 1, pole: points[i] };
        var key = row * columns + column;
        if (!cells.has(key)) {
          cells.set(key, []);
        }
        cells.get(key).push(group);
        groups.push(group);
      }
    }
    groups.forEach(function (group) {
      group.x = group.sumX / group.count;
      group.y = group.sumY / group.count;
    });
    return groups;
  }

  // --- The first screen before Leaflet ------------------------------------------------

  var FIRST_SCREEN_CLASS = "ptce-first-screen";

  function clearFirstScreen(container) {
    var layer = container && container.querySelector("." + FIRST_SCREEN_CLASS);
    if (layer) {
      layer.parentNode.removeChild(layer);
    }
  }

  function stylesheetsPending() {
    return Array.prototype.filter.call(
      document.querySelectorAll('link[rel="stylesheet"]'),
      function (link) {
        return !link.sheet;
      }
    );
  }

  // The map element fed by `key` (an absolute URL) that map.js has not started yet.
  function mapWaitingFor(key) {
    var found = null;
    Array.prototype.forEach.call(document.querySelectorAll("[data-ptce-map][data-feed-url]"), function (node) {
      if (!found && !node.ptceMap && keyOf(node.getAttribute("data-feed-url")) === key) {
        found = node;
      }
    });
    return found;
  }

  // The map element fed by `key` once the parser has gone past it, else null.
  function mapParsed(key) {
    var container = mapWaitingFor(key);
    return container && parsedPast(container) ? container : null;
  }

  // Draws the poles the map will show over its element still waiting for Leaflet, as
  // map.js's first screen will (see the top of this file): the page's own poles when it
  // wrote them (firstScreenOf), else those of `entry`, the feed parsed early.
  // "parsing" until the parser has gone past the map's element, "styling" while
  // stylesheets are on their way (the map's size depends on both), "feed" while the
  // feed is, else "done" (drawn, or nothing to draw).
  function drawFirstScreen(key, entry) {
    var container = mapParsed(key);
    if (!container) {
      return "parsing";
    }
    var screen = firstScreenOf(container);
    if (!screen || container.getAttribute("data-fit") === "false") {
      return "done";
    }
    if (stylesheetsPending().length) {
      return "styling";
    }
    var poles = screen.poles;
    if (!poles) {
      var result = entry.result;
      if (!result) {
        return "feed";
      }
      if (!result.response.ok || !result.data) {
        return "done";
      }
      poles = polesOf(result.data);
    }
    var width = container.clientWidth;
    var height = container.clientHeight;
    var points = drawable(poles, asksForClosed(key)).points;
    if (!points.length || !width || !height) {
      return "done";
    }
    var config = screen.view;
    var extent = extentOf(points, zoneBoxes(config.zones));
    var minZoom = config.minZoom;
    var maxZoom = config.maxZoom;
    var view = fittedView(extent, width, height, {
      center: config.center,
      zoom: Math.max(minZoom, Math.min(maxZoom, Math.round(config.zoom))),
      minZoom: minZoom,
      maxZoom: maxZoom,
    });
    var origin = view.origin;
    var project = mercator(view.zoom);
    var groups = previewGroups(points, project, {
      minX: origin.x,
      minY: origin.y,
      maxX: origin.x + width,
      maxY: origin.y + height,
    });
    var layer = element("div", FIRST_SCREEN_CLASS);
    layer.setAttribute("aria-hidden", "true");
    groups.forEach(function (group) {
      // Where Leaflet puts a marker at the group's mean: the point unprojected, then
      // projected and rounded (latLngToLayerPoint), less the view's origin.
      var at = unmercator(group.x, group.y, view.zoom);
      var pixel = project(at.lat, at.lng);
      var x = Math.round(pixel.x) - origin.x;
      var y = Math.round(pixel.y) - origin.y;
      var icon = previewIcon(group);
      var node = element("div", "leaflet-marker-icon ptce-preview");
      node.appendChild(icon.html);
      node.style.width = icon.size + "px";
      node.style.height = icon.size + "px";
      node.style.marginLeft = -icon.size / 2 + "px";
      node.style.marginTop = -icon.size / 2 + "px";
      node.style.transform = "translate3d(" + x + "px," + y + "px,0)";
      node.style.zIndex = String(y);
      layer.appendChild(node);
    });
    container.appendChild(layer);
    mark("first-screen");
    return "done";
  }

  // --- The page's feeds, asked for early -------------------------------------------

  function keyOf(url) {
    return new URL(url, document.baseURI).href;
  }

  // The early requests by absolute URL: { promise, result, taken, drawn }, `result` set
  // once the feed is parsed, so that map.js knows whether the poles are already at hand.
  var early = {};

  function whenDrawable(key, entry) {
    // (Called again by each thing it waited for: drawn once.)
    if (entry.taken || entry.drawn) {
      return;
    }
    var state = drawFirstScreen(key, entry);
    if (state === "feed" || (state === "done" && entry.afterFirstScreen)) {
      // (A page over the limit of poles it carries waits for the feed after all.)
      entry.start();
    }
    entry.drawn = state === "done";
    var again = function () {
      whenDrawable(key, entry);
    };
    if (state === "styling") {
      // At the next stylesheet that arrives.
      stylesheetsPending().forEach(function (link) {
        if (!link.ptceAwaited) {
          link.ptceAwaited = true;
          link.addEventListener("load", again, { once: true });
          link.addEventListener("error", again, { once: true });
        }
      });
    } else if (
      state === "parsing" &&
      !entry.observer &&
      document.readyState === "loading" &&
      window.MutationObserver
    ) {
      // As soon as the parser has gone past the map's element, unless map.js, further
      // down, takes over first.
      var observer = new MutationObserver(function () {
        if (entry.taken || mapParsed(key)) {
          observer.disconnect();
          again();
        }
      });
      entry.observer = observer;
      observer.observe(document.documentElement, { childList: true, subtree: true });
      document.addEventListener("DOMContentLoaded", function () {
        observer.disconnect();
      }, { once: true });
    }
    // "feed": the feed's arrival calls again (below).
  }

  Array.prototype.forEach.call(document.querySelectorAll("link[data-ptce-feed]"), function (link) {
    var key = link.href;
    var entry = { result: null, taken: false, drawn: false, observer: null, promise: null };
    entry.start = function () {
      if (!entry.promise) {
        entry.promise = fetchFeed(link.href).then(function (result) {
          entry.result = result;
          mark("feed-parsed-early");
          whenDrawable(key, entry);
          return result;
        });
        // A network error is map.js's to report, when it takes the promise.
        entry.promise.catch(function () {});
      }
      return entry.promise;
    };
    early[key] = entry;
    // When the page carries the first screen's poles (data-ptce-page-poles), the feed's
    // body is read and parsed once that screen is drawn: on the main thread, it would
    // hold the parser back from the map (the preload brings the bytes meanwhile).
    if (link.hasAttribute("data-ptce-page-poles")) {
      entry.afterFirstScreen = true;
      document.addEventListener("DOMContentLoaded", entry.start, { once: true });
    } else {
      entry.start();
    }
    whenDrawable(key, entry);
  });

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
      if (entry) {
        entry.taken = true;
        entry.start();
      }
      return entry;
    },
    mark: mark,
    element: element,
    poles: polesOf,
    drawable: drawable,
    asksForClosed: asksForClosed,
    markStyle: markStyle,
    badge: markerBadge,
    clusterSize: clusterSize,
    previewIcon: previewIcon,
    mercator: mercator,
    zoneBoxes: zoneBoxes,
    zoneOf: zoneOf,
    extentOf: extentOf,
    FIT: FIT,
    previewGroups: previewGroups,
    clearFirstScreen: clearFirstScreen,
    // The poles the page wrote for `container`'s first screen, or null.
    firstScreenPoles: function (container) {
      var screen = firstScreenOf(container);
      return screen && screen.poles;
    },
  };
})();
