/* The seat map of the pole's admin form (poles.widgets.SeatMapWidget).
 *
 * The latitude/longitude inputs are the truth: the map only reads and writes them, so
 * the form works the same with the keyboard or without this script. */
(function () {
  "use strict";

  var DECIMALS = 5; // the model's decimal_places

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_match, key) {
      return values[key];
    });
  }

  function readNumber(input) {
    var text = (input.value || "").trim().replace(",", ".");
    if (text === "") return null;
    var number = Number(text);
    return Number.isFinite(number) ? number : NaN;
  }

  function init(root) {
    var config = JSON.parse(document.getElementById(root.dataset.seatMap).textContent);
    var latInput = document.getElementById(config.latitudeInput);
    var lngInput = document.getElementById(config.longitudeInput);
    var communeInput = document.getElementById(config.communeInput);
    var canvas = root.querySelector(".seat-map-canvas");
    var status = root.querySelector(".seat-map-status");
    var communeButton = root.querySelector("[data-seat-map-commune]");
    if (!latInput || !lngInput || !canvas || typeof L === "undefined") return;

    root.hidden = false; // before creating the map, so that Leaflet measures its size

    var map = L.map(canvas, { scrollWheelZoom: false }).setView(config.center, config.zoom);
    L.tileLayer(config.tiles.url, config.tiles.options).addTo(map);
    var icon = L.icon({
      iconUrl: config.icon.iconUrl,
      iconRetinaUrl: config.icon.iconRetinaUrl,
      shadowUrl: config.icon.shadowUrl,
      iconSize: [25, 41],
      iconAnchor: [12, 41],
      popupAnchor: [1, -34],
      shadowSize: [41, 41],
    });
    var marker = null;

    function say(message) {
      if (status) status.textContent = message;
    }

    function inputsLatLng() {
      var lat = readNumber(latInput);
      var lng = readNumber(lngInput);
      if (lat === null || lng === null || Number.isNaN(lat) || Number.isNaN(lng)) return null;
      if (Math.abs(lat) > 90 || Math.abs(lng) > 180) return null;
      return L.latLng(lat, lng);
    }

    function writeInputs(latlng) {
      latlng = latlng.wrap();
      latInput.value = latlng.lat.toFixed(DECIMALS);
      lngInput.value = latlng.lng.toFixed(DECIMALS);
      // Let other scripts (and the "unsaved changes" habits of browsers) see the change.
      [latInput, lngInput].forEach(function (input) {
        input.dispatchEvent(new Event("change", { bubbles: true }));
      });
      say(format(config.messages.moved, { lat: latInput.value, lng: lngInput.value }));
    }

    function placeMarker(latlng, recentre) {
      if (!marker) {
        marker = L.marker(latlng, {
          icon: icon,
          draggable: true,
          keyboard: true,
          title: config.messages.marker,
          alt: config.messages.marker,
        }).addTo(map);
        marker.on("dragend", function () {
          writeInputs(marker.getLatLng());
        });
      } else {
        marker.setLatLng(latlng);
      }
      if (recentre) map.setView(latlng, Math.max(map.getZoom(), config.placeZoom));
    }

    function removeMarker() {
      if (marker) {
        map.removeLayer(marker);
        marker = null;
      }
    }

    var writing = false;
    function syncFromInputs() {
      if (writing) return;
      var latlng = inputsLatLng();
      if (latlng) {
        placeMarker(latlng, !map.getBounds().contains(latlng));
      } else if (latInput.value.trim() === "" && lngInput.value.trim() === "") {
        removeMarker();
      }
    }

    function setFromMap(latlng) {
      writing = true;
      try {
        placeMarker(latlng, false);
        writeInputs(latlng);
      } finally {
        writing = false;
      }
    }

    map.on("click", function (event) {
      setFromMap(event.latlng);
    });
    [latInput, lngInput].forEach(function (input) {
      input.addEventListener("input", syncFromInputs);
      input.addEventListener("change", syncFromInputs);
    });

    function placeAtCommune() {
      var code = communeInput ? communeInput.value : "";
      if (!code) {
        say(config.messages.noCommune);
        return;
      }
      var url = config.communeUrl + "?code=" + encodeURIComponent(code);
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (response.status === 404) throw new Error("unknown");
          if (!response.ok) throw new Error("http");
          return response.json();
        })
        .then(function (commune) {
          var latlng = L.latLng(commune.lat, commune.lng);
          writing = true;
          try {
            placeMarker(latlng, true);
            writeInputs(latlng);
          } finally {
            writing = false;
          }
          say(format(config.messages.placedAtCommune, { commune: commune.name }));
        })
        .catch(function (error) {
          say(error.message === "unknown" ? config.messages.unknownCommune : config.messages.error);
        });
    }

    if (communeButton) communeButton.addEventListener("click", placeAtCommune);
    if (communeInput) {
      var onCommuneChange = function () {
        // A commune gives the default point; it never moves a seat already placed.
        if (latInput.value.trim() === "" && lngInput.value.trim() === "") placeAtCommune();
      };
      // The admin's autocomplete (select2) announces changes through jQuery only;
      // jQuery handlers also receive native "change" events.
      if (window.django && window.django.jQuery) {
        window.django.jQuery(communeInput).on("change", onCommuneChange);
      } else {
        communeInput.addEventListener("change", onCommuneChange);
      }
    }

    var initial = inputsLatLng();
    if (initial) placeMarker(initial, true);
    // For debugging and the browser tests.
    root.seatMap = {
      map: map,
      marker: function () {
        return marker;
      },
    };
  }

  function start() {
    document.querySelectorAll("[data-seat-map]").forEach(init);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
