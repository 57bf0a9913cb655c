import { afterEach, describe, expect, it, vi } from 'vitest'
import { effectScope } from 'vue'
import { openStreams } from '../lib/sse'
import { fakeStream, settle, type FakeStream } from '../test/fakeStream'
import { clearSentRequests, sentRequests, watchSentRequests } from './sentRequests'

afterEach(() => {
  for (const client of [...openStreams]) client.close()
  clearSentRequests()
})

const request = (id: string, status: string, timestamp: number) =>
  JSON.stringify({
    id,
    fromUserId: 'local|ann',
    fromUserName: 'Ann',
    toUserId: 'local|ben',
    toUserName: 'Ben',
    amount: 12.5,
    notes: 'lunch',
    timestamp,
    status,
  })

describe('the requests I sent', () => {
  it('come from the sent-requests view, newest first, each with its latest status', async () => {
    const streams: FakeStream[] = []
    const urls: string[] = []
    const fetchImpl = vi.fn(async (url: RequestInfo | URL) => {
      urls.push(String(url))
      const stream = fakeStream()
      streams.push(stream)
      return stream.response
    })
    const scope = effectScope()
    scope.run(() => watchSentRequests(fetchImpl as typeof fetch))
    await settle()
    expect(urls).toEqual(['/streams?views=sent-requests'])
    streams[0]!.send('sent-requests', request('r1', 'pending', 1000))
    streams[0]!.send('sent-requests', request('r2', 'pending', 2000))
    streams[0]!.send('sent-requests', request('r1', 'paid', 1000))
    streams[0]!.send('ready', '{}', 'sent-requests@0=3')
    await settle()
    expect(sentRequests.value.map((r) => [r.id, r.status, r.amount])).toEqual([
      ['r2', 'pending', 12.5],
      ['r1', 'paid', 12.5],
    ])
    // A closed request never shows as open again, whatever order records come in.
    streams[0]!.send('sent-requests', request('r1', 'pending', 1000))
    await settle()
    expect(sentRequests.value.find((r) => r.id === 'r1')!.status).toBe('paid')
    scope.stop()
  })
})
