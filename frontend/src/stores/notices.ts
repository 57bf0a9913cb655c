/** Short confirmations ("Payment sent") shown in a polite live region, and gone after a while. */
import { shallowRef } from 'vue'

export interface Notice {
  id: number
  text: string
  tone: 'ok' | 'bad' | 'info'
}

export const notices = shallowRef<Notice[]>([])
let next = 1

export function notify(text: string, tone: Notice['tone'] = 'ok', ms = 5000): void {
  const notice = { id: next++, text, tone }
  notices.value = [...notices.value, notice].slice(-3)
  setTimeout(() => dismiss(notice.id), ms)
}

export function dismiss(id: number): void {
  notices.value = notices.value.filter((n) => n.id !== id)
}
