import type { EncodedImage, ImageOperation, ImageProcessor, ImageSource } from './image-processor.js';

/** The purpose of a render, used as the `operation` label of the duration histogram. */
export type RenderPurpose = 'rendition' | 'variant';

/** The part of a Prometheus histogram that records a render's duration, in seconds. */
export interface RenderDurations {
  observe(labels: { operation: RenderPurpose }, seconds: number): void;
}

/**
 * Wraps a processor so that every render records its duration, failed ones included, under `purpose`.
 * The time includes any wait for a free slot of the processor's work pool, since a request for a new
 * variant waits for it too.
 */
export function measureRenders(processor: ImageProcessor, durations: RenderDurations, purpose: RenderPurpose): ImageProcessor {
  return {
    canDecode: (mime: string) => processor.canDecode(mime),
    inspect: (source: ImageSource) => processor.inspect(source),
    async render(source: ImageSource, operation: ImageOperation): Promise<EncodedImage> {
      const started = performance.now();
      try {
        return await processor.render(source, operation);
      } finally {
        durations.observe({ operation: purpose }, (performance.now() - started) / 1000);
      }
    },
  };
}
