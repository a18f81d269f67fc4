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

// Notifications (pages/notifications.py): the unread count beside "Notifications" in the menu,
// from the portal's own /notifications/non-lues, every 30 s and when the tab comes back.
const bell = document.querySelector('[data-unread-count]')
if (bell) {
  const refresh = async () => {
    try {
      const answer = await fetch('/notifications/non-lues', { credentials: 'same-origin', cache: 'no-store',
        headers: { accept: 'application/json' }, redirect: 'error' })
      if (!answer.ok) return
      const { unread } = await answer.json()
      if (typeof unread !== 'number') return
      if (unread > 0) {
        const hidden = document.createElement('span')
        hidden.className = 'govuk-visually-hidden'
        hidden.textContent = ` non lue${unread > 1 ? 's' : ''}`
        bell.replaceChildren(document.createTextNode(`${unread}`), hidden)
      } else {
        bell.replaceChildren()
      }
    } catch { /* offline or signed out: the link still works */ }
  }
  refresh()
  setInterval(refresh, 30000)
  window.addEventListener('focus', refresh)
}
