/** The worker's parts, made in process the way the transport makes them (src/worker/transport.ts). */
import { secretsOf } from '../../src/shared/report'
import type { ResolvedOptions } from '../../src/worker/options'
import { Publisher, type PublisherEvents } from '../../src/worker/publisher'

/** A publisher for `options`, connecting in the background and telling `events` of its state. */
export function connectedPublisher (options: ResolvedOptions, events: Partial<PublisherEvents> = {}): Publisher {
  const publisher = new Publisher(options, secretsOf(options.fromUrl, options.redis))
  publisher.connect({ onReady: events.onReady ?? (() => {}), onError: events.onError ?? (() => {}) })
  return publisher
}
