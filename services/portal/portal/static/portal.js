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

// Documents, the upload page (/documents/ajouter): the file is sent with XMLHttpRequest so that a
// <progress> bar and a spoken "Envoi : 45 %" show how far it is; then the page goes where the
// portal says (the list), or shows its answer (the form with its errors). Without this script,
// or if the request fails, the form is posted as usual.
function showAnswer (html) {
  const answer = new DOMParser().parseFromString(html, 'text/html')
  const main = document.getElementById('contenu')
  const replacement = answer.getElementById('contenu')
  if (!main || !replacement) {
    return false
  }
  main.replaceWith(replacement)
  document.title = answer.title
  if (isSupported()) {
    initAll({ scope: replacement })
  }
  if (!replacement.querySelector('.govuk-error-summary')) {
    const heading = replacement.querySelector('h1')
    if (heading) {
      heading.setAttribute('tabindex', '-1')
      heading.focus()
    }
  }
  return true
}

document.addEventListener('submit', (event) => {
  const form = event.target
  if (!(form instanceof HTMLFormElement) || !form.matches('[data-upload-progress]') ||
      !window.XMLHttpRequest || !window.FormData || !window.DOMParser) {
    return
  }
  const box = document.getElementById('envoi')
  const bar = document.getElementById('envoi-progression')
  const text = document.getElementById('envoi-texte')
  if (!box || !bar || !text) {
    return
  }
  event.preventDefault()
  const button = form.querySelector('button[type="submit"]')
  let shown = -1
  const show = (percent) => {
    if (percent !== shown) {
      shown = percent
      bar.value = percent
      text.textContent = percent < 100 ? `Envoi : ${percent} %` : 'Envoi : 100 %. Enregistrement du document…'
    }
  }
  const request = new XMLHttpRequest()
  request.open('POST', form.action)
  request.setRequestHeader('X-Portal-Upload', '1')
  request.upload.addEventListener('progress', (progress) => {
    if (progress.lengthComputable && progress.total > 0) {
      show(Math.floor(progress.loaded * 100 / progress.total))
    }
  })
  request.addEventListener('load', () => {
    const type = request.getResponseHeader('content-type') || ''
    if (request.status === 200 && type.startsWith('application/json')) {
      const next = JSON.parse(request.responseText).suite
      window.location.assign(typeof next === 'string' && /^\/(?![/\\])/.test(next) ? next : '/documents')
      return
    }
    if (request.responseURL && new URL(request.responseURL).pathname !== new URL(form.action).pathname) {
      window.location.assign(request.responseURL)          // sent elsewhere (to log in again, say)
      return
    }
    if (!showAnswer(request.responseText)) {
      form.submit()
    }
  })
  request.addEventListener('error', () => form.submit())
  if (button) {
    button.disabled = true
  }
  box.hidden = false
  show(0)
  request.send(new FormData(form))
})
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
