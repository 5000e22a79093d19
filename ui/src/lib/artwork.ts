// Whether a show's picture is drawn or its initials are. A failure belongs to the image that
// failed: the next show's artwork is tried afresh (one picture missing says nothing of others).

/** Draw the image at `src` unless there is none or it is the one that failed to load. */
export function drawsArtwork(src: string | null, failedSrc: string | null): src is string {
  return src !== null && src !== failedSrc;
}
