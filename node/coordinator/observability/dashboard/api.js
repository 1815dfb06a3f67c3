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
