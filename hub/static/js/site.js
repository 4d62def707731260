/* Progressive enhancements for the public site (loaded with `defer`; the
   pages work without it). No inline scripts or styles: the
   Content-Security-Policy forbids them.

   - Disclosures marked `data-open-from="<min-width>"` (the header menu, the
     search filter panel and its facet groups) open by themselves on screens
     at least that wide; on phones they start as the server rendered them.
   - The header menu closes with Escape on phones.
   - Faceted search (htmx): the open or closed state of the filter panels and
     the focus survive the swap of #search-body; the result count is read out
     through one polite live region that is never replaced; Back and Forward
     put the query, the sort and the facets of the URL back into the form. */
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  function wideQuery(details) {
    return window.matchMedia("(min-width: " + details.dataset.openFrom + ")");
  }

  function openWhenWide(root) {
    root.querySelectorAll("details[data-open-from]").forEach(function (details) {
      if (wideQuery(details).matches) {
        details.open = true;
      }
    });
  }

  // Listen once per distinct breakpoint.
  var watched = {};
  function watchBreakpoints() {
    document.querySelectorAll("details[data-open-from]").forEach(function (details) {
      var width = details.dataset.openFrom;
      if (watched[width]) {
        return;
      }
      watched[width] = true;
      wideQuery(details).addEventListener("change", function (event) {
        document
          .querySelectorAll('details[data-open-from="' + width + '"]')
          .forEach(function (each) {
            // Narrowing closes the big panels; facet groups keep their state.
            if (event.matches) {
              each.open = true;
            } else if (each.hasAttribute("data-close-narrow")) {
              each.open = false;
            }
          });
      });
    });
  }

  function siteMenu() {
    var menu = document.getElementById("site-menu");
    if (!menu) {
      return;
    }
    menu.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.open && !wideQuery(menu).matches) {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
  }

  // ---- Faceted search ----

  var saved = null;

  function searchBody(event) {
    var target = event.detail && event.detail.target;
    return target && target.id === "search-body" ? target : null;
  }

  function rememberState(event) {
    var body = searchBody(event);
    if (!body) {
      return;
    }
    var open = {};
    body.querySelectorAll("details[id]").forEach(function (details) {
      open[details.id] = details.open;
    });
    var active = document.activeElement;
    saved = { open: open, focus: active && body.contains(active) ? active.id : "" };
  }

  function restoreState() {
    var body = document.getElementById("search-body");
    if (!body || !saved) {
      return;
    }
    // What the visitor opened or closed stays so; new panels follow the width.
    body.querySelectorAll("details[id]").forEach(function (details) {
      if (Object.prototype.hasOwnProperty.call(saved.open, details.id)) {
        details.open = saved.open[details.id];
      } else if (details.dataset.openFrom && wideQuery(details).matches) {
        details.open = true;
      }
    });
    if (saved.focus) {
      var element = document.getElementById(saved.focus);
      if (element && document.activeElement !== element) {
        // A ticked value may have moved into a closed "more" list.
        for (var up = element.parentElement; up; up = up.parentElement) {
          if (up.tagName === "DETAILS") {
            up.open = true;
          }
        }
        element.focus({ preventScroll: true });
      }
    }
    saved = null;
  }

  function announceCount() {
    var status = document.getElementById("search-status");
    var heading = document.getElementById("results-heading");
    if (status && heading) {
      status.textContent = heading.textContent.trim();
    }
  }

  // The URL is the truth after Back or Forward: htmx's snapshot keeps the
  // form as it was when the page was first served, not as it was left.
  function formFromUrl() {
    var form = document.getElementById("search-form");
    if (!form) {
      return;
    }
    var params = new URLSearchParams(window.location.search);
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name) {
        return;
      }
      if (field.type === "checkbox" || field.type === "radio") {
        field.checked = params.getAll(field.name).indexOf(field.value) !== -1;
      } else if (field.type === "search" || field.type === "text") {
        field.value = params.get(field.name) || "";
      } else if (field.tagName === "SELECT") {
        var value = params.get(field.name);
        field.value = value !== null ? value : field.options[0].value;
      }
    });
  }

  function sortedQuery(params) {
    params.delete("page");
    params.sort();
    return params.toString();
  }

  // A debounced trigger that fires after Enter already searched would push a
  // second history entry for the same search (one Back that does nothing).
  document.addEventListener("htmx:configRequest", function (event) {
    var form = event.detail.elt;
    if (!form || form.id !== "search-form") {
      return;
    }
    var asked = sortedQuery(new URLSearchParams(new FormData(form)));
    var shown = sortedQuery(new URLSearchParams(window.location.search));
    if (asked === shown && window.location.search) {
      event.preventDefault();
    }
  });

  document.addEventListener("htmx:beforeSwap", rememberState);
  document.addEventListener("htmx:afterSwap", function (event) {
    if (searchBody(event)) {
      restoreState();
      announceCount();
    }
  });
  document.addEventListener("htmx:historyRestore", function () {
    formFromUrl();
    openWhenWide(document);
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      formFromUrl();
    }
  });

  function start() {
    openWhenWide(document);
    watchBreakpoints();
    siteMenu();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
