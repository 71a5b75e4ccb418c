// A confirm step before acts that bind (accepting an order issues a legal document; awarding,
// withdrawing and cancelling cannot be undone). A form marked data-confirm is held on submit
// and the page's one <dialog> asks, in the words the form carries (data-confirm-title,
// data-confirm-body, data-confirm-yes); only "yes" sends it. A modal <dialog> keeps focus
// inside, closes with Escape as "no", and needs no hover. No inline script: CSP 'self'.
(function () {
  "use strict";

  function start() {
    var dialog = document.getElementById("confirm-dialog");
    if (!dialog || typeof dialog.showModal !== "function") return;
    var title = dialog.querySelector("[data-confirm-title]");
    var body = dialog.querySelector("[data-confirm-body]");
    var yes = dialog.querySelector("button[value=yes]");
    var yesDefault = yes.textContent;
    var pending = null;

    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (!form.matches || !form.matches("form[data-confirm]")) return;
      if (form.getAttribute("data-confirmed") === "1") {
        form.removeAttribute("data-confirmed");
        return;
      }
      event.preventDefault();
      pending = { form: form, submitter: event.submitter || null };
      title.textContent = form.getAttribute("data-confirm-title") || "";
      body.textContent = form.getAttribute("data-confirm-body") || "";
      yes.textContent = form.getAttribute("data-confirm-yes") || yesDefault;
      yes.classList.toggle("danger", form.hasAttribute("data-confirm-danger"));
      dialog.returnValue = "";
      dialog.showModal();
      // The safe answer has the focus: a stray tap or Enter does not bind anyone.
      dialog.querySelector("button[value=no]").focus();
    });

    dialog.addEventListener("close", function () {
      var held = pending;
      pending = null;
      if (!held || dialog.returnValue !== "yes") return;
      held.form.setAttribute("data-confirmed", "1");
      if (typeof held.form.requestSubmit === "function") {
        held.form.requestSubmit(held.submitter || undefined);
      } else {
        held.form.submit();
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
