/**
 * The System section's API: topics, consumer groups, a topic's records (a live stream) and a
 * command's trace. Everything but a trace of one's own command needs the scope `read:system`.
 */
import { SseClient, type StreamState } from '../lib/sse'
import { currentToken, getJson, renewToken } from './http'
import type { components } from './schema'

type Schemas = components['schemas']
export type Topics = Schemas['Topics']
export type TopicState = Schemas['TopicState']
export type Groups = Schemas['Groups']
export type GroupState = Schemas['GroupState']
export type TopicRecord = Schemas['TopicRecord']
export type Trace = Schemas['Trace']
export type TraceStep = Schemas['TraceStep']

/** The scope that opens the System section. */
export const SYSTEM_SCOPE = 'read:system'

/** Whether a token's scopes (space-separated) include `read:system`. */
export function canReadSystem(scope: string | undefined): boolean {
  return (scope ?? '').split(/\s+/).includes(SYSTEM_SCOPE)
}

/** A correlation id as the gateway makes them (64 hex digits); others cannot be traced. */
export function isTraceable(commandId: string | undefined): commandId is string {
  return !!commandId && /^[0-9a-f]{64}$/.test(commandId)
}

export function fetchTopics(signal?: AbortSignal): Promise<Topics> {
  return getJson<Topics>('/system/topics', { signal })
}

export function fetchGroups(signal?: AbortSignal): Promise<Groups> {
  return getJson<Groups>('/system/groups', { signal })
}

export function fetchTrace(correlationId: string, signal?: AbortSignal): Promise<Trace> {
  return getJson<Trace>(`/system/commands/${encodeURIComponent(correlationId)}`, { signal })
}

export interface RecordQuery {
  topic: string
  key?: string
  header?: string
  from?: 'end' | 'beginning'
  limit?: number
}

export function recordsUrl(query: RecordQuery): string {
  const params = new URLSearchParams()
  if (query.key) params.set('key', query.key)
  if (query.header) params.set('header', query.header)
  if (query.from && query.from !== 'end') params.set('from', query.from)
  if (query.limit) params.set('limit', String(query.limit))
  const search = params.toString()
  return `/system/topics/${encodeURIComponent(query.topic)}/records${search ? `?${search}` : ''}`
}

export interface RecordHandlers {
  /** The first page has arrived (newest first); the stream is live from here. */
  onPage: (records: TopicRecord[]) => void
  /** One record written since. */
  onRecord: (record: TopicRecord) => void
  onState?: (state: StreamState, detail?: string) => void
}

/**
 * A topic's records: the first page, then each new one. On a reconnect (the gateway ends a
 * stream after a while) the page is sent again and replaces the one shown.
 */
export function openRecords(query: RecordQuery, handlers: RecordHandlers): SseClient {
  let page: TopicRecord[] = []
  let live = false
  return new SseClient({
    url: recordsUrl(query),
    getToken: currentToken,
    renewToken,
    onOpen: () => {
      page = []
      live = false
    },
    onState: handlers.onState,
    onMessage: (message) => {
      if (message.event === 'ready') {
        live = true
        handlers.onPage(page)
      } else if (message.event === 'record') {
        const record = JSON.parse(message.data) as TopicRecord
        if (live) handlers.onRecord(record)
        else page.push(record)
      }
    },
  }).start()
}
