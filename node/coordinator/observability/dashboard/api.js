// The dashboard's API client: the token lives in sessionStorage (gone with the tab), every call
// sends it as a bearer token, and errors carry the server's { error, code, hint }.
const TOKEN_KEY = 'fleetd.token'

export class ApiError extends Error {
  constructor (status, body) {
    super(body?.error ?? `HTTP ${status}`)
    this.status = status
    this.code = body?.code
    this.hint = body?.hint
  }
}

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (t) => sessionStorage.setItem(TOKEN_KEY, t),
  clear: () => sessionStorage.removeItem(TOKEN_KEY)
}

export async function api (method, path, body) {
  const headers = { authorization: `Bearer ${token.get() ?? ''}` }
  if (body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await res.text()
  const json = text === '' ? undefined : JSON.parse(text)
  if (!res.ok) throw new ApiError(res.status, json)
  return json
}

/**
 * Server-Sent Events over fetch (EventSource cannot send an Authorization header). Calls
 * onEvent(name, data) per event; reconnects after a drop until the returned stop() is called.
 */
export function subscribe (query, onEvent) {
  const controller = new AbortController()
  const run = async () => {
    while (!controller.signal.aborted) {
      try {
        const res = await fetch(`/api/v1/events?${query}`, { headers: { authorization: `Bearer ${token.get() ?? ''}` }, signal: controller.signal })
        if (!res.ok || res.body == null) throw new Error(`events: HTTP ${res.status}`)
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
        let buffer = ''
        for (;;) {
          const { value, done } = await reader.read()
          if (done) break
          buffer += value
          let end
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const chunk = buffer.slice(0, end)
            buffer = buffer.slice(end + 2)
            let name = 'message'
            const data = []
            for (const line of chunk.split('\n')) {
              if (line.startsWith('event: ')) name = line.slice(7)
              else if (line.startsWith('data: ')) data.push(line.slice(6))
            }
            if (data.length > 0) onEvent(name, JSON.parse(data.join('\n')))
          }
        }
      } catch {
        // A dropped stream: reconnect below, unless stopped.
        if (controller.signal.aborted) return
      }
      await new Promise(resolve => setTimeout(resolve, 2000))
    }
  }
  void run()
  return () => controller.abort()
}

/**
 * A newline-delimited JSON stream (an app's logs): calls onEvent(object) per line. Resolves
 * when the stream ends; throws ApiError when the server refuses it before the first line.
 */
export async function streamJsonLines (path, onEvent, signal) {
  const res = await fetch(path, { headers: { authorization: `Bearer ${token.get() ?? ''}` }, signal })
  if (!res.ok || res.body == null) {
    const text = await res.text()
    let body
    try { body = JSON.parse(text) } catch { body = undefined }
    throw new ApiError(res.status, body)
  }
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ''
  for (;;) {
    const { value, done } = await reader.read()
    if (done) return
    buffer += value
    let end
    while ((end = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, end)
      buffer = buffer.slice(end + 1)
      if (line !== '') onEvent(JSON.parse(line))
    }
  }
}
