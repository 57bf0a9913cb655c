import { afterEach, describe, expect, it, vi } from 'vitest'
import { fakeStream, settle, type FakeStream } from '../test/fakeStream'
import { openStreams, SseClient, SseParser, type SseMessage, type StreamState } from './sse'

describe('SseParser', () => {
  function parse(...chunks: string[]) {
    const messages: SseMessage[] = []
    const parser = new SseParser((m) => messages.push(m))
    for (const chunk of chunks) parser.feed(chunk)
    return { messages, parser }
  }

  it('reads named events, default events, multi-line data and ids', () => {
    const { messages } = parse('event: current-balance\nid: a@0=1\ndata: {"balance":5}\n\ndata: one\ndata: two\n\n')
    expect(messages).toEqual([
      { event: 'current-balance', data: '{"balance":5}', lastEventId: 'a@0=1' },
      { event: 'message', data: 'one\ntwo', lastEventId: 'a@0=1' },
    ])
  })

  it('joins events split across chunks, including a CRLF cut in half', () => {
    const { messages } = parse('event: rea', 'dy\r', '\ndata: {}\r\n', '\r\n')
    expect(messages).toEqual([{ event: 'ready', data: '{}', lastEventId: '' }])
  })

  it('ignores comments and keeps an id sent without data (heartbeats)', () => {
    const { messages, parser } = parse(': heartbeat\nid: x@0=9\n\n')
    expect(messages).toEqual([])
    expect(parser.lastEventId).toBe('x@0=9')
  })

  it('takes the retry delay and strips only one leading space', () => {
    const { messages, parser } = parse('retry: 1500\ndata:  two spaces\n\n')
    expect(parser.retryMs).toBe(1500)
    expect(messages[0]?.data).toBe(' two spaces')
  })
})

interface Harness {
  client: SseClient
  streams: FakeStream[]
  requests: { url: string; headers: Record<string, string>; signal: AbortSignal }[]
  messages: SseMessage[]
  states: StreamState[]
  token: { value: string }
  renew: ReturnType<typeof vi.fn>
}

function harness(
  respond: (n: number) => Response | FakeStream | Error = () => fakeStream(),
  options: { renewOk?: boolean; lastEventId?: string; onReset?: () => void } = {},
): Harness {
  const streams: FakeStream[] = []
  const requests: Harness['requests'] = []
  const messages: SseMessage[] = []
  const states: StreamState[] = []
  const token = { value: 'token-1' }
  const renew = vi.fn(async () => {
    if (options.renewOk === false) return false
    token.value = `token-${Number(token.value.split('-')[1]) + 1}`
    return true
  })
  const fetchImpl = vi.fn(async (url: RequestInfo | URL, init?: RequestInit) => {
    requests.push({ url: String(url), headers: { ...(init?.headers as Record<string, string>) }, signal: init!.signal! })
    const answer = respond(requests.length)
    if (answer instanceof Error) throw answer
    if (answer instanceof Response) return answer
    streams.push(answer)
    init?.signal?.addEventListener('abort', () => answer.fail())
    return answer.response
  })
  const client = new SseClient({
    url: '/streams?views=current-balance',
    getToken: () => token.value,
    renewToken: renew,
    onMessage: (m) => messages.push(m),
    onState: (s) => states.push(s),
    fetchImpl: fetchImpl as typeof fetch,
    sleep: () => Promise.resolve(),
    random: () => 0.5,
    lastEventId: options.lastEventId,
    onReset: options.onReset,
  })
  return { client, streams, requests, messages, states, token, renew }
}

afterEach(() => {
  for (const client of [...openStreams]) client.close()
})

describe('SseClient', () => {
  it('sends the token as a bearer header, not in the URL', async () => {
    const h = harness()
    h.client.start()
    await settle()
    expect(h.requests[0]).toMatchObject({
      url: '/streams?views=current-balance',
      headers: { Authorization: 'Bearer token-1', Accept: 'text/event-stream' },
    })
    expect(h.requests[0]!.headers['Last-Event-ID']).toBeUndefined()
  })

  it('is syncing until ready, then live', async () => {
    const h = harness()
    h.client.start()
    await settle()
    h.streams[0]!.send('current-balance', '{"balance":10,"version":1}')
    await settle()
    expect(h.client.state).toBe('syncing')
    h.streams[0]!.send('ready', '{}', 'current-balance@0=4')
    await settle()
    expect(h.client.state).toBe('live')
    expect(h.messages.map((m) => m.event)).toEqual(['current-balance', 'ready'])
  })

  it('reconnects after the server ends the stream, resuming with Last-Event-ID', async () => {
    const h = harness()
    h.client.start()
    await settle()
    h.streams[0]!.send('ready', '{}', 'current-balance@0=4')
    h.streams[0]!.send('current-balance', '{"balance":12}', 'current-balance@0=5')
    await settle()
    h.streams[0]!.end()
    await settle()
    expect(h.requests).toHaveLength(2)
    expect(h.requests[1]!.headers['Last-Event-ID']).toBe('current-balance@0=5')
    expect(h.states).toContain('reconnecting')
  })

  it('reconnects after a network failure with the id of a heartbeat', async () => {
    const h = harness((n) => (n === 2 ? new TypeError('offline') : fakeStream()))
    h.client.start()
    await settle()
    h.streams[0]!.write(': heartbeat\nid: current-balance@0=7\n\n')
    await settle()
    h.streams[0]!.fail()
    await settle(20)
    expect(h.requests.length).toBeGreaterThanOrEqual(3)
    expect(h.requests[2]!.headers['Last-Event-ID']).toBe('current-balance@0=7')
  })

  it('passes delete events through with their key', async () => {
    const h = harness()
    h.client.start()
    await settle()
    h.streams[0]!.send('payment-requests.delete', '{"key":"r-1"}', 'payment-requests@0=3')
    await settle()
    expect(h.messages).toEqual([
      { event: 'payment-requests.delete', data: '{"key":"r-1"}', lastEventId: 'payment-requests@0=3' },
    ])
  })

  it('renews the token on token-expiring and reconnects with it from the last id', async () => {
    const h = harness()
    h.client.start()
    await settle()
    h.streams[0]!.send('ready', '{}', 'current-balance@0=4')
    h.streams[0]!.send('token-expiring', '{"expiresAt":1700000000}')
    await settle(20)
    expect(h.renew).toHaveBeenCalledTimes(1)
    expect(h.requests).toHaveLength(2)
    expect(h.requests[1]!.headers).toMatchObject({
      Authorization: 'Bearer token-2',
      'Last-Event-ID': 'current-balance@0=4',
    })
    expect(h.requests[0]!.signal.aborted).toBe(true)
    expect(h.requests[1]!.signal.aborted).toBe(false)
  })

  it('renews once on a 401 and retries with the new token', async () => {
    const h = harness((n) => (n === 1 ? new Response('{}', { status: 401 }) : fakeStream()))
    h.client.start()
    await settle()
    expect(h.renew).toHaveBeenCalledTimes(1)
    expect(h.requests[1]!.headers.Authorization).toBe('Bearer token-2')
    expect(h.client.state).toBe('syncing')
  })

  it('fails, and stops retrying, when the token cannot be renewed', async () => {
    const h = harness(() => new Response('{}', { status: 401 }), { renewOk: false })
    h.client.start()
    await settle()
    expect(h.client.state).toBe('failed')
    expect(h.requests).toHaveLength(1)
    expect(openStreams.has(h.client)).toBe(false)
  })

  it('starts afresh when the server refuses the last id', async () => {
    const onReset = vi.fn()
    const h = harness((n) =>
      n === 1
        ? new Response(JSON.stringify({ status: 400, detail: 'Last-Event-ID is not an id of this stream' }), {
            status: 400,
          })
        : fakeStream(),
      { lastEventId: 'activities@0=1', onReset },
    )
    h.client.start()
    await settle()
    expect(h.requests[0]!.headers['Last-Event-ID']).toBe('activities@0=1')
    expect(h.requests[1]!.headers['Last-Event-ID']).toBeUndefined()
    expect(onReset).toHaveBeenCalledTimes(1)
  })

  it('backs off and retries while the gateway is unavailable', async () => {
    const h = harness((n) => (n < 3 ? new Response('{}', { status: 503 }) : fakeStream()))
    h.client.start()
    await settle(20)
    expect(h.requests).toHaveLength(3)
    expect(h.client.state).toBe('syncing')
  })

  it('stops on a refusal it cannot fix, with the server reason', async () => {
    const states: [StreamState, string | undefined][] = []
    const client = new SseClient({
      url: '/streams?views=activities',
      getToken: () => 't',
      onMessage: () => {},
      onState: (s, d) => states.push([s, d]),
      fetchImpl: (async () =>
        new Response(JSON.stringify({ detail: "the view 'activities' needs the scope 'read:activities'" }), {
          status: 403,
        })) as typeof fetch,
    }).start()
    await settle()
    expect(client.state).toBe('failed')
    expect(states.at(-1)).toEqual(['failed', "the view 'activities' needs the scope 'read:activities'"])
  })

  it('close() aborts the open request and leaves no stream open', async () => {
    const h = harness()
    h.client.start()
    await settle()
    expect(openStreams.size).toBe(1)
    h.client.close()
    await settle()
    expect(h.requests[0]!.signal.aborted).toBe(true)
    expect(h.client.state).toBe('closed')
    expect(openStreams.size).toBe(0)
    expect(h.requests).toHaveLength(1)
  })
})
