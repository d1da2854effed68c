// Comfort only; every page works without this file.
(function () {
  "use strict";
  // Filters apply as soon as a select changes.
  document.querySelectorAll("form.filters select").forEach(function (s) {
    s.addEventListener("change", function () { s.form.submit(); });
  });
})();
