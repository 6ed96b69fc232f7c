/* Behaviour that used to sit in onclick= and onchange= attributes, which the
   Content-Security-Policy forbids (no inline script of any kind):
     <select data-autosubmit>   submits its form when the choice changes;
     <button data-print>        prints the page. */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.matches && field.matches("[data-autosubmit]") && field.form) { field.form.submit(); }
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-print]") : null;
    if (button) {
      event.preventDefault();
      window.print();
    }
  });
})();
