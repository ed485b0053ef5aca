// The pole form of the admin: its sections are folded (<details>). A map drawn inside a
// folded section (the seat map) measured itself as empty: when a section opens, the
// window's "resize" makes Leaflet measure its maps again.
"use strict";

document.addEventListener(
  "toggle",
  (event) => {
    if (event.target instanceof HTMLDetailsElement && event.target.open) {
      window.dispatchEvent(new Event("resize"));
    }
  },
  true,
);
