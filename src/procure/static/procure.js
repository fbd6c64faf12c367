// The pages' only script. The Content-Security-Policy allows no inline script and no inline
// event handler (onclick=, onchange=): markup asks for behaviour with data- attributes instead.
//   data-confirm="question"  on a submit button: asks first; "cancel" does not submit.
//   data-autosubmit          on a select: choosing an option submits its form.
"use strict";

document.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("[data-confirm]") : null;
  if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
});

document.addEventListener("change", (event) => {
  const field = event.target instanceof Element ? event.target.closest("[data-autosubmit]") : null;
  if (field && field.form) field.form.submit();
});
