/**
 * The time labels the balance charts have drawn, as horizontal boxes in CSS pixels of their
 * canvas: `streampay.chartLabels()` in the browser console (and in the browser tests) shows
 * whether any two overlap.
 */
export interface LabelBox {
  text: string
  left: number
  right: number
  /** Degrees; 0 for a level label. */
  rotation: number
}

const sources = new Set<() => LabelBox[]>()

/** Adds a chart's labels to `chartLabels()`; returns the function that removes them. */
export function exposeLabels(source: () => LabelBox[]): () => void {
  sources.add(source)
  return () => sources.delete(source)
}

export function chartLabels(): LabelBox[] {
  return [...sources].flatMap((source) => source())
}
