import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createApp, nextTick } from 'vue'
import { createMemoryHistory } from 'vue-router'
import App from './App.vue'
import { createAppRouter } from './router'
import { SESSION_KEY } from './lib/session'

type Handler = (url: string, init?: RequestInit) => Response | Promise<Response>

function json(body: unknown, status = 200, contentType = 'application/json'): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': contentType } })
}

/** Lets pending promises, timers of 0 ms and Vue's re-render run. */
async function flushPromises(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await new Promise((resolve) => setTimeout(resolve, 0))
    await nextTick()
  }
}

/** A tiny stand-in for a component-test library: query, type, click, submit. */
function wrap(root: HTMLElement, unmount: () => void) {
  const get = (selector: string) => {
    const el = root.querySelector<HTMLElement>(selector)
    if (!el) throw new Error(`no element matches ${selector}`)
    return {
      el,
      text: () => (el.textContent ?? '').replace(/\s+/g, ' ').trim(),
      async setValue(value: string) {
        ;(el as HTMLInputElement).value = value
        el.dispatchEvent(new Event('input', { bubbles: true }))
        await nextTick()
      },
      async trigger(type: 'click' | 'submit') {
        el.dispatchEvent(new Event(type, { bubbles: true, cancelable: true }))
        await nextTick()
      },
    }
  }
  return {
    get,
    find: (selector: string) => ({ exists: () => root.querySelector(selector) !== null }),
    text: () => (root.textContent ?? '').replace(/\s+/g, ' ').trim(),
    unmount,
  }
}

async function mountAt(path: string, handler: Handler) {
  const fetchMock = vi.fn((input: RequestInfo | URL, init?: RequestInit) =>
    Promise.resolve(handler(String(input), init)),
  )
  vi.stubGlobal('fetch', fetchMock)
  const router = createAppRouter(createMemoryHistory())
  await router.push(path)
  await router.isReady()
  const root = document.createElement('div')
  document.body.appendChild(root)
  const app = createApp(App).use(router)
  app.mount(root)
  const wrapper = wrap(root, () => app.unmount())
  await flushPromises()
  return { wrapper, fetchMock }
}

const healthy: Handler = (url) => (url === '/healthz' ? json({ status: 'ok' }) : json({}, 404))

beforeEach(() => sessionStorage.clear())
afterEach(() => {
  vi.unstubAllGlobals()
  document.body.innerHTML = ''
})

describe('landing page', () => {
  it('shows the wordmark, the pitch and a healthy gateway', async () => {
    const { wrapper } = await mountAt('/', healthy)
    expect(wrapper.get('h1').text()).toBe('StreamPay')
    expect(wrapper.text()).toContain('Send and request money in real time')
    expect(wrapper.get('[data-testid="gateway-status"]').text()).toBe('Gateway: ok')
    expect(document.title).toBe('StreamPay')
    wrapper.unmount()
  })

  it('says the gateway is unreachable when /healthz fails', async () => {
    const { wrapper } = await mountAt('/', () => {
      throw new TypeError('Failed to fetch')
    })
    expect(wrapper.get('[data-testid="gateway-status"]').text()).toBe('Gateway: unreachable')
    wrapper.unmount()
  })

  it('says the gateway is unreachable on a 503', async () => {
    const { wrapper } = await mountAt('/', () => json({ status: 'starting' }, 503))
    expect(wrapper.get('[data-testid="gateway-status"]').text()).toBe('Gateway: unreachable')
    wrapper.unmount()
  })

  it('labels both inputs', async () => {
    const { wrapper } = await mountAt('/', healthy)
    expect(wrapper.get('label[for="sign-in-name"]').text()).toBe('Name')
    expect(wrapper.get('label[for="sign-in-username"]').text()).toBe('Username')
    expect(wrapper.find('#sign-in-name').exists()).toBe(true)
    expect(wrapper.find('#sign-in-username').exists()).toBe(true)
    wrapper.unmount()
  })
})

describe('sign-in', () => {
  it('posts the username and name, stores the token and greets the user', async () => {
    const { wrapper, fetchMock } = await mountAt('/', (url, init) => {
      if (url === '/auth/token' && init?.method === 'POST') {
        return json({ access_token: 'tok-123', token_type: 'Bearer', expires_in: 900, scope: 'read:users' })
      }
      return healthy(url, init)
    })
    await wrapper.get('#sign-in-name').setValue('Alice Doe')
    await wrapper.get('#sign-in-username').setValue('Alice')
    await wrapper.get('form').trigger('submit')
    await flushPromises()

    const call = fetchMock.mock.calls.find(([u]) => String(u) === '/auth/token')
    expect(call).toBeDefined()
    expect(JSON.parse(String(call?.[1]?.body))).toEqual({ username: 'alice', name: 'Alice Doe' })
    expect(wrapper.get('[data-testid="signed-in"]').text()).toBe('Signed in as Alice Doe (@alice)')
    const stored = JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? '{}')
    expect(stored.accessToken).toBe('tok-123')
    expect(stored.name).toBe('Alice Doe')

    await wrapper.get('button.button-secondary').trigger('click')
    expect(sessionStorage.getItem(SESSION_KEY)).toBeNull()
    expect(wrapper.find('form').exists()).toBe(true)
    wrapper.unmount()
  })

  it('shows the problem detail when the gateway refuses', async () => {
    const { wrapper } = await mountAt('/', (url, init) =>
      url === '/auth/token'
        ? json(
            { type: 'about:blank', title: 'Bad Request', status: 400, detail: 'username is reserved' },
            400,
            'application/problem+json',
          )
        : healthy(url, init),
    )
    await wrapper.get('#sign-in-name').setValue('Root')
    await wrapper.get('#sign-in-username').setValue('root')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(wrapper.get('[data-testid="sign-in-error"]').text()).toBe('username is reserved')
    expect(sessionStorage.getItem(SESSION_KEY)).toBeNull()
    wrapper.unmount()
  })

  it('falls back to the problem title when there is no detail', async () => {
    const { wrapper } = await mountAt('/', (url, init) =>
      url === '/auth/token'
        ? json({ title: 'Sign-in disabled', status: 403 }, 403, 'application/problem+json')
        : healthy(url, init),
    )
    await wrapper.get('#sign-in-name').setValue('Bob')
    await wrapper.get('#sign-in-username').setValue('bob')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(wrapper.get('[data-testid="sign-in-error"]').text()).toBe('Sign-in disabled')
    wrapper.unmount()
  })

  it('checks the username before asking the gateway', async () => {
    const { wrapper, fetchMock } = await mountAt('/', healthy)
    await wrapper.get('#sign-in-name').setValue('Eve')
    await wrapper.get('#sign-in-username').setValue('eve!')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(wrapper.get('[data-testid="sign-in-error"]').text()).toBe(
      'Usernames are 1–32 lowercase letters, digits, _ . or -.',
    )
    expect(fetchMock.mock.calls.some(([u]) => String(u) === '/auth/token')).toBe(false)
    wrapper.unmount()
  })
})

describe('unknown routes', () => {
  it('render the 404 page', async () => {
    const { wrapper } = await mountAt('/no/such/page', healthy)
    expect(wrapper.get('h1').text()).toBe('Page not found')
    expect(wrapper.text()).toContain('/no/such/page')
    expect(document.title).toBe('Page not found · StreamPay')
    wrapper.unmount()
  })
})
