// Small progressive enhancements. No inline handlers: the CSP allows scripts from 'self' only.
document.addEventListener("change", (event) => {
  const field = event.target.closest("[data-autosubmit]");
  if (field && field.form) field.form.submit();
});
