/*
 * The place field's autocomplete, and "Around me" (progressive enhancement).
 *
 * Without JavaScript the place field is a plain text field: the server resolves what
 * was typed (poles/filters.py, territories/places.py). With it, each input field
 * marked `data-place-autocomplete="<url of /lieux.json>"` becomes a WAI-ARIA 1.2
 * combobox with a list box of suggestions:
 *   - Down/Up arrows open the list and move through it (wrapping), Enter chooses the
 *     active suggestion, Escape closes the list (and, list closed, clears the field),
 *     Tab leaves; a click or a tap chooses too;
 *   - the number of suggestions is announced in a polite live region;
 *   - choosing puts the suggestion's value ("Beauvais (60)") in the field and fires
 *     `change`, so the directory refreshes (directory.js) as for any filter.
 * The texts come from the field's `data-place-*` attributes (translated by Django).
 *
 * "Around me": a button after the field, only where the browser offers geolocation.
 * The position is asked for only when the visitor clicks, rounded to two decimals
 * (about a kilometre) before it leaves the browser, and sent as `autour=lat,lng` with
 * `tri=distance`; the site never stores it.
 */
(function () {
  "use strict";

  var DEBOUNCE_MS = 200;
  var MIN_LENGTH = 2;
  var counter = 0;

  function format(template, count) {
    return (template || "").replace("%(count)s", String(count));
  }

  function Combobox(input) {
    this.input = input;
    this.url = input.getAttribute("data-place-autocomplete");
    this.messages = {
      one: input.getAttribute("data-place-one") || "%(count)s suggestion",
      many: input.getAttribute("data-place-many") || "%(count)s suggestions",
      none: input.getAttribute("data-place-none") || "",
      label: input.getAttribute("data-place-list-label") || "",
    };
    this.results = [];
    this.active = -1;
    this.timer = null;
    this.controller = null;
    this.lastQuery = null;
    counter += 1;
    var id = input.id || "place-" + counter;

    var wrapper = document.createElement("div");
    wrapper.className = "place-combobox";
    input.parentNode.insertBefore(wrapper, input);
    wrapper.appendChild(input);

    this.listbox = document.createElement("ul");
    this.listbox.id = id + "-listbox";
    this.listbox.className = "place-combobox__list";
    this.listbox.setAttribute("role", "listbox");
    if (this.messages.label) {
      this.listbox.setAttribute("aria-label", this.messages.label);
    }
    this.listbox.hidden = true;
    wrapper.appendChild(this.listbox);

    this.status = document.createElement("div");
    this.status.className = "visually-hidden";
    this.status.setAttribute("role", "status");
    this.status.setAttribute("aria-live", "polite");
    wrapper.appendChild(this.status);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", this.listbox.id);

    input.addEventListener("input", this.onInput.bind(this));
    input.addEventListener("keydown", this.onKeyDown.bind(this));
    input.addEventListener("blur", this.close.bind(this));
    // mousedown, not click: the field keeps the focus (no blur, no stray `change`).
    this.listbox.addEventListener("mousedown", this.onPointer.bind(this));
  }

  Combobox.prototype.onInput = function () {
    var self = this;
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(function () {
      self.fetch(self.input.value.trim());
    }, DEBOUNCE_MS);
  };

  Combobox.prototype.fetch = function (query) {
    var self = this;
    if (query.length < MIN_LENGTH) {
      this.lastQuery = null;
      this.show([]);
      this.status.textContent = "";
      return;
    }
    if (query === this.lastQuery) {
      this.open();
      return;
    }
    if (this.controller) {
      this.controller.abort();
    }
    this.controller = window.AbortController ? new AbortController() : null;
    var url = this.url + "?q=" + encodeURIComponent(query);
    window
      .fetch(url, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        signal: this.controller ? this.controller.signal : undefined,
      })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (body) {
        if (self.input.value.trim() !== query) {
          return; // the visitor typed on: a newer request follows
        }
        self.lastQuery = query;
        self.show(body.results || []);
        self.announce();
      })
      .catch(function () {
        // No suggestions: the field still works as plain text.
        self.show([]);
      });
  };

  Combobox.prototype.show = function (results) {
    var listbox = this.listbox;
    var input = this.input;
    this.results = results;
    this.active = -1;
    input.removeAttribute("aria-activedescendant");
    while (listbox.firstChild) {
      listbox.removeChild(listbox.firstChild);
    }
    results.forEach(function (place, index) {
      var option = document.createElement("li");
      option.id = listbox.id + "-" + index;
      option.className = "place-combobox__option";
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.setAttribute("data-index", String(index));
      var label = document.createElement("span");
      label.className = "place-combobox__label";
      label.textContent = place.label;
      option.appendChild(label);
      if (place.detail) {
        var detail = document.createElement("span");
        detail.className = "place-combobox__detail";
        detail.textContent = " — " + place.detail;
        option.appendChild(detail);
      }
      listbox.appendChild(option);
    });
    if (results.length && document.activeElement === input) {
      this.open();
    } else {
      this.close();
    }
  };

  Combobox.prototype.announce = function () {
    var count = this.results.length;
    var message = count === 0 ? this.messages.none : count === 1 ? this.messages.one : this.messages.many;
    this.status.textContent = format(message, count);
  };

  Combobox.prototype.open = function () {
    if (!this.results.length) {
      return;
    }
    this.listbox.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
  };

  Combobox.prototype.close = function () {
    this.listbox.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
    this.setActive(-1);
  };

  Combobox.prototype.isOpen = function () {
    return !this.listbox.hidden;
  };

  Combobox.prototype.setActive = function (index) {
    var options = this.listbox.querySelectorAll("[role=option]");
    Array.prototype.forEach.call(options, function (option) {
      option.setAttribute("aria-selected", "false");
      option.classList.remove("place-combobox__option--active");
    });
    this.active = index;
    if (index < 0 || index >= options.length) {
      this.active = -1;
      this.input.removeAttribute("aria-activedescendant");
      return;
    }
    var option = options[index];
    option.setAttribute("aria-selected", "true");
    option.classList.add("place-combobox__option--active");
    this.input.setAttribute("aria-activedescendant", option.id);
    if (option.scrollIntoView) {
      option.scrollIntoView({ block: "nearest" });
    }
  };

  Combobox.prototype.move = function (step) {
    if (!this.isOpen()) {
      if (this.results.length && this.input.value.trim() === this.lastQuery) {
        this.open();
      } else {
        this.fetch(this.input.value.trim());
        return;
      }
    }
    var count = this.results.length;
    if (!count) {
      return;
    }
    var next = this.active + step;
    if (this.active < 0) {
      next = step > 0 ? 0 : count - 1;
    } else if (next >= count) {
      next = 0;
    } else if (next < 0) {
      next = count - 1;
    }
    this.setActive(next);
  };

  Combobox.prototype.choose = function (index) {
    var place = this.results[index];
    if (!place) {
      return;
    }
    this.input.value = place.value;
    this.lastQuery = place.value;
    this.close();
    this.status.textContent = "";
    this.input.dispatchEvent(new Event("change", { bubbles: true }));
  };

  Combobox.prototype.onKeyDown = function (event) {
    switch (event.key) {
      case "ArrowDown":
      case "Down":
        event.preventDefault();
        this.move(1);
        break;
      case "ArrowUp":
      case "Up":
        event.preventDefault();
        this.move(-1);
        break;
      case "Enter":
        if (this.isOpen() && this.active >= 0) {
          // Choosing is not submitting: the chosen place fires `change`.
          event.preventDefault();
          this.choose(this.active);
        } else {
          this.close();
        }
        break;
      case "Escape":
      case "Esc":
        if (this.isOpen()) {
          event.preventDefault();
          this.close();
        } else if (this.input.value) {
          event.preventDefault();
          this.input.value = "";
          this.lastQuery = null;
        }
        break;
      case "Tab":
        this.close();
        break;
      default:
        break;
    }
  };

  Combobox.prototype.onPointer = function (event) {
    var option = event.target.closest ? event.target.closest("[role=option]") : null;
    event.preventDefault();
    if (option) {
      this.choose(parseInt(option.getAttribute("data-index"), 10));
    }
  };

  // --- Around me -------------------------------------------------------------------

  function addAroundMe(input) {
    var form = input.form;
    var label = input.getAttribute("data-around-label");
    if (!form || !label || !navigator.geolocation) {
      return;
    }
    var position = form.elements.namedItem("autour");
    if (!position) {
      return;
    }
    var sort = form.elements.namedItem("tri");
    var container = document.createElement("div");
    container.className = "place-around";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "place-around__button";
    button.textContent = label;
    var message = document.createElement("p");
    message.className = "place-around__message";
    message.setAttribute("role", "status");
    message.setAttribute("aria-live", "polite");
    container.appendChild(button);
    container.appendChild(message);
    var wrapper = input.closest(".place-combobox") || input;
    wrapper.parentNode.insertBefore(container, wrapper.nextSibling);

    button.addEventListener("click", function () {
      button.disabled = true;
      message.textContent = input.getAttribute("data-around-waiting") || "";
      navigator.geolocation.getCurrentPosition(
        function (where) {
          button.disabled = false;
          message.textContent = "";
          // Rounded here, so no finer position ever reaches the site.
          position.value =
            where.coords.latitude.toFixed(2) + "," + where.coords.longitude.toFixed(2);
          if (sort && sort.querySelector && sort.querySelector('option[value="distance"]')) {
            sort.value = "distance";
          }
          if (form.requestSubmit) {
            form.requestSubmit();
          } else {
            form.submit();
          }
        },
        function () {
          button.disabled = false;
          message.textContent = input.getAttribute("data-around-denied") || "";
        },
        { enableHighAccuracy: false, maximumAge: 600000, timeout: 15000 }
      );
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("input[data-place-autocomplete]"), function (input) {
    if (!window.fetch || !input.getAttribute("data-place-autocomplete")) {
      return;
    }
    new Combobox(input);
    addAroundMe(input);
  });
})();
