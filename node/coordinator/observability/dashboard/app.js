// The dashboard's shell: log in with a token, a hash router over the views, messages.
import { api, token } from './api.js'
import { alertsView, deploymentsView, deploymentView, devicesView, deviceView, fleetView } from './views.js'

const $ = (sel) => document.querySelector(sel)
const ctx = { role: 'viewer', message }
let cleanup = () => {}

function message (text, isError = false) {
  const box = $('#message')
  box.textContent = text
  box.className = isError ? 'error' : ''
  box.hidden = false
}

async function login (t) {
  token.set(t)
  try {
    const me = await api('GET', '/api/v1/whoami')
    ctx.role = me.role
    $('#who').textContent = `${me.name} (${me.role})`
    $('#who').dataset.role = me.role
    $('#nav').hidden = false
    $('#logout').hidden = false
    $('#login').hidden = true
    return true
  } catch (err) {
    token.clear()
    message(`Log in failed: ${err.message}`, true)
    return false
  }
}

async function route () {
  cleanup()
  cleanup = () => {}
  const view = $('#view')
  if (token.get() == null) { view.innerHTML = ''; $('#login').hidden = false; return }
  const [path, query] = location.hash.slice(1).split('?')
  const params = new URLSearchParams(query ?? '')
  const parts = (path || '/').split('/').filter(p => p !== '').map(decodeURIComponent)
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.getAttribute('href') === `#/${parts[0] ?? ''}`)
  try {
    if (parts[0] === 'devices' && parts[1] != null) cleanup = await deviceView(view, parts[1])
    else if (parts[0] === 'devices') cleanup = await devicesView(view, params)
    else if (parts[0] === 'deployments' && parts[1] != null) cleanup = await deploymentView(view, parts[1], ctx)
    else if (parts[0] === 'deployments') cleanup = await deploymentsView(view)
    else if (parts[0] === 'alerts') cleanup = await alertsView(view)
    else cleanup = await fleetView(view)
  } catch (err) {
    if (err.status === 401) { token.clear(); $('#nav').hidden = true; $('#login').hidden = false; view.innerHTML = '' }
    message(`${err.message}${err.hint ? ` (${err.hint})` : ''}`, true)
  }
}

$('#login').addEventListener('submit', async (e) => {
  e.preventDefault()
  if (await login($('#token').value.trim())) { $('#message').hidden = true; await route() }
})
$('#logout').addEventListener('click', () => {
  token.clear()
  location.hash = '#/'
  location.reload()
})
window.addEventListener('hashchange', () => { void route() })

const saved = token.get()
if (saved != null && await login(saved)) await route()
else $('#login').hidden = false
