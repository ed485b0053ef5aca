/*
 * The directory's filters without a full reload (progressive enhancement).
 *
 * Without JavaScript the filter form submits normally (GET /poles/?…). With it,
 * every change fetches only the results (header `X-Requested-With: fetch`), swaps
 * them in, updates the address bar (shareable URL) and tells the map through the
 * CustomEvent `ptce:filters-changed` on `document`, with `detail.geojsonUrl`
 * (the markers for the same filters) and `detail.query`.
 * If anything fails, the form is submitted the ordinary way.
 */
(function () {
  "use strict";

  var form = document.querySelector("[data-directory-form]");
  var results = document.querySelector("[data-directory-results]");
  var status = document.getElementById("directory-status");
  if (!form || !results || !window.fetch || !window.URLSearchParams || !window.FormData) {
    return;
  }
  var controller = null;
  var typingTimer = null;

  function queryString() {
    // Only the filters in use, so shared links stay short and readable.
    var query = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (typeof value === "string" && value.trim() !== "") {
        query.append(key, value);
      }
    });
    return query.toString();
  }

  function showFieldErrors() {
    // Errors next to fields come from the last full page load: replace them with
    // the ones the fresh results report.
    Array.prototype.forEach.call(form.querySelectorAll(".errorlist"), function (list) {
      list.parentNode.removeChild(list);
    });
    Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (field) {
      field.removeAttribute("aria-invalid");
    });
    Array.prototype.forEach.call(results.querySelectorAll("[data-field-error]"), function (item) {
      var field = form.elements.namedItem(item.getAttribute("data-field-error"));
      if (field && field.setAttribute) {
        field.setAttribute("aria-invalid", "true");
      }
    });
  }

  function announce() {
    if (!status) {
      return;
    }
    var message = results.querySelector("[data-form-errors] p, [data-result-count]");
    status.textContent = message ? message.textContent.replace(/\s+/g, " ").trim() : "";
  }

  function refresh() {
    var query = queryString();
    var url = form.getAttribute("action") + (query ? "?" + query : "");
    if (controller) {
      controller.abort();
    }
    controller = window.AbortController ? new AbortController() : null;
    var current = controller;
    results.setAttribute("aria-busy", "true");
    fetch(url, {
      headers: { "X-Requested-With": "fetch", Accept: "text/html" },
      credentials: "same-origin",
      signal: controller ? controller.signal : undefined,
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        if (current !== controller) {
          return;
        }
        results.innerHTML = html;
        results.removeAttribute("aria-busy");
        window.history.replaceState(null, "", url);
        showFieldErrors();
        announce();
        var body = results.querySelector("[data-geojson-url]");
        document.dispatchEvent(
          new CustomEvent("ptce:filters-changed", {
            detail: { geojsonUrl: body ? body.getAttribute("data-geojson-url") : null, query: query },
          })
        );
      })
      .catch(function (error) {
        if (error && error.name === "AbortError") {
          return;
        }
        // The ordinary way still works: let the browser load the page.
        form.submit();
      });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    window.clearTimeout(typingTimer);
    refresh();
  });

  form.addEventListener("change", function (event) {
    // Free-text fields refresh on submit or after a pause in typing, not on blur.
    if (event.target && event.target.type === "search") {
      return;
    }
    window.clearTimeout(typingTimer);
    refresh();
  });

  form.addEventListener("input", function (event) {
    if (!event.target || event.target.type !== "search") {
      return;
    }
    window.clearTimeout(typingTimer);
    typingTimer = window.setTimeout(refresh, 400);
  });
})();
