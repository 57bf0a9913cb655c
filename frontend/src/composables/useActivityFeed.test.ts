import { afterEach, describe, expect, it, vi } from 'vitest'
import { effectScope } from 'vue'
import { openStreams } from '../lib/sse'
import { fakeStream, settle, type FakeStream } from '../test/fakeStream'
import { formatOffsets, parseOffsets, useActivityFeed } from './useActivityFeed'

afterEach(() => {
  for (const client of [...openStreams]) client.close()
})

const line = (n: number) =>
  JSON.stringify({
    id: `cmd-${n}:DepositReceived`,
    eventName: 'DepositReceived',
    amount: n,
    fromUserId: 'system|bank',
    fromUserName: 'StreamPay',
    toUserId: 'local|ben',
    toUserName: 'Ben',
    timestamp: n * 1000,
  })

function setUp() {
  const streams: FakeStream[] = []
  const ids: (string | undefined)[] = []
  const fetchImpl = vi.fn(async (_url: RequestInfo | URL, init?: RequestInit) => {
    ids.push((init?.headers as Record<string, string>)['Last-Event-ID'])
    const stream = fakeStream()
    init?.signal?.addEventListener('abort', () => stream.fail())
    streams.push(stream)
    return stream.response
  })
  const scope = effectScope()
  const feed = scope.run(() => useActivityFeed(fetchImpl as typeof fetch))!
  return { feed, streams, ids, scope }
}

describe('the activity feed', () => {
  it('reads and writes the per-partition positions of event ids', () => {
    const offsets = parseOffsets('activities@0=40,1=38,2=51')!
    expect([...offsets]).toEqual([[0, 40], [1, 38], [2, 51]])
    expect(formatOffsets(new Map([[1, 0], [0, 12]]))).toBe('activities@0=12,1=0')
    expect(parseOffsets('current-balance@0=1')).toBeNull()
  })

  it('loads older activity by resuming from an earlier position, showing each line once', async () => {
    const { feed, streams, ids, scope } = setUp()
    await settle()
    for (const n of [98, 99, 100]) streams[0]!.send('activities', line(n))
    streams[0]!.send('ready', '{}', 'activities@0=60,1=70;my-activities@0=55')
    await settle()
    expect(feed.rows.value.map((r) => r.amount)).toEqual([100, 99, 98])
    expect(feed.reachedStart.value).toBe(false)

    feed.loadOlder()
    await vi.waitFor(() => expect(streams).toHaveLength(2))
    expect(ids[1]).toBe('activities@0=10,1=20;my-activities@0=5')
    expect(feed.loadingOlder.value).toBe(true)
    // The gateway replays from there: older lines, then the ones already shown.
    for (const n of [96, 97, 98, 99, 100]) streams[1]!.send('activities', line(n), `activities@0=${n}`)
    streams[1]!.send('ready', '{}', 'activities@0=60,1=70;my-activities@0=55')
    await settle()
    expect(feed.rows.value.map((r) => r.amount)).toEqual([100, 99, 98, 97, 96])
    expect(feed.loadingOlder.value).toBe(false)
    scope.stop()
  })

  it('shows a line once when both the public feed and my own feed carry it', async () => {
    const { feed, streams, scope } = setUp()
    await settle()
    streams[0]!.send('activities', line(5))
    streams[0]!.send('my-activities', line(5))
    streams[0]!.send('my-activities', line(6))
    streams[0]!.send('ready', '{}', 'activities@0=1;my-activities@0=2')
    await settle()
    expect(feed.rows.value.map((r) => r.amount)).toEqual([6, 5])
    scope.stop()
  })

  it('knows when it already has the whole log', async () => {
    const { feed, streams, scope } = setUp()
    await settle()
    for (const n of [1, 2]) streams[0]!.send('activities', line(n))
    streams[0]!.send('ready', '{}', 'activities@0=1,1=1;my-activities@0=0')
    await settle()
    expect(feed.reachedStart.value).toBe(true)
    feed.loadOlder()
    await settle()
    expect(streams).toHaveLength(1)
    scope.stop()
  })
})
