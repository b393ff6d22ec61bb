// Automatic save of an application draft (progressive enhancement: without JavaScript the
// "Enregistrer le brouillon" button does the same). A few seconds after a change, and when a
// field loses the focus, the form's fields (not its files) are posted with the form's CSRF
// token; the state is announced in the form's status region and the problems are shown
// under each question. The character counters of the text questions live here too.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave-url]");
  if (!form || !window.fetch || !window.FormData) {
    return;
  }
  var DELAY = 3000;
  var url = form.getAttribute("data-autosave-url");
  var status = document.getElementById("etat-brouillon");
  var tokenInput = form.querySelector("input[name=csrfmiddlewaretoken]");
  var timer = null;
  var dirty = false;
  var saving = false;
  var again = false;
  var leaving = false;

  function say(message, isError) {
    if (!status) {
      return;
    }
    status.textContent = message || "";
    status.classList.toggle("fi-etat--erreur", Boolean(isError));
  }

  function payload() {
    var data = new FormData(form);
    form.querySelectorAll("input[type=file]").forEach(function (input) {
      data.delete(input.name);
    });
    return data;
  }

  function groupOf(element) {
    return element.closest(".fr-input-group, .fr-select-group, .fr-upload-group, fieldset");
  }

  var ERROR_CLASSES = {
    "fr-input-group": "fr-input-group--error",
    "fr-select-group": "fr-select-group--error",
    "fr-upload-group": "fr-upload-group--error",
    "fr-fieldset": "fr-fieldset--error"
  };

  function setError(key, message) {
    var wrapper = document.getElementById("question-" + key);
    if (!wrapper) {
      return;
    }
    var errorId = "id_q-" + key + "-desc-error";
    var control =
      document.getElementById("id_q-" + key) ||
      wrapper.querySelector("input:not([type=hidden]), textarea, select");
    if (!control) {
      return;
    }
    var group = groupOf(control) || wrapper;
    var box = document.getElementById(errorId);
    if (!message) {
      if (box) {
        box.remove();
      }
    } else {
      if (!box) {
        box = document.createElement("div");
        box.id = errorId;
        group.appendChild(box);
      }
      box.innerHTML = "";
      var text = document.createElement("p");
      text.className = "fr-error-text";
      text.textContent = message;
      box.appendChild(text);
    }
    Object.keys(ERROR_CLASSES).forEach(function (name) {
      if (group.classList.contains(name)) {
        group.classList.toggle(ERROR_CLASSES[name], Boolean(message));
      }
    });
    var inputs = control.matches("input, textarea, select")
      ? [control]
      : Array.prototype.slice.call(control.querySelectorAll("input, textarea, select"));
    inputs.forEach(function (input) {
      var ids = (input.getAttribute("aria-describedby") || "").split(/\s+/).filter(function (id) {
        return id && id !== errorId;
      });
      if (message) {
        ids.push(errorId);
        input.setAttribute("aria-invalid", "true");
      } else {
        input.removeAttribute("aria-invalid");
      }
      if (ids.length) {
        input.setAttribute("aria-describedby", ids.join(" "));
      } else {
        input.removeAttribute("aria-describedby");
      }
    });
  }

  function showErrors(errors) {
    form.querySelectorAll("[data-question]").forEach(function (wrapper) {
      var key = wrapper.getAttribute("data-question");
      // A file question's problem comes from its upload: the autosave leaves it alone.
      if (wrapper.querySelector("input[type=file]")) {
        return;
      }
      setError(key, errors[key] || "");
    });
  }

  function save() {
    clearTimeout(timer);
    timer = null;
    if (!dirty || leaving) {
      return;
    }
    if (saving) {
      again = true;
      return;
    }
    dirty = false;
    saving = true;
    say(form.getAttribute("data-msg-saving"), false);
    var headers = { Accept: "application/json", "X-Requested-With": "XMLHttpRequest" };
    if (tokenInput) {
      headers["X-CSRFToken"] = tokenInput.value;
    }
    fetch(url, { method: "POST", body: payload(), credentials: "same-origin", headers: headers })
      .then(function (response) {
        return response.json().then(
          function (body) {
            return { ok: response.ok, body: body };
          },
          function () {
            return { ok: false, body: {} };
          }
        );
      })
      .then(function (result) {
        if (result.ok && result.body.enregistre) {
          say(result.body.message, false);
          showErrors(result.body.erreurs || {});
        } else {
          dirty = true;
          say(result.body.erreur || form.getAttribute("data-msg-failed"), true);
        }
      })
      .catch(function () {
        dirty = true;
        say(form.getAttribute("data-msg-failed"), true);
      })
      .then(function () {
        saving = false;
        if (again) {
          again = false;
          save();
        }
      });
  }

  function changed(event) {
    if (!event.target.name || event.target.type === "file") {
      return;
    }
    dirty = true;
    clearTimeout(timer);
    timer = setTimeout(save, DELAY);
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("focusout", function () {
    if (dirty) {
      save();
    }
  });
  // A button posts the whole form: no automatic save may race it.
  form.addEventListener("submit", function () {
    leaving = true;
    clearTimeout(timer);
  });

  // Character counters: visible at once, announced once the typing pauses.
  form.querySelectorAll("[data-compteur]").forEach(function (field) {
    var max = parseInt(field.getAttribute("data-compteur"), 10);
    if (!max) {
      return;
    }
    var counter = document.createElement("p");
    counter.className = "fr-hint-text fi-compteur";
    counter.id = field.id + "-compteur";
    var live = document.createElement("p");
    live.className = "fr-sr-only";
    live.setAttribute("aria-live", "polite");
    field.insertAdjacentElement("afterend", counter);
    counter.insertAdjacentElement("afterend", live);
    var liveTimer = null;
    function text() {
      var count = field.value.length;
      var template = form.getAttribute(count > max ? "data-msg-over" : "data-msg-counter");
      return template
        .replace("{count}", String(count))
        .replace("{max}", String(max))
        .replace("{over}", String(count - max));
    }
    function update() {
      counter.textContent = text();
      counter.classList.toggle("fi-compteur--depasse", field.value.length > max);
      clearTimeout(liveTimer);
      liveTimer = setTimeout(function () {
        live.textContent = text();
      }, 1000);
    }
    field.addEventListener("input", update);
    counter.textContent = text();
  });
})();
