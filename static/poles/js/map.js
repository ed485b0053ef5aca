/*
 * Maps of poles, drawn with Leaflet (django-leaflet's static files) and
 * Leaflet.markercluster (static/vendor/). Plain JavaScript, no build step.
 *
 * Every element with `data-ptce-map` becomes a map:
 *   data-geojson-url  markers from a GeoJSON FeatureCollection (/poles.geojson?…)
 *   data-fit="false"  keep the default view instead of fitting the markers
 *   data-link-target="_blank"  popups open the pole's page in a new tab (the
 *                     embeddable map, framed by other sites)
 *   data-lat, data-lng, data-zoom, data-title  a single point (a pole's seat)
 * Configuration (tiles, default view, labels) comes from the json_script
 * element #ptce-map-config. When `document` receives the CustomEvent
 * `ptce:filters-changed` with `detail.geojsonUrl`, maps with a GeoJSON URL
 * reload their markers from it.
 *
 * The page's list of poles is the accessible alternative to the map; the map
 * itself is an enhancement.
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
  var COLOR_RE = /^#[0-9a-fA-F]{6}$/;

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

  function markerIcon(color) {
    var dot = element("span", "ptce-marker__dot");
    dot.style.backgroundColor = COLOR_RE.test(color || "") ? color : DEFAULT_COLOR;
    return L.divIcon({
      html: dot,
      className: "ptce-marker",
      iconSize: [22, 22],
      iconAnchor: [11, 11],
      popupAnchor: [0, -10],
    });
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
    var sectors = Array.isArray(properties.sectors) ? properties.sectors.filter(Boolean) : [];
    if (sectors.length) {
      box.appendChild(element("p", "ptce-popup__sectors", labels.sectors + " " + sectors.join(", ")));
    }
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

  function addTiles(map) {
    (config.tiles || []).slice(0, 1).forEach(function (layer) {
      L.tileLayer(layer.url, layer.options || {}).addTo(map);
    });
  }

  function zoneOf(latlng) {
    var zones = config.zones || [];
    for (var i = 0; i < zones.length; i += 1) {
      if (L.latLngBounds(zones[i].bounds).contains(latlng)) {
        return zones[i].key;
      }
    }
    return null;
  }

  function PoleMap(container) {
    this.container = container;
    this.url = container.getAttribute("data-geojson-url");
    this.fit = container.getAttribute("data-fit") !== "false";
    this.newTab = container.getAttribute("data-link-target") === "_blank";
    this.request = null;
    this.map = L.map(container, {
      center: config.center,
      zoom: config.zoom,
      minZoom: config.minZoom,
      maxZoom: config.maxZoom,
      scrollWheelZoom: false,
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
      maxClusterRadius: 40,
    });
    this.map.addLayer(this.cluster);
    this.zoneButtons = this.buildZoneButtons();
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
      icon: markerIcon(this.container.getAttribute("data-color")),
      title: title,
      keyboard: false,
      interactive: false,
    }).addTo(this.map);
  };

  PoleMap.prototype.buildZoneButtons = function () {
    var self = this;
    var group = element("div", "map-zones");
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
    this.container.parentNode.insertBefore(group, this.container);
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
      headers: { Accept: "application/geo+json, application/json" },
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

  PoleMap.prototype.render = function (data) {
    var markers = [];
    var counts = {};
    var features = data && Array.isArray(data.features) ? data.features : [];
    var newTab = this.newTab;
    features.forEach(function (feature) {
      var geometry = feature && feature.geometry;
      if (!geometry || geometry.type !== "Point" || !Array.isArray(geometry.coordinates)) {
        return;
      }
      var lng = Number(geometry.coordinates[0]);
      var lat = Number(geometry.coordinates[1]);
      if (!isFinite(lat) || !isFinite(lng)) {
        return;
      }
      var properties = feature.properties || {};
      var marker = L.marker([lat, lng], {
        icon: markerIcon(properties.color),
        title: properties.name || "",
        alt: properties.name || "",
        riseOnHover: true,
      });
      marker.bindPopup(popupContent(properties, newTab));
      marker.feature = feature;
      markers.push(marker);
      var zone = zoneOf(marker.getLatLng());
      counts[zone] = (counts[zone] || 0) + 1;
    });
    this.cluster.clearLayers();
    this.cluster.addLayers(markers);
    this.markers = markers;
    this.updateZoneButtons(counts);
    if (markers.length === 0) {
      this.status.textContent = labels.none;
    } else if (markers.length === 1) {
      this.status.textContent = labels.shown_one;
    } else {
      this.status.textContent = format(labels.shown_many, { count: markers.length });
    }
    // The list is the complete answer: say which poles the map cannot place.
    var unplaced = parseInt(data.poles_without_position, 10) || 0;
    if (unplaced === 1 && labels.unplaced_one) {
      this.status.textContent += " " + labels.unplaced_one;
    } else if (unplaced > 1 && labels.unplaced_many) {
      this.status.textContent += " " + format(labels.unplaced_many, { count: unplaced });
    }
    if (this.fit && markers.length) {
      this.userMoved = false;
      this.fitMarkers(markers);
    }
    this.container.dispatchEvent(
      new CustomEvent("ptce:map-loaded", { bubbles: true, detail: { count: markers.length } })
    );
  };

  PoleMap.prototype.updateZoneButtons = function (counts) {
    var buttons = this.zoneButtons.querySelectorAll("button[data-zone]");
    var overseas = 0;
    Array.prototype.forEach.call(buttons, function (button) {
      var key = button.getAttribute("data-zone");
      if (key !== "metropole" && counts[key]) {
        overseas += counts[key];
      }
      button.setAttribute("data-count", String(counts[key] || 0));
    });
    this.zoneButtons.setAttribute("data-overseas", String(overseas));
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
    var url = event.detail && event.detail.geojsonUrl;
    if (!url) {
      return;
    }
    Array.prototype.forEach.call(document.querySelectorAll("[data-ptce-map]"), function (container) {
      var poleMap = init(container);
      if (poleMap.cluster) {
        container.setAttribute("data-geojson-url", url);
        poleMap.load(url);
      }
    });
  });

  window.PTCEMap = { init: init, initAll: initAll };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", initAll);
  } else {
    initAll();
  }
})();
