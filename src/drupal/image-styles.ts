/** The box an image style scales into, in pixels; a missing side is free. */
export interface StyleSize {
  readonly width?: number;
  readonly height?: number;
}

/**
 * Sizes of the image styles that Drupal's standard install profile creates (all "scale", no crop), so an
 * old style URL whose derivative was not on disk can still get an image of about the size the mail expects.
 * Sites that changed these styles or added their own fall back to the full rendition.
 */
export const DRUPAL_STANDARD_STYLE_SIZES: Readonly<Record<string, StyleSize>> = {
  thumbnail: { width: 100, height: 100 },
  medium: { width: 220, height: 220 },
  large: { width: 480, height: 480 },
  wide: { width: 1090 },
};
