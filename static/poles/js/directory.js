/*
 * The directory's filters without a full reload (progressive enhancement).
 *
 * Without JavaScript the filter form submits normally (GET /poles/?…), the panel
 * (<details>) opens and closes by itself, and the chips are links. With it:
 * - every change fetches only the results (header `X-Requested-With: fetch`), swaps
 *   in their two parts (the summary above the map, the list below it), and adds a
 *   history entry: Back and Forward restore the form, the list and the map;
 * - the map follows through the CustomEvent `ptce:filters-changed` on `document`, with
 *   `detail.feedUrl` (the markers for the same filters) and `detail.query`;
 * - the language form returns to the current URL, not the one first loaded;
 * - the département list follows the région chosen;
 * - the panel is open on wide screens, closed on a phone, where "Show the 12 poles"
 *   closes it and moves to the results;
 * - the chips and "Clear the filters" update the results in place.
 * If a request fails, the browser loads the page the ordinary way.
 */
(function () {
  "use strict";

  var form = document.querySelector("[data-directory-form]");
  var summary = document.querySelector("[data-directory-summary]");
  var results = document.querySelector("[data-directory-results]");
  var status = document.getElementById("directory-status");
  var panel = document.querySelector("[data-filters-panel]");
  if (
    !form ||
    !summary ||
    !results ||
    !window.fetch ||
    !window.URLSearchParams ||
    !window.FormData ||
    !window.history ||
    !window.history.pushState
  ) {
    return;
  }
  // The width from which the filters are a sidebar (directory.css).
  var wide = window.matchMedia ? window.matchMedia("(min-width: 56rem)") : null;
  var regionSelect = form.elements.namedItem("region");
  var departementSelect = form.elements.namedItem("departement");
  var departements = readJson("directory-departements");
  var controller = null;
  var typingTimer = null;
  // The query string of the results on the page (`page` included).
  var shownSearch = window.location.search;

  function readJson(id) {
    var element = document.getElementById(id);
    if (!element) {
      return null;
    }
    try {
      return JSON.parse(element.textContent);
    } catch (error) {
      return null;
    }
  }

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

  /* Two URLs of the same results: the same parameters, in any order. */
  function sameQuery(first, second) {
    function sorted(url) {
      var params = new URLSearchParams(url.indexOf("?") === -1 ? "" : url.slice(url.indexOf("?") + 1));
      if (params.sort) {
        params.sort();
      }
      return url.split("?")[0] + "?" + params.toString();
    }
    return sorted(first) === sorted(second);
  }

  function urlFor(query) {
    return form.getAttribute("action") + (query ? "?" + query : "");
  }

  /* The form as a URL says (Back, Forward, a chip): the server reads a single value's
     last occurrence, and so does this. */
  function fillForm(params) {
    if (regionSelect && regionSelect.tagName === "SELECT") {
      regionSelect.value = lastValue(params, "region");
      followRegion(lastValue(params, "departement"));
    }
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name || field === regionSelect || field.type === "submit") {
        return;
      }
      if (field.type === "checkbox" || field.type === "radio") {
        field.checked = params.getAll(field.name).indexOf(field.value) !== -1;
      } else if (field.tagName === "SELECT" && field.multiple) {
        var values = params.getAll(field.name);
        Array.prototype.forEach.call(field.options, function (option) {
          option.selected = values.indexOf(option.value) !== -1;
        });
      } else if ("value" in field) {
        field.value = lastValue(params, field.name);
      }
    });
  }

  function lastValue(params, name) {
    var values = params.getAll(name);
    return values.length ? values[values.length - 1] : "";
  }

  /* The département list offers the chosen région's départements (and the chosen
     département, wherever it is), as the server renders it. */
  function followRegion(chosen) {
    if (!departements || !regionSelect || !departementSelect || departementSelect.tagName !== "SELECT") {
      return;
    }
    var region = regionSelect.value;
    var options = departementSelect.options;
    var keep = options.length && options[0].value === "" ? 1 : 0;
    while (options.length > keep) {
      departementSelect.remove(options.length - 1);
    }
    departements.forEach(function (item) {
      if (!region || item[2] === region || item[0] === chosen) {
        departementSelect.add(new Option(item[1], item[0], false, item[0] === chosen));
      }
    });
    departementSelect.value = chosen || "";
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
    Array.prototype.forEach.call(summary.querySelectorAll("[data-field-error]"), function (item) {
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
    // The count, and for an empty result what to do about it.
    var parts = summary.querySelectorAll("[data-form-errors] > p, [data-result-count], [data-relaxations] > p");
    status.textContent = Array.prototype.map
      .call(parts, function (part) {
        return part.textContent.replace(/\s+/g, " ").trim();
      })
      .join(" ");
  }

  /* "Filters (2)" and "Show the 12 poles", as the fresh results label them. */
  function updateLabels() {
    var toggle = panel && panel.querySelector("[data-filters-toggle]");
    var filtersLabel = summary.querySelector("template[data-filters-label]");
    if (toggle && filtersLabel) {
      toggle.innerHTML = filtersLabel.innerHTML;
    }
    var button = form.querySelector("[data-show-results]");
    var showLabel = summary.querySelector("template[data-show-label]");
    if (button && showLabel) {
      button.innerHTML = showLabel.innerHTML;
    }
  }

  /* The language form must come back to the filters chosen since the page loaded. */
  function updateLanguageForms() {
    var here = window.location.pathname + window.location.search;
    Array.prototype.forEach.call(
      document.querySelectorAll('form input[type="hidden"][name="next"]'),
      function (input) {
        input.value = here;
      }
    );
  }

  function swap(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    var newSummary = template.content.querySelector("[data-directory-summary]");
    var newResults = template.content.querySelector("[data-directory-results]");
    if (newSummary && newResults) {
      summary.innerHTML = newSummary.innerHTML;
      results.innerHTML = newResults.innerHTML;
    } else {
      summary.innerHTML = "";
      results.innerHTML = html;
    }
  }

  function setBusy(busy) {
    [summary, results].forEach(function (part) {
      if (busy) {
        part.setAttribute("aria-busy", "true");
      } else {
        part.removeAttribute("aria-busy");
      }
    });
  }

  /*
   * Fetch and show the results of `options.url` (default: the form's filters).
   * `options.history`: "push" (a new entry), "replace" or "none" (Back, Forward).
   * Resolves once they are shown.
   */
  function refresh(options) {
    var url = options.url || urlFor(queryString());
    var query = url.indexOf("?") === -1 ? "" : url.slice(url.indexOf("?") + 1);
    if (controller) {
      controller.abort();
    }
    controller = window.AbortController ? new AbortController() : {};
    var current = controller;
    setBusy(true);
    return fetch(url, {
      headers: { "X-Requested-With": "fetch", Accept: "text/html" },
      credentials: "same-origin",
      signal: current.signal,
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
        controller = null;
        swap(html);
        setBusy(false);
        var here = window.location.pathname + window.location.search;
        if (options.history === "push" && !sameQuery(url, here)) {
          window.history.pushState({ ptceDirectory: true, typing: !!options.typing }, "", url);
        } else if (options.history !== "none") {
          window.history.replaceState({ ptceDirectory: true, typing: !!options.typing }, "", url);
        }
        shownSearch = window.location.search;
        updateLanguageForms();
        updateLabels();
        showFieldErrors();
        announce();
        var body = results.querySelector("[data-feed-url]");
        document.dispatchEvent(
          new CustomEvent("ptce:filters-changed", {
            detail: { feedUrl: body ? body.getAttribute("data-feed-url") : null, query: query },
          })
        );
      })
      .catch(function (error) {
        if (error && error.name === "AbortError") {
          return;
        }
        // The ordinary way still works: let the browser load the page.
        if (options.history === "none") {
          window.location.reload();
        } else {
          window.location.assign(url);
        }
      });
  }

  /* A filter changed: one history entry per change, but a search typed in several
     pauses makes one entry, not one per pause. */
  function filtersChanged(typing) {
    var state = window.history.state;
    var again = typing && state && state.ptceDirectory && state.typing;
    return refresh({ history: again ? "replace" : "push", typing: typing });
  }

  function narrow() {
    return !(wide && wide.matches);
  }

  /* "Show the 12 poles": on a phone the panel closes; the focus goes to the count. */
  function showResults() {
    if (panel && narrow() && !summary.querySelector("[data-form-errors]")) {
      panel.open = false;
    }
    summary.focus();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    window.clearTimeout(typingTimer);
    // Enter in a text field submits too: that refreshes, the focus stays in the field.
    var active = document.activeElement;
    var typed = active && active.tagName === "INPUT" && active.type !== "checkbox" && active.type !== "radio";
    var done =
      !controller && sameQuery(urlFor(queryString()), urlFor(shownSearch.replace(/^\?/, "")))
        ? Promise.resolve()
        : filtersChanged(false);
    if (!typed) {
      done.then(showResults);
    }
  });

  form.addEventListener("change", function (event) {
    // Free-text fields refresh on submit or after a pause in typing, not on blur.
    if (event.target && event.target.type === "search") {
      return;
    }
    window.clearTimeout(typingTimer);
    filtersChanged(false);
  });

  form.addEventListener("input", function (event) {
    if (!event.target || event.target.type !== "search") {
      return;
    }
    window.clearTimeout(typingTimer);
    typingTimer = window.setTimeout(function () {
      filtersChanged(true);
    }, 400);
  });

  if (regionSelect && departementSelect) {
    // Runs before the form's own listener: the département is settled first.
    regionSelect.addEventListener("change", function () {
      var chosen = departementSelect.value;
      var inRegion = (departements || []).some(function (item) {
        return item[0] === chosen && item[2] === regionSelect.value;
      });
      followRegion(!regionSelect.value || inRegion ? chosen : "");
    });
  }

  // Chips, "Clear the filters" and the suggestions of an empty result: in place.
  summary.addEventListener("click", function (event) {
    var link = event.target && event.target.closest ? event.target.closest("a[data-filter-link]") : null;
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) {
      return;
    }
    event.preventDefault();
    window.clearTimeout(typingTimer);
    fillForm(new URLSearchParams(link.search));
    filtersChanged(false).then(function () {
      summary.focus();
    });
  });

  window.addEventListener("popstate", function () {
    if (window.location.search === shownSearch) {
      return; // another fragment of the same results ("Skip to the results")
    }
    window.clearTimeout(typingTimer);
    fillForm(new URLSearchParams(window.location.search));
    refresh({ url: window.location.pathname + window.location.search, history: "none" });
  });

  if (panel) {
    if (!narrow()) {
      panel.open = true;
    }
    if (wide && wide.addEventListener) {
      wide.addEventListener("change", function () {
        panel.open = !narrow() || !!summary.querySelector("[data-form-errors]");
      });
    }
  }
})();
