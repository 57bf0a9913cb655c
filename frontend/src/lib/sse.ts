/**
 * A Server-Sent Events client built on `fetch`, for the gateway's live views.
 *
 * Why not `EventSource`: it cannot send headers, so the token would have to travel in the URL
 * (`?access_token=`, which ends up in logs), and when the server ends a stream because the token
 * expired, EventSource reconnects by itself with the same, expired URL. This client sends
 * `Authorization: Bearer` with the token of the moment and `Last-Event-ID` on every reconnect,
 * renews the token when the server warns that it is about to expire (or answers 401), and backs
 * off on failures. `close()` aborts the request, so nothing stays open after a page is left.
 */

export interface SseMessage {
  /** `message` when the server named no event. */
  event: string
  data: string
  /** The last event id seen on this stream (the spec's "last event ID buffer"). */
  lastEventId: string
}

/** Incremental `text/event-stream` parser (WHATWG HTML §9.2.6). */
export class SseParser {
  private buffer = ''
  private event = ''
  private data: string[] = []
  private hasData = false
  private pendingCR = false
  lastEventId = ''
  /** Reconnection time the server asked for with `retry:`, if any. */
  retryMs: number | null = null

  constructor(private readonly emit: (message: SseMessage) => void) {}

  feed(chunk: string): void {
    let text = chunk
    // A CR at the end of the previous chunk may be the first half of a CRLF.
    if (this.pendingCR && text.startsWith('\n')) text = text.slice(1)
    this.pendingCR = text.endsWith('\r')
    this.buffer += text
    const lines = this.buffer.split(/\r\n|\r|\n/)
    this.buffer = lines.pop() ?? ''
    for (const line of lines) this.line(line)
  }

  private line(line: string): void {
    if (line === '') return this.dispatch()
    if (line.startsWith(':')) return
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    let value = colon === -1 ? '' : line.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    switch (field) {
      case 'event':
        this.event = value
        break
      case 'data':
        this.data.push(value)
        this.hasData = true
        break
      case 'id':
        if (!value.includes('\0')) this.lastEventId = value
        break
      case 'retry':
        if (/^\d+$/.test(value)) this.retryMs = Number(value)
        break
    }
  }

  private dispatch(): void {
    if (this.hasData) {
      this.emit({ event: this.event || 'message', data: this.data.join('\n'), lastEventId: this.lastEventId })
    }
    this.event = ''
    this.data = []
    this.hasData = false
  }
}

export type StreamState = 'connecting' | 'syncing' | 'live' | 'reconnecting' | 'closed' | 'failed'

export interface SseClientOptions {
  /** Path and query of the stream, e.g. `/streams?views=current-balance`. */
  url: string
  /** The access token to send now; null sends none. */
  getToken: () => string | null
  /**
   * Get a fresh token (the stored one expired, was refused, or the server warned that it is
   * about to expire). Resolves false when no token can be had: the stream then fails.
   */
  renewToken?: () => Promise<boolean>
  /** Every event, including `ready` and `delete`, in order. */
  onMessage: (message: SseMessage) => void
  /**
   * The server refused to resume from the last id (400): the stream starts afresh, so whatever
   * was built from earlier events must be dropped before the new initial state arrives.
   */
  onReset?: () => void
  /**
   * A connection is open. `resumed` false means the server starts from scratch (initial state,
   * then `ready`), so state built from an earlier connection is to be replaced.
   */
  onOpen?: (resumed: boolean) => void
  onState?: (state: StreamState, detail?: string) => void
  /** Resume from here on the first connect (e.g. an id kept from an earlier page). */
  lastEventId?: string
  /** The events by which the server warns that the token is about to expire. */
  expiryEvents?: readonly string[]
  /** The event that marks the end of the initial state. */
  readyEvent?: string
  initialRetryMs?: number
  maxRetryMs?: number
  fetchImpl?: typeof fetch
  /** For tests: how to wait before a reconnect. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>
  random?: () => number
}

/** The gateway's warning, sent shortly before it ends a stream whose token expires. */
export const TOKEN_EXPIRY_EVENTS = ['token-expiring'] as const

/** Streams open right now in this page, and the most ever open at once (browser tests read them). */
export const openStreams = new Set<SseClient>()
export const streamStats = { most: 0 }

export class SseError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message)
  }
}

function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms)
    signal.addEventListener('abort', () => {
      clearTimeout(timer)
      resolve()
    })
  })
}

export class SseClient {
  state: StreamState = 'closed'
  readonly url: string
  lastEventId: string
  /** Connections made so far (1 after the first connect). */
  connects = 0
  private closed = true
  private controller: AbortController | null = null
  private failures = 0
  private retryMs: number | null = null
  private renewing: Promise<boolean> | null = null
  private readonly opts: Required<
    Pick<SseClientOptions, 'initialRetryMs' | 'maxRetryMs' | 'readyEvent' | 'expiryEvents'>
  > &
    SseClientOptions

  constructor(options: SseClientOptions) {
    this.opts = {
      initialRetryMs: 1000,
      maxRetryMs: 30_000,
      readyEvent: 'ready',
      expiryEvents: TOKEN_EXPIRY_EVENTS,
      ...options,
    }
    this.lastEventId = options.lastEventId ?? ''
    this.url = options.url
  }

  start(): this {
    if (!this.closed) return this
    this.closed = false
    openStreams.add(this)
    streamStats.most = Math.max(streamStats.most, openStreams.size)
    void this.loop()
    return this
  }

  /** Ends the stream for good and aborts the request that is open. */
  close(): void {
    if (this.closed) return
    this.closed = true
    openStreams.delete(this)
    this.controller?.abort()
    this.setState('closed')
  }

  /** Drops the current connection and reconnects at once, resuming from the last id. */
  reconnectNow(): void {
    this.controller?.abort()
  }

  private setState(state: StreamState, detail?: string): void {
    this.state = state
    this.opts.onState?.(state, detail)
  }

  private async loop(): Promise<void> {
    const sleep = this.opts.sleep ?? defaultSleep
    while (!this.closed) {
      const controller = new AbortController()
      this.controller = controller
      let outcome: 'ended' | 'aborted' | 'retry' | 'fatal' = 'ended'
      try {
        outcome = await this.connect(controller)
      } catch (error) {
        if (controller.signal.aborted) outcome = 'aborted'
        else if (error instanceof SseError && error.status !== undefined) {
          this.setState('failed', error.message)
          outcome = 'fatal'
        } else {
          this.failures += 1
          outcome = 'retry'
        }
      }
      if (this.closed) return
      if (outcome === 'fatal') {
        this.closed = true
        openStreams.delete(this)
        return
      }
      if (outcome === 'aborted') continue // asked to reconnect now (e.g. a renewed token)
      this.setState('reconnecting')
      const delay = this.nextDelay(outcome === 'ended')
      await sleep(delay, controller.signal)
    }
  }

  private nextDelay(cleanEnd: boolean): number {
    // A stream the server ended cleanly (a token expiry, a restart) is resumed quickly.
    if (cleanEnd && this.failures === 0) return this.retryMs ?? 250
    const base = Math.min(this.opts.maxRetryMs, this.opts.initialRetryMs * 2 ** Math.min(this.failures - 1, 10))
    const jitter = 0.5 + (this.opts.random ?? Math.random)() / 2
    return Math.round(Math.max(this.retryMs ?? 0, base * jitter))
  }

  private async ensureToken(): Promise<string | null> {
    return this.opts.getToken()
  }

  private async renew(): Promise<boolean> {
    if (!this.opts.renewToken) return false
    this.renewing ??= this.opts.renewToken().finally(() => {
      this.renewing = null
    })
    return this.renewing
  }

  /** One connection: resolves when the server ends the stream; throws on failure. */
  private async connect(controller: AbortController): Promise<'ended' | 'retry'> {
    this.setState(this.connects === 0 ? 'connecting' : 'reconnecting')
    this.connects += 1
    const response = await this.request(controller, false)
    if (!response) return 'retry'
    this.setState('syncing')
    this.opts.onOpen?.(this.lastEventId !== '')
    const parser = new SseParser((message) => this.handle(message))
    parser.lastEventId = this.lastEventId
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
    try {
      for (;;) {
        const { value, done } = await reader.read()
        if (controller.signal.aborted) break
        if (done) break
        parser.feed(value)
        // An id may also come with no data (the gateway's heartbeats carry one).
        this.lastEventId = parser.lastEventId
        if (parser.retryMs !== null) this.retryMs = parser.retryMs
      }
    } finally {
      reader.releaseLock()
    }
    if (controller.signal.aborted) throw new DOMException('aborted', 'AbortError')
    return 'ended'
  }

  private async request(controller: AbortController, renewed: boolean): Promise<Response | null> {
    const headers: Record<string, string> = { Accept: 'text/event-stream', 'Cache-Control': 'no-cache' }
    const token = await this.ensureToken()
    if (token) headers.Authorization = `Bearer ${token}`
    if (this.lastEventId) headers['Last-Event-ID'] = this.lastEventId
    const fetchImpl = this.opts.fetchImpl ?? fetch
    let response: Response
    try {
      response = await fetchImpl(this.opts.url, { headers, signal: controller.signal, cache: 'no-store' })
    } catch (error) {
      if (controller.signal.aborted) throw error
      this.failures += 1
      return null
    }
    if (response.status === 401 && !renewed) {
      await response.body?.cancel()
      if (await this.renew()) return this.request(controller, true)
      throw new SseError('Your session has ended: sign in again.', 401)
    }
    if (response.status === 400 && this.lastEventId && !renewed) {
      await response.body?.cancel()
      this.lastEventId = ''
      this.opts.onReset?.()
      return this.request(controller, true)
    }
    if (response.status >= 500 || response.status === 429 || response.status === 408) {
      await response.body?.cancel()
      this.failures += 1
      return null
    }
    if (!response.ok || !response.body) {
      throw new SseError(await describe(response), response.status)
    }
    if (response.status === 200) this.failures = 0
    return response
  }

  private handle(message: SseMessage): void {
    this.lastEventId = message.lastEventId
    if (message.event === this.opts.readyEvent) this.setState('live')
    if (this.opts.expiryEvents.includes(message.event)) {
      // Renew now and reconnect with the new token from where we are: no gap, no duplicate.
      void this.renew().then((ok) => {
        if (ok && !this.closed) this.reconnectNow()
      })
    }
    this.opts.onMessage(message)
  }
}

async function describe(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { detail?: unknown; title?: unknown }
    if (typeof body.detail === 'string' && body.detail) return body.detail
    if (typeof body.title === 'string' && body.title) return body.title
  } catch {
    // not JSON
  }
  return `The live view could not be opened (HTTP ${response.status}).`
}
