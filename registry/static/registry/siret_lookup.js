/* SIRENE look-up of the structure forms.
 *
 * Any input carrying data-siret-lookup="<URL>" (the structure form's SIRET, and the
 * member-structure rows of the pole form, including rows added later: the listeners
 * are on the document) looks the number up once it has 9 (SIREN) or 14 (SIRET)
 * digits. Empty fields are filled at once; a field staff typed is only replaced after
 * they choose "Use the registry's values" in the message under the input.
 *
 * The fields are found by name: the SIRET input's name with "siret" replaced by
 * name, legal_form, naf_code, commune, headcount_band, is_ess, registry_token.
 */
(function () {
  "use strict";

  var DELAY = 450;
  var timers = new WeakMap();
  var asked = new WeakMap();

  function compact(value) {
    return (value || "").replace(/[\s.]/g, "");
  }

  function lookupUrl(input) {
    if (input.dataset.siretLookup) return input.dataset.siretLookup;
    var other = document.querySelector("[data-siret-lookup]:not([data-siret-lookup=''])");
    return other ? other.dataset.siretLookup : "";
  }

  function messages(input) {
    var source = input.hasAttribute("data-siret-lookup-messages")
      ? input
      : document.querySelector("[data-siret-lookup-messages]");
    try {
      return JSON.parse(source.getAttribute("data-siret-lookup-messages"));
    } catch (error) {
      return { searching: "…", failed: "SIRENE ?" };
    }
  }

  function prefix(input) {
    var name = input.name || "";
    return name.slice(-5) === "siret" ? name.slice(0, -5) : "";
  }

  function fieldFor(input, name) {
    var scope = input.form || document;
    return scope.querySelector('[name="' + prefix(input) + name + '"]');
  }

  function statusFor(input) {
    var id = (input.id || input.name) + "-registry-status";
    var status = document.getElementById(id);
    if (!status) {
      status = document.createElement("div");
      status.id = id;
      status.className = "registry-lookup";
      status.setAttribute("role", "status");
      status.setAttribute("aria-live", "polite");
      input.insertAdjacentElement("afterend", status);
    }
    return status;
  }

  function say(status, text) {
    status.textContent = "";
    var line = document.createElement("p");
    line.textContent = text;
    status.appendChild(line);
    return line;
  }

  function isEmpty(element) {
    if (element.type === "checkbox") return false;
    return element.value === "" || element.value === "unknown";
  }

  function currentLabel(element) {
    if (element.tagName === "SELECT") {
      var option = element.selectedOptions[0];
      return option ? option.textContent.trim() : "";
    }
    return element.value;
  }

  function sameValue(element, field) {
    return String(element.value) === String(field.value);
  }

  function setValue(element, field) {
    if (element.tagName === "SELECT") {
      var exists = Array.prototype.some.call(element.options, function (option) {
        return option.value === String(field.value);
      });
      if (!exists) element.add(new Option(field.label, field.value, true, true));
      element.value = field.value;
    } else {
      element.value = field.value;
    }
    element.dispatchEvent(new Event("input", { bubbles: true }));
    element.dispatchEvent(new Event("change", { bubbles: true }));
    // The admin's autocomplete (select2) listens through Django's jQuery.
    if (window.django && window.django.jQuery && element.tagName === "SELECT") {
      window.django.jQuery(element).trigger("change.select2");
    }
  }

  function fieldName(field, element) {
    var label = element.id && document.querySelector('label[for="' + element.id + '"]');
    return label ? label.textContent.replace(/\s*:\s*$/, "").trim() : field.verbose_name;
  }

  function format(template, fields) {
    return template.replace("%(fields)s", fields.join(", "));
  }

  function apply(input, data, status) {
    var filled = [];
    var conflicts = [];
    Object.keys(data.fields).forEach(function (name) {
      var element = fieldFor(input, name);
      var field = data.fields[name];
      if (!element || sameValue(element, field)) return;
      if (isEmpty(element)) {
        setValue(element, field);
        filled.push(fieldName(field, element));
      } else {
        conflicts.push({ element: element, field: field, current: currentLabel(element) });
      }
    });
    var token = fieldFor(input, "registry_token");
    if (token) token.value = data.token;

    var text = data.message;
    if (compact(input.value).length === 9 && data.siret) {
      input.value = data.siret;
      asked.set(input, data.siret);
      text += " " + data.texts.siretFromSiren;
    }
    say(status, text);
    if (filled.length) {
      var line = document.createElement("p");
      line.textContent = format(data.texts.filled, filled);
      status.appendChild(line);
    }
    if (conflicts.length) askBeforeReplacing(status, data, conflicts);
  }

  function askBeforeReplacing(status, data, conflicts) {
    var box = document.createElement("div");
    box.className = "registry-lookup-conflicts";
    var question = document.createElement("p");
    question.textContent = format(
      data.texts.conflicts,
      conflicts.map(function (item) {
        return (
          fieldName(item.field, item.element) +
          " (" + item.current + " → " + item.field.label + ")"
        );
      })
    );
    box.appendChild(question);
    var replace = document.createElement("button");
    replace.type = "button";
    replace.className = "button registry-lookup-replace";
    replace.textContent = data.texts.replace;
    var keep = document.createElement("button");
    keep.type = "button";
    keep.className = "button registry-lookup-keep";
    keep.textContent = data.texts.keep;
    replace.addEventListener("click", function () {
      conflicts.forEach(function (item) { setValue(item.element, item.field); });
      box.remove();
    });
    keep.addEventListener("click", function () { box.remove(); });
    box.appendChild(replace);
    box.appendChild(document.createTextNode(" "));
    box.appendChild(keep);
    status.appendChild(box);
  }

  function lookUp(input) {
    var number = compact(input.value);
    if (!/^(\d{9}|\d{14})$/.test(number) || asked.get(input) === number) return;
    var url = lookupUrl(input);
    if (!url) return;
    asked.set(input, number);
    var status = statusFor(input);
    var texts = messages(input);
    say(status, texts.searching);
    fetch(url + (url.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(number), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, data: data }; });
      })
      .then(function (result) {
        if (compact(input.value) !== number) return; // typed on since: a stale answer
        if (result.ok && result.data.found) apply(input, result.data, status);
        else say(status, result.data.message || texts.failed);
      })
      .catch(function () {
        asked.delete(input);
        say(status, texts.failed);
      });
  }

  function schedule(event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.hasAttribute("data-siret-lookup")) return;
    clearTimeout(timers.get(input));
    timers.set(input, setTimeout(function () { lookUp(input); }, event.type === "change" ? 0 : DELAY));
  }

  document.addEventListener("input", schedule);
  document.addEventListener("change", schedule);
})();
