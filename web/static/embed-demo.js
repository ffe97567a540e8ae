/* /embed-demo: a copy button for the code sample. Without JavaScript the
   button stays hidden and the code can still be selected by hand. */
(function () {
  "use strict";
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source || !navigator.clipboard) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(source.textContent).then(function () {
        button.textContent = "Gekopieerd";
      }, function () {
        button.textContent = "Kopiëren lukte niet: selecteer de code";
      });
      window.setTimeout(function () { button.textContent = "Kopiëren"; }, 2500);
    });
  });
}());
