// Comfort only: every page works without this file. Marks the page as scripted for GOV.UK
// Frontend's components (menu toggle, password show/hide, error summary focus) and starts them.
import { initAll, isSupported } from '/assets/govuk/govuk-frontend.min.js'

document.body.classList.add('js-enabled')
if (isSupported()) {
  document.body.classList.add('govuk-frontend-supported')
  initAll()
}
