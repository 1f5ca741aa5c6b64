// Small progressive enhancements. No inline handlers: the CSP allows scripts from 'self' only.
document.addEventListener("change", (event) => {
  const field = event.target.closest("[data-autosubmit]");
  if (field && field.form) field.form.submit();
});

// Questionnaire: show a question only when its data-show-if conditions hold, mirroring the
// server's rule (risk.ruleset.matches: "*" = answered; {"contains": x} = a ticked choice of a
// multi question; otherwise equal). Without JavaScript every question shows and the server
// simply ignores answers to hidden ones.
(function () {
  const form = document.querySelector("form.questionnaire");
  if (!form) return;
  const value = (name) => {
    const inputs = form.querySelectorAll(`[name="${name}"]`);
    const picked = [];
    inputs.forEach((i) => {
      if ((i.type === "checkbox" || i.type === "radio") ? i.checked : i.value) picked.push(i.value);
    });
    const q = form.querySelector(`[data-question="${name}"]`);
    if (q && q.hidden) return null;
    if (!picked.length || picked[0] === "__none__") return null;
    if (inputs[0] && inputs[0].type === "checkbox") return picked;
    if (picked[0] === "yes") return true;
    if (picked[0] === "no") return false;
    return picked[0];
  };
  const update = () => {
    form.querySelectorAll("[data-show-if]").forEach((q) => {
      const rules = JSON.parse(q.dataset.showIf);
      q.hidden = !Object.entries(rules).every(([name, expected]) => {
        const v = value(name);
        if (expected === "*") return v !== null && !(Array.isArray(v) && !v.length);
        if (expected !== null && typeof expected === "object") {
          return Array.isArray(v) && v.includes(expected.contains);
        }
        return v === expected;
      });
    });
  };
  form.addEventListener("change", () => { update(); update(); });
  update(); update();
})();

// Copy buttons: <button data-copy="#input-id">. The value never leaves the page otherwise.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const field = document.querySelector(button.dataset.copy);
  if (!field) return;
  field.select();
  const done = () => {
    button.textContent = button.dataset.copiedLabel || "Copied";
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(field.value).then(done, () => document.execCommand("copy") && done());
  } else if (document.execCommand("copy")) {
    done();
  }
});

// A button with data-confirm asks before its form is sent (approving a high-risk deployment,
// revoking a token). Without JavaScript the form is sent as before.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
});

// The settings menu (<details data-navmenu>) closes on Escape and on a click elsewhere, like
// every menu; without JavaScript it still opens and closes by its summary.
document.addEventListener("click", (event) => {
  document.querySelectorAll("details[data-navmenu][open]").forEach((menu) => {
    if (!menu.contains(event.target)) menu.open = false;
  });
});
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  document.querySelectorAll("details[data-navmenu][open]").forEach((menu) => {
    menu.open = false;
    menu.querySelector("summary").focus();
  });
});

// After an inline save the page comes back at what was saved (#obligation-…): the server marks
// it data-focus and the focus follows, so keyboard and screen-reader users continue there too.
(function () {
  const target = document.querySelector("[data-focus]");
  if (target) target.focus({ preventScroll: !!window.location.hash });
})();

// Request form: "Not approvable yet" follows the chosen environment (the server rendered the
// one chosen when the page was built; staging often needs less than production).
document.addEventListener("change", (event) => {
  const select = event.target.closest("select[name='environment']");
  if (!select || !select.form) return;
  select.form.querySelectorAll("[data-env-warning]").forEach((warning) => {
    warning.hidden = warning.dataset.envWarning !== select.value;
  });
});

// Form errors: the summary at the top takes the focus when the page loads (a refused decision
// at the foot of a long page is announced and in view), and its links focus the field.
(function () {
  const summary = document.querySelector("[data-error-summary]");
  if (summary) summary.focus();
})();
document.addEventListener("click", (event) => {
  const link = event.target.closest("[data-error-summary] a[href^='#']");
  if (!link) return;
  const field = document.getElementById(link.getAttribute("href").slice(1));
  if (!field) return;
  event.preventDefault();
  field.scrollIntoView({ block: "center" });
  field.focus();
});
