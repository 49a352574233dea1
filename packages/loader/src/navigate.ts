/**
 * How the loader leaves the host page after `connected` with a `redirectUrl`. An object, not a
 * function, so tests can swap `go` and never navigate the test page away.
 */
export const navigation = {
  go(url: string): void {
    // `top.location.assign` throws when the host page is itself framed by another origin; then
    // the frame that embeds the widget navigates instead.
    try {
      top!.location.assign(url);
    } catch {
      location.assign(url);
    }
  },
};
