import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { nextTick } from 'vue'
import { createMemoryHistory, type Router } from 'vue-router'
import { createStreamPay } from './bootstrap'
import { SESSION_KEY, type Session } from './lib/session'
import { openStreams } from './lib/sse'
import { signOut } from './stores/session'
import { fakeJwt, fakeStream, json, settle, type FakeStream } from './test/fakeStream'

type Handler = (url: string, init?: RequestInit) => Response | Promise<Response> | undefined

/** A stand-in gateway: JSON routes from `handler`, and every `/streams` request kept open. */
function gateway(handler: Handler = () => undefined) {
  const streams = new Map<string, FakeStream>()
  const calls: { url: string; init?: RequestInit }[] = []
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input)
    calls.push({ url, init })
    const answer = await handler(url, init)
    if (answer) return answer
    if (url.startsWith('/streams?views=')) {
      const stream = fakeStream()
      init?.signal?.addEventListener('abort', () => stream.fail())
      streams.set(url.slice('/streams?views='.length), stream)
      return stream.response
    }
    if (url === '/healthz') return json({ status: 'ok' })
    if (url === '/auth/token') {
      const { username, name } = JSON.parse(String(init?.body)) as { username: string; name: string }
      return json({
        access_token: fakeJwt({ sub: `local|${username}`, name, exp: Math.floor(Date.now() / 1000) + 3600 }),
        token_type: 'Bearer',
        expires_in: 3600,
        scope: 'read:users',
      })
    }
    if (url === '/current-user') return new Response(null, { status: 204 })
    if (url === '/users') {
      return json([
        { id: 'local|alice', name: 'Alice Doe', username: 'alice' },
        { id: 'local|bob', name: 'Bob Stone', username: 'bob' },
      ])
    }
    return json({ status: 404, detail: `there is nothing at ${url}` }, 404)
  })
  vi.stubGlobal('fetch', fetchMock)
  return { streams, calls, fetchMock }
}

function signedIn(): void {
  const session: Session = {
    provider: 'dev',
    accessToken: fakeJwt({ sub: 'local|alice', exp: Math.floor(Date.now() / 1000) + 3600 }),
    tokenType: 'Bearer',
    scope: '',
    expiresAt: Date.now() + 3_600_000,
    userId: 'local|alice',
    username: 'alice',
    name: 'Alice Doe',
  }
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(session))
}

let stopApp: (() => void) | undefined

async function mountAt(path: string): Promise<{ root: HTMLElement; router: Router }> {
  const { app, router, stop } = createStreamPay({ history: createMemoryHistory(), auth: { kind: 'dev' } })
  stopApp = stop
  await router.push(path)
  await router.isReady()
  const root = document.createElement('div')
  document.body.appendChild(root)
  app.mount(root)
  await settle()
  return { root, router }
}

const $ = (root: HTMLElement, selector: string) => {
  const el = root.querySelector<HTMLElement>(selector)
  if (!el) throw new Error(`no element matches ${selector}`)
  return el
}
const text = (el: Element | null) => (el?.textContent ?? '').replace(/\s+/g, ' ').trim()

async function type(el: HTMLElement, value: string): Promise<void> {
  ;(el as HTMLInputElement).value = value
  el.dispatchEvent(new Event('input', { bubbles: true }))
  await nextTick()
}

async function submit(form: HTMLElement): Promise<void> {
  form.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }))
  await settle()
}

beforeEach(() => {
  sessionStorage.clear()
  localStorage.clear()
})

afterEach(() => {
  stopApp?.()
  signOut()
  for (const client of [...openStreams]) client.close()
  vi.unstubAllGlobals()
  document.body.innerHTML = ''
})

describe('landing and sign-in', () => {
  it('shows the wordmark, the pitch, a healthy gateway and labelled inputs', async () => {
    gateway()
    const { root } = await mountAt('/')
    expect(text($(root, 'h1'))).toBe('StreamPay')
    expect(text(root)).toContain('Send and request money in real time')
    expect(text($(root, '[data-testid="gateway-status"]'))).toBe('Gateway: ok')
    expect(text($(root, 'label[for="sign-in-name"]'))).toBe('Name')
    expect(text($(root, 'label[for="sign-in-username"]'))).toBe('Username')
  })

  it('signs in, registers the user, opens the feed and greets them with their live balance', async () => {
    const { calls, streams } = gateway()
    const { root, router } = await mountAt('/')
    await type($(root, '#sign-in-name'), 'Alice Doe')
    expect(($(root, '#sign-in-username') as HTMLInputElement).value).toBe('alice.doe')
    await type($(root, '#sign-in-username'), 'Alice')
    await submit($(root, 'form'))
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe('/feed'))
    await settle()

    const token = calls.find((c) => c.url === '/auth/token')!
    expect(JSON.parse(String(token.init?.body))).toEqual({ username: 'alice', name: 'Alice Doe' })
    const put = calls.find((c) => c.url === '/current-user')!
    expect(put.init?.method).toBe('PUT')
    expect(JSON.parse(String(put.init?.body))).toEqual({ name: 'Alice Doe', username: 'alice' })

    expect(text($(root, '[data-testid="greeting"]'))).toBe('Hi, Alice')
    const account = streams.get('current-balance,payment-requests')!
    account.send('current-balance', '{"balance":100.00,"timestamp":1,"version":1}')
    account.send('payment-requests', JSON.stringify({
      id: 'r1', fromUserId: 'local|bob', fromUserName: 'Bob Stone', toUserId: 'local|alice',
      toUserName: 'Alice Doe', amount: 7.5, notes: '', timestamp: 1, status: 'pending',
    }))
    account.send('ready', '{}', 'current-balance@0=1;payment-requests@0=1')
    await settle()
    expect(text($(root, '[data-testid="balance"]'))).toBe('$100.00')
    expect(text($(root, '[data-testid="requests-badge"]'))).toBe('1')
    account.send('payment-requests.delete', '{"key":"r1"}', 'current-balance@0=1;payment-requests@0=2')
    await settle()
    expect(root.querySelector('[data-testid="requests-badge"]')).toBeNull()
  })

  it('shows the problem detail when the gateway refuses', async () => {
    gateway((url) =>
      url === '/auth/token' ? json({ title: 'Bad Request', status: 400, detail: 'username is reserved' }, 400) : undefined,
    )
    const { root } = await mountAt('/')
    await type($(root, '#sign-in-name'), 'Root')
    await type($(root, '#sign-in-username'), 'root')
    await submit($(root, 'form'))
    expect(text($(root, '[data-testid="sign-in-error"]'))).toBe('Username is reserved.')
    expect(sessionStorage.getItem(SESSION_KEY)).toBeNull()
  })

  it('checks the username before asking the gateway', async () => {
    const { calls } = gateway()
    const { root } = await mountAt('/')
    await type($(root, '#sign-in-name'), 'Eve')
    await type($(root, '#sign-in-username'), 'eve!')
    await submit($(root, 'form'))
    expect(text($(root, '[data-testid="sign-in-error"]'))).toBe('Usernames are 1–32 lowercase letters, digits, underscores (_), dots (.) or hyphens (-).')
    expect(calls.some((c) => c.url === '/auth/token')).toBe(false)
  })

  it('sends a signed-out visitor to sign in first, and back afterwards', async () => {
    gateway()
    const { router } = await mountAt('/statement')
    expect(router.currentRoute.value.fullPath).toBe('/?next=/statement')
  })
})

describe('signed in', () => {
  it('keeps the session on reload and signs out', async () => {
    signedIn()
    gateway()
    const { root, router } = await mountAt('/feed')
    expect(text($(root, '[data-testid="greeting"]'))).toBe('Hi, Alice')
    $(root, '[data-testid="sign-out"]').click()
    await settle()
    expect(router.currentRoute.value.path).toBe('/')
    expect(sessionStorage.getItem(SESSION_KEY)).toBeNull()
    expect(openStreams.size).toBe(0)
  })

  it('shows the feed newest first with one row per payment, in the reader’s words', async () => {
    signedIn()
    const { streams } = gateway()
    const { root } = await mountAt('/feed')
    const feed = streams.get('activities,my-activities')!
    const leg = (eventName: string, timestamp: number, to = 'local|bob', toName = 'Bob Stone') =>
      JSON.stringify({
        eventName, amount: 5, fromUserId: 'local|alice', fromUserName: 'Alice Doe',
        toUserId: to, toUserName: toName, timestamp, notes: 'coffee',
      })
    feed.send('activities', leg('PaymentSent', 1000))
    feed.send('activities', leg('PaymentReceived', 1000))
    feed.send('activities', leg('PaymentSent', 2000, 'local|carol', 'Carol'))
    feed.send('ready', '{}', 'activities@0=3;my-activities@0=0')
    await settle()
    const rows = [...root.querySelectorAll('[data-testid="activity"]')]
    expect(rows.map((r) => text(r.querySelector('.activity-text')))).toEqual(['You paid Carol $5.00', 'You paid Bob Stone $5.00'])
    expect(rows[0]!.classList.contains('activity-out')).toBe(true)
    expect(text(rows[0]!.querySelector('.activity-amount'))).toBe('Money out: −$5.00')
  })

  it('keeps at most two streams open and closes a page’s stream when leaving it', async () => {
    signedIn()
    const { streams, calls } = gateway()
    const { router } = await mountAt('/feed')
    expect([...streams.keys()].sort()).toEqual(['activities,my-activities', 'current-balance,payment-requests'])
    expect(openStreams.size).toBe(2)
    await router.push('/statement')
    await settle()
    expect(openStreams.size).toBe(2)
    expect(calls.find((c) => c.url === '/streams?views=activities,my-activities')!.init!.signal!.aborted).toBe(true)
    expect(streams.has('average-transactions,balance-histories,statements,total-transactions')).toBe(true)
    await router.push('/send')
    await settle()
    expect(openStreams.size).toBe(1)
  })

  it('renders the 404 page', async () => {
    signedIn()
    gateway()
    const { root } = await mountAt('/no/such/page')
    expect(text($(root, 'h1'))).toBe('Page not found')
    expect(text(root)).toContain('/no/such/page')
    expect(document.title).toBe('Page not found · StreamPay')
  })
})

describe('the Pay / Request form', () => {
  async function openForm(handler?: Handler, { choose = true } = {}) {
    signedIn()
    const backend = gateway(handler)
    const mounted = await mountAt('/send')
    const account = backend.streams.get('current-balance,payment-requests')!
    account.send('current-balance', '{"balance":12.00,"timestamp":1,"version":3}')
    account.send('ready', '{}', 'current-balance@0=1;payment-requests@0=0')
    await settle()
    if (!choose) return { ...backend, ...mounted }
    const picker = $(mounted.root, '[data-testid="payee"]')
    await type(picker, 'bob')
    picker.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }))
    await settle()
    return { ...backend, ...mounted }
  }

  it('shows the balance, offers only other people, and refuses a bad amount without sending', async () => {
    const { root, calls } = await openForm()
    expect(text($(root, '[data-testid="form-balance"]'))).toBe('$12.00')
    expect(($(root, '[data-testid="payee"]') as HTMLInputElement).value).toBe('Bob Stone')
    const options = [...root.querySelectorAll('[role="option"]')].map((o) => o.getAttribute('data-user-id'))
    expect(options).not.toContain('local|alice')
    await type($(root, '[data-testid="amount"]'), '1.005')
    await submit($(root, 'form'))
    expect(text($(root, '[data-testid="amount-hint"]'))).toBe('Amount can have at most 2 decimal places.')
    expect($(root, '[data-testid="amount"]').getAttribute('aria-invalid')).toBe('true')
    expect(calls.some((c) => c.url === '/pay')).toBe(false)
  })

  it('sends the payment with a key and If-Match, and shows the server’s reason in plain words', async () => {
    const { root, calls } = await openForm((url) =>
      url === '/pay' ? json({ status: 409, title: 'Conflict', detail: 'insufficient funds', balance: 12 }, 409) : undefined,
    )
    // More than the balance the form shows: stopped before sending.
    await type($(root, '[data-testid="amount"]'), '50')
    expect(text($(root, '[data-testid="amount-hint"]'))).toBe('This is more than your balance ($12.00).')
    await submit($(root, 'form'))
    expect(calls.some((c) => c.url === '/pay')).toBe(false)
    // Within it, but the server knows better (the balance moved meanwhile): its reason.
    await type($(root, '[data-testid="amount"]'), '10')
    await submit($(root, 'form'))
    await vi.waitFor(() => expect(root.querySelector('[data-testid="form-error"]')).not.toBeNull())
    expect(text($(root, '[data-testid="form-error"]'))).toBe('Not enough money: balance $12.00')
    const pay = calls.find((c) => c.url === '/pay')!
    const headers = pay.init?.headers as Record<string, string>
    expect(headers['If-Match']).toBe('"3"')
    expect(headers['Idempotency-Key']).toMatch(/^[0-9a-f-]{36}$/)
    expect(pay.init?.body).toBe('{"userId":"local|bob","amount":10.00,"notes":"","visibility":"private"}')
  })

  it('after a reload, sends an unanswered command again with its key, and retries that very command', async () => {
    const saved = {
      owner: 'local|alice',
      mode: 'pay',
      to: { id: 'local|bob', name: 'Bob Stone' },
      amount: '5.00',
      notes: '',
      key: 'key-before-reload',
      ifMatch: 3,
      state: 'sending',
      message: '',
      at: Date.now(),
    }
    sessionStorage.setItem('streampay.last-command', JSON.stringify(saved))
    let attempt = 0
    const { root, calls, router } = await openForm((url) => {
      if (url !== '/pay') return undefined
      attempt += 1
      if (attempt === 1) throw new TypeError('Failed to fetch')
      return json({ commandId: 'c', amount: 5, balance: 7, version: 4 }, 200, { 'Idempotent-Replayed': 'true' })
    }, { choose: false })
    await vi.waitFor(() => expect(text($(root, '[data-testid="submit"]'))).toBe('Retry'))
    await submit($(root, 'form'))
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe('/feed'))
    expect(JSON.parse(sessionStorage.getItem('streampay.last-command')!)).toMatchObject({
      state: 'done',
      message: 'You paid Bob Stone $5.00.',
    })
    const pays = calls.filter((c) => c.url === '/pay')
    expect(pays.map((c) => (c.init?.headers as Record<string, string>)['Idempotency-Key'])).toEqual([
      'key-before-reload',
      'key-before-reload',
    ])
    expect(pays.map((c) => (c.init?.headers as Record<string, string>)['If-Match'])).toEqual(['"3"', '"3"'])
    expect(pays[1]!.init?.body).toBe('{"userId":"local|bob","amount":5.00,"notes":"","visibility":"private"}')
  })

  it('offers a retry after a network error, with the same key', async () => {
    let attempt = 0
    const { root, calls, router } = await openForm((url) => {
      if (url !== '/pay') return undefined
      attempt += 1
      if (attempt === 1) throw new TypeError('Failed to fetch')
      return json({ commandId: 'c', amount: 5, balance: 7, version: 4 })
    })
    await type($(root, '[data-testid="amount"]'), '5')
    await submit($(root, 'form'))
    await vi.waitFor(() => expect(text($(root, '[data-testid="submit"]'))).toBe('Retry'))
    await submit($(root, 'form'))
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe('/feed'))
    const keys = calls.filter((c) => c.url === '/pay').map((c) => (c.init?.headers as Record<string, string>)['Idempotency-Key'])
    expect(keys).toHaveLength(2)
    expect(keys[1]).toBe(keys[0])
  })
})
