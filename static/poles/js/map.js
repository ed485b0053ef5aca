/*
 * Maps of poles, drawn with Leaflet (django-leaflet's static files) and
 * Leaflet.markercluster (static/vendor/). Plain JavaScript, no build step.
 *
 * Every element with `data-ptce-map` becomes a map:
 *   data-feed-url     markers from the maps' feed (/poles/carte.json?…, see
 *                     PTCEMapFeed.poles in map-feed.js; a GeoJSON FeatureCollection
 *                     works too)
 *   data-fit="false"  keep the default view instead of fitting the markers
 *   data-link-target="_blank"  popups open the pole's page in a new tab (the
 *                     embeddable map, framed by other sites)
 *   data-list-url     the page has no list of its poles: the map's status links
 *                     to this one (the directory with the same filters)
 *   data-lat, data-lng, data-zoom, data-title  a single point (a pole's seat)
 * Configuration (tiles, default view, labels) comes from the json_script
 * element #ptce-map-config. When `document` receives the CustomEvent
 * `ptce:filters-changed` with `detail.feedUrl`, maps with a feed URL reload
 * their markers from it.
 *
 * The page's list of poles is the accessible alternative to the map; the map
 * itself is an enhancement.
 *
 * Markers: the colour and letters of the pole's sector (its main sector, else its
 * first; see poles/selectors.py) and a shape by status (a square for a closed pole,
 * a dashed ring for a dormant one), explained by the legend under the map and in
 * each popup. Closed poles are hidden until the visitor ticks "show closed poles",
 * unless the filters ask for them (`statut=ferme`).
 */
(function () {
  "use strict";

  var configElement = document.getElementById("ptce-map-config");
  // PTCEMapFeed: the feed requests, the markers' look and the first screen's groups
  // (poles/js/map-feed.js, loaded before this script).
  var feeds = window.PTCEMapFeed;
  if (!window.L || !configElement || !feeds) {
    return;
  }
  var config = JSON.parse(configElement.textContent);
  var labels = config.labels || {};
  // Shared with the first screen drawn before Leaflet (map-feed.js): the markers' look.
  var markStyle = feeds.markStyle;
  var markerBadge = feeds.badge;

  // The map's steps as performance marks ("ptce:feed-parsed"…): the benchmark's browser
  // timing (devtools/bench/browser_timing.py) reports where the time to the first marker
  // goes; browsers' developer tools show them too. Shared with map-feed.js, as is the
  // small DOM helper below.
  var mark = feeds.mark;
  var element = feeds.element;

  function format(template, values) {
    return String(template).replace(/%\((\w+)\)s/g, function (match, key) {
      return key in values ? String(values[key]) : match;
    });
  }

  function invalidFilters(data) {
    // The form's own messages (already in the page's language), once each, after a
    // general sentence; shown as text, never as markup.
    var messages = [];
    var errors = data && typeof data.errors === "object" ? data.errors : {};
    Object.keys(errors || {}).forEach(function (name) {
      (Array.isArray(errors[name]) ? errors[name] : []).forEach(function (item) {
        var message = item && typeof item.message === "string" ? item.message : "";
        if (message && messages.indexOf(message) === -1) {
          messages.push(message);
        }
      });
    });
    var error = new Error([labels.invalid].concat(messages).join(" "));
    error.name = "InvalidFilters";
    return error;
  }

  function safeUrl(url) {
    // Only same-site paths or http(s) links in popups.
    if (typeof url !== "string") {
      return null;
    }
    if (url.charAt(0) === "/" && url.charAt(1) !== "/") {
      return url;
    }
    return /^https?:\/\//i.test(url) ? url : null;
  }

  // One icon per look (sector colour and letters, status): a few dozen for thousands of
  // markers. Its badge is built when a marker is drawn, not for every marker before
  // clustering (most are only ever counted in a cluster). A DivIcon's element can sit
  // in one marker only, hence a new badge each time.
  var BadgeIcon = L.DivIcon.extend({
    createIcon: function (oldIcon) {
      this.options.html = markerBadge(this.options.badgeStyle);
      return L.DivIcon.prototype.createIcon.call(this, oldIcon);
    },
  });
  var icons = {};

  function markerIcon(properties) {
    var style = markStyle(properties);
    var key = style.color + "|" + style.letters + "|" + style.status;
    if (!icons[key]) {
      icons[key] = new BadgeIcon({
        badgeStyle: style,
        className: "ptce-marker",
        iconSize: [26, 26],
        iconAnchor: [13, 13],
        popupAnchor: [0, -12],
      });
    }
    return icons[key];
  }

  function clusterIcon(cluster) {
    var count = cluster.getChildCount();
    var size = feeds.clusterSize(count);
    var wrapper = element("span", "ptce-cluster__count");
    wrapper.appendChild(element("span", null, String(count)));
    wrapper.appendChild(element("span", "visually-hidden", " " + format(labels.cluster, { count: count })));
    return L.divIcon({
      html: wrapper,
      className: "ptce-cluster",
      iconSize: [size, size],
    });
  }

  /*
   * The first screen. Building a Leaflet marker for each of thousands of poles and
   * clustering them at every zoom level takes a tenth of a second or more; meanwhile the
   * map shows a stand-in: the poles of the current view grouped on a grid of the cluster
   * layer's radius, at this zoom only (PTCEMapFeed.previewGroups), drawn as inert icons
   * that look like the clusters and markers to come. The real layer replaces it in the
   * same task as it draws itself. The stand-in is hidden from assistive technology (its
   * own pane is aria-hidden) and takes no clicks or focus: the real markers, a moment
   * later, do. On a page whose feed was parsed early, the same stand-in was drawn before
   * Leaflet arrived (map-feed.js): this one replaces it, in the same place.
   */
  function projector(map, zoom) {
    // Web Mercator inline for Leaflet's default projection (map.project allocates two
    // objects a point, and this runs over every pole), map.project for any other.
    if (map.options.crs === L.CRS.EPSG3857) {
      return feeds.mercator(zoom);
    }
    return function (lat, lng) {
      return map.project([lat, lng], zoom);
    };
  }

  function openInNewTab(link) {
    link.target = "_blank";
    link.rel = "noopener";
  }

  function popupContent(properties, newTab) {
    var box = element("div", "ptce-popup");
    var title = element("p", "ptce-popup__title");
    var url = safeUrl(properties.url);
    if (url) {
      var link = element("a", null, properties.name || "");
      link.href = url;
      if (newTab) {
        openInNewTab(link);
      }
      title.appendChild(link);
    } else {
      title.textContent = properties.name || "";
    }
    box.appendChild(title);
    var photo = properties.photo;
    var photoUrl = photo && safeUrl(photo.url);
    if (photoUrl) {
      var image = element("img", "ptce-popup__photo");
      image.src = photoUrl;
      image.alt = photo.alt || "";
      image.width = 320;
      image.loading = "lazy";
      box.appendChild(image);
    }
    var place = [properties.commune, properties.departement].filter(Boolean).join(", ");
    if (place) {
      box.appendChild(element("p", "ptce-popup__place", place));
    }
    popupStatusAndSectors(box, properties);
    if (url) {
      var more = element("a", "ptce-popup__more", labels.open);
      more.href = url;
      if (newTab) {
        openInNewTab(more);
      }
      box.appendChild(element("p")).appendChild(more);
    }
    return box;
  }

  function popupStatusAndSectors(box, properties) {
    // The status, then the sector the marker's colour and letters stand for, then the
    // pole's other sectors: the popup explains the marker.
    var statuses = labels.statuses || {};
    var status = statuses[properties.status];
    if (status) {
      var statusLine = element("p", "ptce-popup__status");
      statusLine.appendChild(element("strong", null, labels.status + " "));
      statusLine.appendChild(document.createTextNode(status));
      box.appendChild(statusLine);
    }
    var sector = properties.sector && typeof properties.sector === "object" ? properties.sector : null;
    var sectors = Array.isArray(properties.sectors) ? properties.sectors.filter(Boolean) : [];
    if (sector && sector.name) {
      var markLine = element("p", "ptce-popup__mark");
      markLine.appendChild(markerBadge(markStyle(properties), "ptce-legend__badge"));
      markLine.appendChild(
        document.createTextNode(" " + format(labels.marker_sector, { sector: sector.name }))
      );
      box.appendChild(markLine);
      sectors = sectors.filter(function (name) {
        return name !== sector.name;
      });
      if (sectors.length) {
        box.appendChild(
          element("p", "ptce-popup__sectors", labels.other_sectors + " " + sectors.join(", "))
        );
      }
    } else if (sectors.length) {
      box.appendChild(element("p", "ptce-popup__sectors", labels.sectors + " " + sectors.join(", ")));
    }
  }

  var polesOf = feeds.poles;

  // Each zone's bounds read once, as numbers: zoneOf runs for every pole.
  var zoneBoxes = feeds.zoneBoxes(config.zones);

  function zoneOf(lat, lng) {
    return feeds.zoneOf(zoneBoxes, lat, lng);
  }

  function buildLegend(poleMap) {
    // The legend under the map (outside it: readable on a small screen, and reached
    // in the page's order): what the colours, letters and shapes mean, and the
    // choice to draw closed poles.
    var root = element("section", "ptce-legend");
    root.hidden = true;
    root.setAttribute("aria-label", labels.legend);
    var details = element("details", "ptce-legend__details");
    // Open on a wide screen; folded to its title in a frame on another site (the embed),
    // where the map needs the room, and on a phone, where the open legend appearing
    // with the markers would push the list down under the reader's eyes (layout shift).
    details.open =
      !poleMap.newTab && !!window.matchMedia && window.matchMedia("(min-width: 56rem)").matches;
    details.appendChild(element("summary", "ptce-legend__title", labels.legend));
    details.appendChild(element("p", "ptce-legend__help", labels.legend_help));
    var sectors = element("ul", "ptce-legend__list");
    var shapes = element("ul", "ptce-legend__list ptce-legend__list--shapes");
    details.appendChild(sectors);
    details.appendChild(shapes);
    var closedField = element("p", "ptce-legend__closed");
    var label = element("label");
    var toggle = element("input");
    toggle.type = "checkbox";
    toggle.name = "show-closed";
    var closedLabel = element("span");
    label.appendChild(toggle);
    label.appendChild(closedLabel);
    closedField.appendChild(label);
    details.appendChild(closedField);
    root.appendChild(details);
    toggle.addEventListener("change", function () {
      if (poleMap.lastData) {
        poleMap.render(poleMap.lastData, { keepView: true });
      }
    });
    poleMap.status.parentNode.insertBefore(root, poleMap.status.nextSibling);
    return {
      root: root,
      sectors: sectors,
      shapes: shapes,
      closedField: closedField,
      closedToggle: toggle,
      closedLabel: closedLabel,
    };
  }

  function PoleMap(container) {
    var self = this;
    this.container = container;
    this.url = container.getAttribute("data-feed-url");
    this.fit = container.getAttribute("data-fit") !== "false";
    this.newTab = container.getAttribute("data-link-target") === "_blank";
    this.request = null;
    this.map = L.map(container, {
      center: config.center,
      zoom: config.zoom,
      minZoom: config.minZoom,
      maxZoom: config.maxZoom,
      scrollWheelZoom: false,
      zoomControl: false,
    });
    // Leaflet's own labels are English: the page's language instead.
    L.control
      .zoom({ zoomInTitle: labels.zoom_in, zoomOutTitle: labels.zoom_out })
      .addTo(this.map);
    this.map.on("popupopen", function (event) {
      var close = event.popup.getElement().querySelector(".leaflet-popup-close-button");
      if (close && labels.close_popup) {
        close.setAttribute("aria-label", labels.close_popup);
        close.title = labels.close_popup;
      }
    });
    this.tiles = null;
    this.watchSize();
    this.status = element("p", "map-status");
    this.status.setAttribute("role", "status");
    container.parentNode.insertBefore(this.status, container.nextSibling);

    var lat = parseFloat(container.getAttribute("data-lat"));
    var lng = parseFloat(container.getAttribute("data-lng"));
    if (!isNaN(lat) && !isNaN(lng)) {
      this.showPoint(lat, lng);
      this.showTiles();
      return;
    }
    this.cluster = L.markerClusterGroup({
      iconCreateFunction: clusterIcon,
      showCoverageOnHover: false,
      // Wider than the largest cluster icon (48 px): two icons never overlap, so each
      // stays a whole target to tap (WCAG 2.5.8; Lighthouse's target-size audit found
      // overlapping clusters at 40 with 2,000 poles on a phone).
      maxClusterRadius: 50,
      // Thousands of markers: clustered in slices of at most 50 ms, each followed by a
      // yield, so that a click or a key press is never kept waiting by the clustering
      // (200 ms slices were long tasks: Lighthouse's total blocking time).
      chunkedLoading: true,
      chunkInterval: 50,
      chunkDelay: 1,
      // Called after each slice; the last one is followed, in the same task, by the
      // layer drawing its clusters: the first screen's stand-in goes then.
      chunkProgress: function (processed, total) {
        if (processed === total) {
          self.clustered(total);
        }
      },
    });
    this.map.addLayer(this.cluster);
    // The first screen's stand-in (previewGroups), in a pane of its own, under the real
    // markers' and hidden from assistive technology.
    this.previewPane = this.map.createPane("ptcePreview");
    this.previewPane.style.zIndex = 590;
    this.previewPane.setAttribute("aria-hidden", "true");
    this.preview = null;
    this.map.on("moveend", function () {
      // Moved (or resized) before the real layer is there: the stand-in for this view
      // (the cluster layer, if it has started, also draws what it has clustered so far
      // over it, until it is done, as it did before the stand-in existed).
      if (self.preview) {
        self.showPreview(self.points);
      }
    });
    this.zoneButtons = this.buildZoneButtons();
    this.listUrl = safeUrl(container.getAttribute("data-list-url"));
    this.legend = buildLegend(this);
    // The tiles are laid out for the view they are added in, and again at each change of
    // view. When the page's poles are already at hand (parsed while the page loaded,
    // map-feed.js) and the map is fitted to them, the view changes as soon as they are
    // drawn: the tiles wait for that view (render's second step) rather than being laid
    // out twice before the first marker. Otherwise (a slow feed, no feed, a fixed view)
    // they come now, so that the map is never left without them while the feed loads.
    if (!(this.url && this.fit && feeds.ready(this.url))) {
      // The feed still on its way: when the page wrote its first screen's poles, the
      // map takes their view now (not the default one, which the feed would move) and
      // their stand-in replaces the first screen drawn before Leaflet: it follows the
      // map if the visitor moves it before the feed has come.
      var pagePoles = this.url && this.fit ? feeds.firstScreenPoles(container) : null;
      var placed = pagePoles ? feeds.drawable(pagePoles, this.showClosed()).points : [];
      if (placed.length) {
        this.fitMarkers(placed);
        this.points = placed;
        this.showPreview(placed);
      }
      this.showTiles();
    }
    mark("map-ready");
    if (this.url) {
      this.load(this.url);
    }
  }

  PoleMap.prototype.watchSize = function () {
    // The container's size can change after the map is drawn (fonts, a layout
    // settling, a sidebar opening): tell Leaflet, or it draws only part of the
    // markers and tiles.
    var self = this;
    var map = this.map;
    this.userMoved = false;
    map.on("dragstart", function () {
      self.userMoved = true;
    });
    map.on("zoomstart", function () {
      if (!self.fitting) {
        self.userMoved = true;
      }
    });
    if (!window.ResizeObserver) {
      return;
    }
    var pending = null;
    new window.ResizeObserver(function () {
      window.cancelAnimationFrame(pending);
      pending = window.requestAnimationFrame(function () {
        map.invalidateSize();
        // Until the visitor moves the map, keep every marker in view.
        if (self.fit && !self.userMoved && self.points && self.points.length) {
          self.fitMarkers(self.points);
        }
      });
    }).observe(this.container);
  };

  PoleMap.prototype.showTiles = function () {
    if (this.tiles) {
      return;
    }
    var map = this.map;
    this.tiles = (config.tiles || []).slice(0, 1).map(function (layer) {
      return L.tileLayer(layer.url, layer.options || {}).addTo(map);
    });
  };

  PoleMap.prototype.showPoint = function (lat, lng) {
    var zoom = parseInt(this.container.getAttribute("data-zoom"), 10);
    var title = this.container.getAttribute("data-title") || "";
    this.map.setView([lat, lng], isNaN(zoom) ? 12 : zoom);
    L.marker([lat, lng], {
      icon: markerIcon({
        color: this.container.getAttribute("data-color"),
        sector: { letters: this.container.getAttribute("data-letters") || "" },
        status: this.container.getAttribute("data-status") || "",
      }),
      title: title,
      keyboard: false,
      interactive: false,
    }).addTo(this.map);
  };

  PoleMap.prototype.buildZoneButtons = function () {
    var self = this;
    var group = element("div", "map-zones");
    // Shown once the markers say that some poles lie outside metropolitan France.
    group.hidden = true;
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", labels.zones);
    group.appendChild(element("span", "map-zones__label", labels.zones));
    (config.zones || []).forEach(function (zone) {
      var button = element("button", "map-zones__button", zone.label);
      button.type = "button";
      button.setAttribute("data-zone", zone.key);
      button.addEventListener("click", function () {
        self.userMoved = true;
        self.map.fitBounds(zone.bounds);
      });
      group.appendChild(button);
    });
    // Over the map (a Leaflet control), not above it: the group appears once the feed
    // says where the poles are, and must not push the page down when it does (layout
    // shift, tests/stack/test_lighthouse.py).
    var control = L.control({ position: "bottomleft" });
    control.onAdd = function () {
      L.DomEvent.disableClickPropagation(group);
      L.DomEvent.disableScrollPropagation(group);
      return group;
    };
    control.addTo(this.map);
    return group;
  };

  PoleMap.prototype.load = function (url) {
    var self = this;
    this.url = url;
    if (this.request && this.request.abort) {
      this.request.abort();
    }
    var controller = window.AbortController ? new AbortController() : null;
    var ticket = controller || {};
    this.request = ticket;
    this.container.setAttribute("aria-busy", "true");
    this.status.textContent = labels.loading;
    // A render of the previous feed still building its layer stops there.
    this.rendering = null;
    // The page's first feed was asked for, and maybe parsed, while the page loaded
    // (poles/js/map-feed.js, in the head): taken from there, once.
    var early = feeds.take(url);
    (early ? early.promise : feeds.fetch(url, controller ? controller.signal : undefined))
      .then(function (result) {
        if (self.request !== ticket) {
          // Another feed was asked for since (the filters changed).
          var superseded = new Error("superseded");
          superseded.name = "AbortError";
          throw superseded;
        }
        var response = result.response;
        if (response.status === 400) {
          // Invalid filters: the feed names them (`errors`), say so, not "could not load".
          throw invalidFilters(result.data);
        }
        if (!response.ok || result.data === null) {
          throw new Error("HTTP " + response.status);
        }
        mark("feed-parsed");
        // Busy until the real layer is drawn (render's promise), not just its stand-in.
        return self.render(result.data);
      })
      .catch(function (error) {
        if (error && error.name === "AbortError") {
          return;
        }
        self.rendering = null;
        self.showTiles();
        self.clearPreview();
        self.cluster.clearLayers();
        self.markers = [];
        self.points = [];
        self.status.textContent =
          error && error.name === "InvalidFilters" ? error.message : labels.error;
      })
      .then(function () {
        if (self.request === ticket) {
          self.container.removeAttribute("aria-busy");
        }
      });
  };

  PoleMap.prototype.render = function (data, options) {
    // In two steps: the view fitted to the poles, their stand-in drawn (previewGroups)
    // and the status said, then, once the browser has painted that, the Leaflet markers
    // built, clustered (in slices), the stand-in replaced, the legend and zone buttons
    // updated. The promise settles when the real layer is drawn (or the render was
    // superseded by another).
    mark("render-start");
    var self = this;
    var token = {};
    this.rendering = token;
    this.container.setAttribute("aria-busy", "true");
    var drawn = feeds.drawable(polesOf(data), this.showClosed());
    var points = drawn.points;
    var closed = drawn.closed;
    this.points = points;
    this.lastData = data;
    // The previous markers go now, not after the new ones are built: the stand-in
    // would be drawn over them.
    this.cluster.clearLayers();
    // The view before the markers: the cluster layer then draws once, for this view.
    if (this.fit && points.length && !(options && options.keepView)) {
      this.userMoved = false;
      this.fitMarkers(points);
    }
    this.showPreview(points);
    mark("preview");
    this.status.textContent = "";
    this.status.appendChild(this.statusText(points.length, closed, data));
    return new Promise(function (resolve) {
      var started = false;
      function build() {
        if (started) {
          return;
        }
        started = true;
        // Before the markers' long work, so that the tiles' requests leave first.
        self.showTiles();
        if (self.rendering !== token) {
          resolve();
          return;
        }
        self.buildLayer(points, closed, token, resolve);
      }
      // After a frame, so that the stand-in is painted before the long work; a timer
      // too, since a hidden tab gets no frames.
      window.requestAnimationFrame(function () {
        setTimeout(build, 0);
      });
      setTimeout(build, 100);
    });
  };

  PoleMap.prototype.buildLayer = function (points, closed, token, resolve) {
    var self = this;
    var newTab = this.newTab;
    var counts = {};
    var markers = points.map(function (pole) {
      var properties = pole.properties;
      var statusLabel = (labels.statuses || {})[properties.status];
      var name = properties.name || "";
      if (properties.status === "ferme" && statusLabel) {
        name += " (" + statusLabel + ")";
      }
      var marker = L.marker([pole.lat, pole.lng], {
        icon: markerIcon(properties),
        title: name,
        alt: name,
        riseOnHover: true,
      });
      // Built when opened: thousands of popups' DOM before clustering cost more than
      // the clustering itself.
      marker.bindPopup(function () {
        return popupContent(properties, newTab);
      });
      marker.feature = pole;
      var zone = zoneOf(pole.lat, pole.lng);
      counts[zone] = (counts[zone] || 0) + 1;
      return marker;
    });
    mark("markers-built");
    this.pending = {
      token: token,
      total: markers.length,
      done: function () {
        self.markers = markers;
        self.updateZoneButtons(counts);
        self.updateLegend(points, closed);
        self.container.removeAttribute("aria-busy");
        mark("render-end");
        self.container.dispatchEvent(
          new CustomEvent("ptce:map-loaded", { bubbles: true, detail: { count: markers.length } })
        );
        resolve();
      },
    };
    // In slices (chunkedLoading); `clustered` follows the last one.
    this.cluster.addLayers(markers);
  };

  PoleMap.prototype.clustered = function (total) {
    var pending = this.pending;
    if (!pending || pending.total !== total) {
      return;
    }
    this.pending = null;
    if (this.rendering !== pending.token) {
      return;
    }
    // In this task, before the cluster layer draws: no frame without either.
    this.clearPreview();
    mark("clustered");
    // The rest once the layer has drawn (this runs inside its slice).
    Promise.resolve().then(pending.done);
  };

  PoleMap.prototype.showPreview = function (points) {
    this.clearPreview();
    var map = this.map;
    var zoom = map.getZoom();
    var view = map.getPixelBounds();
    var layer = L.layerGroup();
    feeds
      .previewGroups(points || [], projector(map, zoom), {
        minX: view.min.x,
        minY: view.min.y,
        maxX: view.max.x,
        maxY: view.max.y,
      })
      .forEach(function (group) {
        var icon = feeds.previewIcon(group);
        L.marker(map.unproject([group.x, group.y], zoom), {
          icon: L.divIcon({ html: icon.html, className: "ptce-preview", iconSize: [icon.size, icon.size] }),
          pane: "ptcePreview",
          interactive: false,
          keyboard: false,
        }).addTo(layer);
      });
    this.preview = layer.addTo(map);
  };

  PoleMap.prototype.clearPreview = function () {
    // The first screen drawn before Leaflet too (map-feed.js), if it is still there.
    feeds.clearFirstScreen(this.container);
    if (this.preview) {
      this.map.removeLayer(this.preview);
      this.preview = null;
    }
  };

  PoleMap.prototype.updateZoneButtons = function (counts) {
    // Only the zones where this map has poles, and none at all when they all lie in
    // one zone: a button to fly to an empty ocean helps nobody.
    var buttons = this.zoneButtons.querySelectorAll("button[data-zone]");
    var overseas = 0;
    var zones = 0;
    Array.prototype.forEach.call(buttons, function (button) {
      var key = button.getAttribute("data-zone");
      if (key !== "metropole" && counts[key]) {
        overseas += counts[key];
      }
      if (counts[key]) {
        zones += 1;
      }
      button.setAttribute("data-count", String(counts[key] || 0));
      button.hidden = !counts[key];
    });
    this.zoneButtons.setAttribute("data-overseas", String(overseas));
    this.zoneButtons.hidden = zones < 2;
  };

  PoleMap.prototype.showClosed = function () {
    // Closed poles are drawn when the visitor asks, or when the filters ask for them.
    if (this.legend && this.legend.closedToggle && this.legend.closedToggle.checked) {
      return true;
    }
    return feeds.asksForClosed(this.url);
  };

  PoleMap.prototype.statusText = function (shown, hidden, data) {
    // "12 poles shown on the map. 1 closed pole is not drawn… 3 poles without a
    // location…": the list (on the page, or linked) is the complete answer.
    var fragment = document.createDocumentFragment();
    var text;
    if (shown === 0) {
      text = labels.none;
    } else if (shown === 1) {
      text = labels.shown_one;
    } else {
      text = format(labels.shown_many, { count: shown });
    }
    var unplaced = parseInt(data && data.poles_without_position, 10) || 0;
    var withList = !this.listUrl;
    if (hidden === 1) {
      text += " " + (withList ? labels.closed_hidden_one : labels.closed_hidden_one_nolist);
    } else if (hidden > 1) {
      text += " " + format(withList ? labels.closed_hidden_many : labels.closed_hidden_many_nolist, {
        count: hidden,
      });
    }
    if (unplaced === 1) {
      text += " " + (withList ? labels.unplaced_one : labels.unplaced_one_nolist);
    } else if (unplaced > 1) {
      text += " " + format(withList ? labels.unplaced_many : labels.unplaced_many_nolist, {
        count: unplaced,
      });
    }
    fragment.appendChild(document.createTextNode(text));
    if (this.listUrl && (unplaced || hidden)) {
      var link = element("a", "map-status__list", labels.see_list);
      link.href = this.listUrl;
      if (this.newTab) {
        openInNewTab(link);
      }
      fragment.appendChild(document.createTextNode(" "));
      fragment.appendChild(link);
    }
    return fragment;
  };

  PoleMap.prototype.updateLegend = function (features, hiddenClosed) {
    // One entry per sector marking a pole drawn on this map, in the reference list's
    // order (the feed's `rank`), then the status shapes drawn.
    var legend = this.legend;
    if (!legend) {
      return;
    }
    var entries = {};
    var order = [];
    var statuses = {};
    features.forEach(function (feature) {
      var properties = (feature && feature.properties) || {};
      var sector = properties.sector && typeof properties.sector === "object" ? properties.sector : null;
      var key = sector && sector.slug ? sector.slug : "";
      if (!(key in entries)) {
        entries[key] = {
          style: markStyle({ sector: sector, color: properties.color }),
          name: sector && sector.name ? sector.name : labels.no_sector,
          rank: sector && typeof sector.rank === "number" ? sector.rank : 1e6,
          count: 0,
        };
        order.push(key);
      }
      entries[key].count += 1;
      statuses[properties.status] = (statuses[properties.status] || 0) + 1;
    });
    order.sort(function (a, b) {
      return entries[a].rank - entries[b].rank || (entries[a].name < entries[b].name ? -1 : 1);
    });
    legend.sectors.textContent = "";
    order.forEach(function (key) {
      var entry = entries[key];
      var item = element("li", "ptce-legend__item");
      item.appendChild(markerBadge(entry.style, "ptce-legend__badge"));
      item.appendChild(element("span", "ptce-legend__name", entry.name));
      item.appendChild(element("span", "ptce-legend__count", String(entry.count)));
      legend.sectors.appendChild(item);
    });
    legend.shapes.textContent = "";
    ["en-sommeil", "ferme"].forEach(function (status) {
      if (!statuses[status]) {
        return;
      }
      var item = element("li", "ptce-legend__item");
      item.appendChild(
        markerBadge({ color: "#ffffff", letters: "", status: status }, "ptce-legend__badge")
      );
      item.appendChild(element("span", "ptce-legend__name", (labels.statuses || {})[status] || status));
      item.appendChild(element("span", "ptce-legend__count", String(statuses[status])));
      legend.shapes.appendChild(item);
    });
    legend.closedLabel.textContent = " " + format(labels.show_closed, {
      count: hiddenClosed + (statuses.ferme || 0),
    });
    // The choice is offered while closed poles are hidden or drawn at the visitor's
    // request; not when the filters asked for closed poles.
    legend.closedField.hidden = !hiddenClosed && !legend.closedToggle.checked;
    legend.root.hidden = order.length === 0 && !hiddenClosed;
  };

  PoleMap.prototype.fitMarkers = function (points) {
    // Fit metropolitan poles when there are some: one bounding box spanning
    // Réunion and Lille shows neither. Overseas poles stay one click away
    // through the zone buttons; a map with only overseas poles fits them.
    // (`points`: the poles, { lat, lng, properties }.)
    var extent = feeds.extentOf(points, zoneBoxes);
    var bounds = L.latLngBounds([extent.south, extent.west], [extent.north, extent.east]);
    this.fitting = true;
    // As the first screen drawn before Leaflet computes it (map-feed.js, fittedView).
    var fit = feeds.FIT;
    this.map.fitBounds(bounds, { padding: [fit.padding, fit.padding], maxZoom: fit.maxZoom, animate: false });
    this.fitting = false;
  };

  /*
   * Popups for keyboard users: opening one (Enter on a marker) moves the focus to its
   * first link; Escape closes it, and closing it gives the focus back to its marker.
   */
  function keyboardPopups(map) {
    var opener = null;
    var open = false;
    map.on("popupopen", function (event) {
      open = true;
      var source = event.popup._source; // the marker (Leaflet 1.x keeps no public link)
      opener = source && source.getElement ? source.getElement() : null;
      var box = event.popup.getElement();
      var link = box && box.querySelector(".leaflet-popup-content a[href]");
      if (link) {
        link.focus({ preventScroll: true });
      }
    });
    map.on("popupclose", function (event) {
      open = false;
      // The popup fades out before it leaves the page: the focus must not stay in it.
      var box = event.popup.getElement();
      var active = document.activeElement;
      var lost = !active || active === document.body || (box && box.contains(active));
      if (lost && opener && document.body.contains(opener)) {
        opener.focus({ preventScroll: true });
      }
      opener = null;
    });
    map.getContainer().addEventListener("keydown", function (event) {
      if ((event.key === "Escape" || event.key === "Esc") && open) {
        event.preventDefault();
        map.closePopup();
      }
    });
  }

  function init(container) {
    if (container.ptceMap) {
      return container.ptceMap;
    }
    container.ptceMap = new PoleMap(container);
    keyboardPopups(container.ptceMap.map);
    return container.ptceMap;
  }

  function initAll() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-ptce-map]"), init);
  }

  document.addEventListener("ptce:filters-changed", function (event) {
    var url = event.detail && event.detail.feedUrl;
    if (!url) {
      return;
    }
    Array.prototype.forEach.call(document.querySelectorAll("[data-ptce-map]"), function (container) {
      var poleMap = init(container);
      if (poleMap.cluster) {
        container.setAttribute("data-feed-url", url);
        poleMap.load(url);
      }
    });
  });

  window.PTCEMap = { init: init, initAll: initAll };

  // This script comes at the end of the page's body (poles/_map_scripts.html): the maps
  // are already in the DOM, so they start now rather than at DOMContentLoaded, which
  // also waits for the page's deferred scripts (the directory's filters, the place
  // field) to arrive and run. A map added later in the parse starts at DOMContentLoaded.
  initAll();
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", initAll);
  }
})();
