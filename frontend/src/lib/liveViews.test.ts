import { afterEach, describe, expect, it, vi } from 'vitest'
import { effectScope } from 'vue'
import { fakeStream, settle, type FakeStream } from '../test/fakeStream'
import { openLiveViews, streamUrl } from './liveViews'
import { openStreams } from './sse'

afterEach(() => {
  for (const client of [...openStreams]) client.close()
})

function streamsFetch() {
  const streams: FakeStream[] = []
  const urls: string[] = []
  const fetchImpl = vi.fn(async (url: RequestInfo | URL, init?: RequestInit) => {
    urls.push(String(url))
    const stream = fakeStream()
    init?.signal?.addEventListener('abort', () => stream.fail())
    streams.push(stream)
    return stream.response
  })
  return { streams, urls, fetchImpl: fetchImpl as typeof fetch }
}

describe('openLiveViews', () => {
  it('opens one multiplexed stream for several views, in a stable order', () => {
    expect(streamUrl(['payment-requests', 'current-balance'])).toBe('/streams?views=current-balance,payment-requests')
  })

  it('routes events to their view, deletions by key, and marks ready', async () => {
    const { streams, urls, fetchImpl } = streamsFetch()
    const balances: unknown[] = []
    const deleted: string[] = []
    const live = openLiveViews(
      {
        'current-balance': { data: (v) => balances.push(v) },
        'payment-requests': { data: () => {}, delete: (key) => deleted.push(key) },
      },
      { fetchImpl },
    )
    await settle()
    expect(urls).toEqual(['/streams?views=current-balance,payment-requests'])
    streams[0]!.send('current-balance', '{"balance":100.00,"timestamp":1,"version":1}')
    streams[0]!.send('ready', '{}', 'current-balance@0=1;payment-requests@0=0')
    streams[0]!.send('payment-requests.delete', '{"key":"r-1"}', 'current-balance@0=1;payment-requests@0=1')
    await settle()
    expect(balances).toEqual([{ balance: 100, timestamp: 1, version: 1 }])
    expect(deleted).toEqual(['r-1'])
    expect(live.ready.value).toBe(true)
    expect(live.state.value).toBe('live')
    live.close()
  })

  it('replaces the state when a connection starts from scratch, not when it resumes', async () => {
    const { streams, fetchImpl } = streamsFetch()
    const reset = vi.fn()
    const live = openLiveViews({ activities: { data: () => {}, reset } }, { fetchImpl })
    await settle()
    streams[0]!.send('activities', '{}')
    await settle()
    expect(reset).toHaveBeenCalledTimes(1) // first connection: nothing to keep
    streams[0]!.send('ready', '{}', 'activities@0=5')
    streams[0]!.end()
    await vi.waitFor(() => expect(streams).toHaveLength(2))
    await settle()
    streams[1]!.send('activities', '{}', 'activities@0=6')
    await settle()
    expect(reset).toHaveBeenCalledTimes(1) // resumed: keep what we have
    live.close()
  })

  it('closes its stream when its component scope ends', async () => {
    const { fetchImpl } = streamsFetch()
    const scope = effectScope()
    scope.run(() => openLiveViews({ activities: { data: () => {} } }, { fetchImpl }))
    await settle()
    expect(openStreams.size).toBe(1)
    scope.stop()
    expect(openStreams.size).toBe(0)
  })
})
