// Dockyard Studio: the small script every page loads (progressive
// enhancement: every form works without it).
//
// - Confirmations: a <form data-confirm="Revoke this grant?"> asks first in
//   the page's shared <dialog id="confirm-dialog"> (templates/base.html),
//   whose confirm button is named "Confirm". With data-confirm-name="shop"
//   the dialog also asks for the name (input labelled "Type the name to
//   confirm"); the typed value goes into the form as `confirm_name`, which
//   the server checks too. Without this script the form posts directly.
// - Copy buttons: <button type="button" data-copy="field-id"> copies that
//   field's value and says so in the page's live region.
// - <select data-autosubmit> posts its form when it changes (the form keeps
//   a submit button for use without scripts).
(() => {
  const dialog = document.getElementById('confirm-dialog');
  const status = document.getElementById('live-status');
  const say = (text) => { if (status) status.textContent = text; };

  if (dialog) {
    const message = dialog.querySelector('[data-role=message]');
    const typed = dialog.querySelector('[data-role=typed]');
    const confirm = dialog.querySelector('[data-role=confirm]');
    const cancel = dialog.querySelector('[data-role=cancel]');
    // The typed-confirmation field exists only while a dialog asks for it,
    // so it never shadows a page's own labels ("Name").
    let typedInput = null;
    let typedError = null;
    const clearTyped = () => { typed.replaceChildren(); typedInput = null; typedError = null; };
    const addTyped = () => {
      const label = document.createElement('label');
      label.htmlFor = 'confirm-name';
      label.textContent = 'Type the name to confirm';
      typedInput = document.createElement('input');
      typedInput.id = 'confirm-name';
      typedInput.autocomplete = 'off';
      typedInput.spellcheck = false;
      typedInput.required = true;
      typedInput.setAttribute('aria-describedby', 'confirm-name-error');
      typedError = document.createElement('span');
      typedError.className = 'field-error';
      typedError.id = 'confirm-name-error';
      typed.replaceChildren(label, typedInput, typedError);
    };
    let pending = null;
    const close = () => { pending = null; dialog.close(); };
    document.addEventListener('submit', (event) => {
      const form = event.target;
      if (!(form instanceof HTMLFormElement) || !form.dataset.confirm || form.dataset.confirmed === '1') return;
      event.preventDefault();
      pending = { form, submitter: event.submitter };
      message.textContent = form.dataset.confirm;
      const name = form.dataset.confirmName;
      if (name) addTyped(); else clearTyped();
      dialog.showModal();
      (name ? typedInput : confirm).focus();
    }, true);
    confirm.addEventListener('click', () => {
      if (!pending) return;
      const { form, submitter } = pending;
      const name = form.dataset.confirmName;
      if (name) {
        if (typedInput.value !== name) {
          typedError.textContent = `Type ${name} exactly to confirm.`;
          typedInput.setAttribute('aria-invalid', 'true');
          typedInput.focus();
          return;
        }
        let field = form.querySelector('input[name=confirm_name]');
        if (!field) {
          field = document.createElement('input');
          field.type = 'hidden';
          field.name = 'confirm_name';
          form.append(field);
        }
        field.value = typedInput.value;
      }
      form.dataset.confirmed = '1';
      close();
      form.requestSubmit(submitter && form.contains(submitter) ? submitter : undefined);
    });
    cancel.addEventListener('click', close);
    dialog.addEventListener('close', () => { pending = null; clearTyped(); });
  }

  document.addEventListener('click', async (event) => {
    const button = event.target instanceof Element ? event.target.closest('[data-copy]') : null;
    if (!button) return;
    const field = document.getElementById(button.dataset.copy);
    if (!field) return;
    try {
      await navigator.clipboard.writeText(field.value ?? field.textContent);
      say('Copied to the clipboard.');
    } catch {
      field.select?.();
      say('Press Ctrl+C (or ⌘C) to copy the selected text.');
    }
  });

  for (const select of document.querySelectorAll('select[data-autosubmit]')) {
    select.addEventListener('change', () => select.form?.requestSubmit());
  }
})();
