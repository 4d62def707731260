/* "Add another line" for Django inline formsets rendered by
   templates/members/includes/item_formset.html. Loaded with `defer` (the
   Content-Security-Policy allows no inline script). Without it the form still
   works: one empty line is always there, and saving brings a new one. */
(function () {
  "use strict";

  function addLine(formset) {
    var prefix = formset.getAttribute("data-formset");
    var total = formset.querySelector('input[name="' + prefix + '-TOTAL_FORMS"]');
    var max = formset.querySelector('input[name="' + prefix + '-MAX_NUM_FORMS"]');
    var template = formset.querySelector("template[data-formset-template]");
    var items = formset.querySelector("[data-formset-items]");
    var index = parseInt(total.value, 10);
    if (max && index >= parseInt(max.value, 10)) {
      return;
    }
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    var holder = document.createElement("div");
    holder.innerHTML = html;
    var line = holder.firstElementChild;
    items.appendChild(line);
    total.value = String(index + 1);
    var first = line.querySelector("input:not([type=hidden]), select, textarea");
    if (first) {
      first.focus();
    }
  }

  function wire(formset) {
    var wrapper = formset.querySelector(".formset__add");
    var button = formset.querySelector("[data-formset-add]");
    if (!wrapper || !button) {
      return;
    }
    wrapper.hidden = false;
    button.addEventListener("click", function () {
      addLine(formset);
    });
  }

  document.querySelectorAll("[data-formset]").forEach(wire);
})();
