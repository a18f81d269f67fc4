// Comfort only: every page works without this file. Marks the page as scripted for GOV.UK
// Frontend's components (menu toggle, password show/hide, error summary focus) and starts them.
import { initAll, isSupported } from '/assets/govuk/govuk-frontend.min.js'

document.body.classList.add('js-enabled')
if (isSupported()) {
  document.body.classList.add('govuk-frontend-supported')
  initAll()
}

// The password rules of the activation page, ticked off as she types (the page says them anyway).
for (const rules of document.querySelectorAll('[data-password-rules]')) {
  const input = document.getElementById(rules.dataset.passwordRules)
  const items = [...rules.querySelectorAll('li[data-pattern]')]
  const update = () => {
    for (const item of items) {
      const met = new RegExp(item.dataset.pattern, 's').test(input.value)
      item.classList.toggle('portal-rule--met', met)
      item.querySelector('.portal-rule__status').textContent = met ? ' : respecté' : ' : à respecter'
    }
  }
  if (input) {
    input.addEventListener('input', update)
    update()
  }
}
