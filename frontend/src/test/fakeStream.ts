/** Test helpers: a server-sent event stream the test writes to, and a scripted `fetch`. */

export interface FakeStream {
  response: Response
  /** Sends one event (`event`, `data`, optional `id`). */
  send(event: string | null, data: string, id?: string): void
  /** Sends raw text as it would come over the wire. */
  write(text: string): void
  /** The server ends the stream. */
  end(): void
  /** The connection breaks. */
  fail(): void
  readonly cancelled: boolean
}

export function fakeStream(status = 200): FakeStream {
  let controller!: ReadableStreamDefaultController<Uint8Array>
  let cancelled = false
  const encoder = new TextEncoder()
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c
    },
    cancel() {
      cancelled = true
    },
  })
  const write = (text: string) => {
    if (!cancelled) controller.enqueue(encoder.encode(text))
  }
  return {
    response: new Response(body, { status, headers: { 'Content-Type': 'text/event-stream' } }),
    send(event, data, id) {
      let text = ''
      if (event) text += `event: ${event}\n`
      if (id !== undefined) text += `id: ${id}\n`
      text += data
        .split('\n')
        .map((line) => `data: ${line}\n`)
        .join('')
      write(`${text}\n`)
    },
    write,
    end: () => controller.close(),
    fail: () => controller.error(new TypeError('network error')),
    get cancelled() {
      return cancelled
    },
  }
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  const type = status >= 400 ? 'application/problem+json' : 'application/json'
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': type, ...headers } })
}

/** Lets pending promises, stream reads and timers of 0 ms run. */
export async function settle(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setTimeout(resolve, 0))
}

/** An unsigned JWT with the given claims (the app only reads claims; the gateway verifies). */
export function fakeJwt(claims: Record<string, unknown>): string {
  const encode = (value: unknown) =>
    btoa(JSON.stringify(value)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
  return `${encode({ alg: 'RS256', kid: 'test' })}.${encode(claims)}.signature`
}
