/*
 * Maps of poles, drawn with Leaflet (django-leaflet's static files) and
 * Leaflet.markercluster (static/vendor/). Plain JavaScript, no build step.
 *
 * Every element with `data-ptce-map` becomes a map:
 *   data-feed-url     markers from the maps' feed (/poles/carte.json?…, see
 *                     polesOf below; a GeoJSON FeatureCollection works too)
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
  if (!window.L || !configElement) {
    return;
  }
  var config = JSON.parse(configElement.textContent);
  var labels = config.labels || {};
  var DEFAULT_COLOR = "#3f6f8f";
  // Paul Tol's pale grey (his colour for "no data"): a closed pole keeps no sector colour.
  var CLOSED_FILL = "#dddddd";
  var COLOR_RE = /^#[0-9a-fA-F]{6}$/;

  // The map's steps as performance marks ("ptce:feed-parsed"…): the benchmark's browser
  // timing (devtools/bench/browser_timing.py) reports where the time to the first marker
  // goes; browsers' developer tools show them too.
  function mark(name) {
    if (window.performance && performance.mark) {
      performance.mark("ptce:" + name);
    }
  }

  function format(template, values) {
    return String(template).replace(/%\((\w+)\)s/g, function (match, key) {
      return key in values ? String(values[key]) : match;
    });
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
    var size = count < 10 ? 34 : count < 100 ? 40 : 48;
    var wrapper = element("span", "ptce-cluster__count");
    wrapper.appendChild(element("span", null, String(count)));
    wrapper.appendChild(element("span", "visually-hidden", " " + format(labels.cluster, { count: count })));
    return L.divIcon({
      html: wrapper,
      className: "ptce-cluster",
      iconSize: [size, size],
    });
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
  function polesOf(data) {
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

  function addTiles(map) {
    (config.tiles || []).slice(0, 1).forEach(function (layer) {
      L.tileLayer(layer.url, layer.options || {}).addTo(map);
    });
  }

  // Each zone's bounds built once: zoneOf runs for every marker.
  var zoneBounds = (config.zones || []).map(function (zone) {
    return { key: zone.key, bounds: L.latLngBounds(zone.bounds) };
  });

  function zoneOf(latlng) {
    for (var i = 0; i < zoneBounds.length; i += 1) {
      if (zoneBounds[i].bounds.contains(latlng)) {
        return zoneBounds[i].key;
      }
    }
    return null;
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
    addTiles(this.map);
    this.watchSize();
    this.status = element("p", "map-status");
    this.status.setAttribute("role", "status");
    container.parentNode.insertBefore(this.status, container.nextSibling);

    var lat = parseFloat(container.getAttribute("data-lat"));
    var lng = parseFloat(container.getAttribute("data-lng"));
    if (!isNaN(lat) && !isNaN(lng)) {
      this.showPoint(lat, lng);
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
    });
    this.map.addLayer(this.cluster);
    this.zoneButtons = this.buildZoneButtons();
    this.listUrl = safeUrl(container.getAttribute("data-list-url"));
    this.legend = buildLegend(this);
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
        if (self.fit && !self.userMoved && self.markers && self.markers.length) {
          self.fitMarkers(self.markers);
        }
      });
    }).observe(this.container);
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
    this.request = controller;
    this.container.setAttribute("aria-busy", "true");
    this.status.textContent = labels.loading;
    fetch(url, {
      headers: { Accept: "application/json, application/geo+json" },
      credentials: "same-origin",
      signal: controller ? controller.signal : undefined,
    })
      .then(function (response) {
        if (response.status === 400) {
          // Invalid filters: the feed names them (`errors`), say so, not "could not load".
          return response.json().then(
            function (data) {
              throw invalidFilters(data);
            },
            function () {
              throw invalidFilters(null);
            }
          );
        }
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        mark("feed-parsed");
        self.render(data);
      })
      .catch(function (error) {
        if (error && error.name === "AbortError") {
          return;
        }
        self.cluster.clearLayers();
        self.markers = [];
        self.status.textContent =
          error && error.name === "InvalidFilters" ? error.message : labels.error;
      })
      .then(function () {
        if (self.request === controller) {
          self.container.removeAttribute("aria-busy");
        }
      });
  };

  PoleMap.prototype.render = function (data, options) {
    mark("render-start");
    var markers = [];
    var closed = [];
    var counts = {};
    var newTab = this.newTab;
    var self = this;
    polesOf(data).forEach(function (feature) {
      var lng = feature.lng;
      var lat = feature.lat;
      if (!isFinite(lat) || !isFinite(lng)) {
        return;
      }
      var properties = feature.properties;
      var statusLabel = (labels.statuses || {})[properties.status];
      var name = properties.name || "";
      if (properties.status === "ferme" && statusLabel) {
        name += " (" + statusLabel + ")";
      }
      var marker = L.marker([lat, lng], {
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
      marker.feature = feature;
      if (properties.status === "ferme" && !self.showClosed()) {
        closed.push(marker);
        return;
      }
      markers.push(marker);
      var zone = zoneOf(marker.getLatLng());
      counts[zone] = (counts[zone] || 0) + 1;
    });
    mark("markers-built");
    this.cluster.clearLayers();
    this.cluster.addLayers(markers);
    mark("clustered");
    this.markers = markers;
    this.lastData = data;
    this.updateZoneButtons(counts);
    this.updateLegend(
      markers.map(function (marker) {
        return marker.feature;
      }),
      closed.length
    );
    this.status.textContent = "";
    this.status.appendChild(this.statusText(markers.length, closed.length, data));
    if (this.fit && markers.length && !(options && options.keepView)) {
      this.userMoved = false;
      this.fitMarkers(markers);
    }
    mark("render-end");
    this.container.dispatchEvent(
      new CustomEvent("ptce:map-loaded", { bubbles: true, detail: { count: markers.length } })
    );
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
    try {
      var query = new URL(this.url, window.location.href).searchParams;
      return query.getAll("statut").indexOf("ferme") !== -1;
    } catch (error) {
      return false;
    }
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

  PoleMap.prototype.fitMarkers = function (markers) {
    // Fit metropolitan markers when there are some: one bounding box spanning
    // Réunion and Lille shows neither. Overseas poles stay one click away
    // through the zone buttons; a map with only overseas poles fits them.
    var metropolitan = markers.filter(function (marker) {
      return zoneOf(marker.getLatLng()) === "metropole";
    });
    var chosen = metropolitan.length ? metropolitan : markers;
    var bounds = L.latLngBounds(
      chosen.map(function (marker) {
        return marker.getLatLng();
      })
    );
    this.fitting = true;
    this.map.fitBounds(bounds, { padding: [24, 24], maxZoom: 11, animate: false });
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
